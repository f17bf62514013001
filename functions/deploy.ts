import { z } from 'zod';
import { DeployRequestedEventSchema } from '../events/deploy-requested.ts';
import { ReleaseAdvanceEventSchema } from '../events/release-advance.ts';
import { advanceRelease, failReleaseOfEvent, releaseToEnvironment } from '../lib/deploy/release.ts';
import { sqsConsumer } from '../lib/lambda/sqs-consumer.ts';
import { wire } from '../lib/lambda/wiring.ts';

const w = wire();

/** deploy.requested -> a release of the environment, first wave; release.advance -> its next wave. */
export const handler = sqsConsumer({
  ...w,
  name: 'deploy',
  queue: 'deploy',
  schema: z.discriminatedUnion('type', [DeployRequestedEventSchema, ReleaseAdvanceEventSchema]),
  handle: (event) =>
    event.type === 'deploy.requested' ? releaseToEnvironment(event, w.deploy) : advanceRelease(event, w.deploy),
  onReject: (event, reason) => failReleaseOfEvent(event, reason, w.deploy),
});
