import { z } from 'zod';
import { ApprovalCheckEventSchema } from '../events/approval-check.ts';
import { ApprovalVoteEventSchema } from '../events/approval-vote.ts';
import { checkApproval } from '../lib/approvals/use-cases/check.ts';
import { castVote } from '../lib/approvals/use-cases/vote.ts';
import { sqsConsumer } from '../lib/lambda/sqs-consumer.ts';
import { consumerPorts, wire } from '../lib/lambda/wiring.ts';

const w = wire('approvals');
const deps = { store: w.deploy.store, enqueue: w.deploy.enqueue, now: w.deploy.now };

/** approval.vote -> counted (a grant sends release.approved); approval.check -> expired, or looked at again later. */
export const handler = sqsConsumer({
  ...consumerPorts(w, 'approvals'),
  name: 'approvals',
  schema: z.discriminatedUnion('type', [ApprovalVoteEventSchema, ApprovalCheckEventSchema]),
  handle: (event) => (event.type === 'approval.vote' ? castVote(event, deps) : checkApproval(event, deps)),
});
