import { z } from 'zod';
import { envelope, NameSchema } from './envelope.ts';
import { text } from './fields.ts';
import { RequesterSchema } from './requester.ts';

/**
 * One person's answer to a release waiting for approval (issue 13): an Approve or Reject button in chat, or
 * `capstan approve|reject`. The voter is set by the edge that authenticated them. Counting is the approvals
 * consumer's (lib/approvals): the same person twice counts once, the requester's own vote does not count
 * unless the spec allows it, one reject ends it, a vote on an approval that has ended changes nothing.
 */
export const ApprovalVoteDataSchema = z.strictObject({
  app: NameSchema,
  environment: NameSchema,
  /** The approval: the id of the deploy request that opened it. */
  approval: text(256),
  decision: z.enum(['approve', 'reject']),
  voter: RequesterSchema,
  /** Where the vote was cast, so the answer can go back there (Slack's `response_url` is not kept here). */
  via: z.enum(['slack', 'mattermost', 'cli']),
  comment: z.string().max(500).optional(),
});

export const ApprovalVoteEventSchema = envelope('approval.vote', ApprovalVoteDataSchema);
export type ApprovalVoteData = z.infer<typeof ApprovalVoteDataSchema>;
export type ApprovalVote = z.infer<typeof ApprovalVoteEventSchema>;
