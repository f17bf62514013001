import { RolloutCheckEventSchema } from '../events/rollout-check.ts';
import { checkRollout } from '../lib/deploy/use-cases/check-rollout.ts';
import { sqsConsumer } from '../lib/lambda/sqs-consumer.ts';
import { consumerPorts, wire } from '../lib/lambda/wiring.ts';

const w = wire('rollout');

/** rollout.check -> observe one Deployment once; schedule the next check or settle the release. */
export const handler = sqsConsumer({
  ...consumerPorts(w, 'rollout'),
  name: 'rollout',
  schema: RolloutCheckEventSchema,
  handle: (event) => checkRollout(event, w.deploy),
});
