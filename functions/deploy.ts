import { DeployRequestedEventSchema } from '../events/deploy-requested.ts';
import { failReleaseOfEvent, releaseToEnvironment } from '../lib/deploy/release.ts';
import { sqsConsumer } from '../lib/lambda/sqs-consumer.ts';
import { wire } from '../lib/lambda/wiring.ts';

const w = wire();

/** deploy.requested -> release to every cluster of the environment. */
export const handler = sqsConsumer({
  ...w,
  name: 'deploy',
  queue: 'deploy',
  schema: DeployRequestedEventSchema,
  handle: (event) => releaseToEnvironment(event, w.deploy),
  onReject: (event, reason) => failReleaseOfEvent(event, reason, w.deploy),
});
