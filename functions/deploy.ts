import { z } from 'zod';
import { DeployRequestedEventSchema } from '../events/deploy-requested.ts';
import { ReleaseAdvanceEventSchema } from '../events/release-advance.ts';
import { RollbackRequestedEventSchema } from '../events/rollback-requested.ts';
import { advanceRelease, failReleaseOfEvent, releaseToEnvironment, rollbackRelease } from '../lib/deploy/release.ts';
import { sqsConsumer } from '../lib/lambda/sqs-consumer.ts';
import { wire } from '../lib/lambda/wiring.ts';

const w = wire();

/**
 * deploy.requested -> a release of the environment, first wave; release.advance -> its next wave;
 * rollback.requested -> a release re-applying a past one. All in the app+environment's FIFO group.
 */
export const handler = sqsConsumer({
  ...w,
  name: 'deploy',
  queue: 'deploy',
  schema: z.discriminatedUnion('type', [
    DeployRequestedEventSchema,
    ReleaseAdvanceEventSchema,
    RollbackRequestedEventSchema,
  ]),
  handle: (event) => {
    if (event.type === 'deploy.requested') return releaseToEnvironment(event, w.deploy);
    if (event.type === 'release.advance') return advanceRelease(event, w.deploy);
    return rollbackRelease(event, w.deploy);
  },
  onReject: (event, reason) => failReleaseOfEvent(event, reason, w.deploy),
});
