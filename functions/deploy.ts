import { z } from 'zod';
import { DeployRequestedEventSchema } from '../events/deploy-requested.ts';
import { ImagePushedEventSchema } from '../events/image-pushed.ts';
import { ReleaseAdvanceEventSchema } from '../events/release-advance.ts';
import { ReleaseApprovedEventSchema } from '../events/release-approved.ts';
import { RollbackRequestedEventSchema } from '../events/rollback-requested.ts';
import { advanceRelease } from '../lib/deploy/use-cases/advance-wave.ts';
import { failReleaseOfEvent } from '../lib/deploy/use-cases/fail-release.ts';
import { onImagePushed } from '../lib/deploy/use-cases/image-pushed.ts';
import { releaseToEnvironment } from '../lib/deploy/use-cases/release.ts';
import { failApprovedRelease, releaseApproved } from '../lib/deploy/use-cases/release-approved.ts';
import { rollbackRelease } from '../lib/deploy/use-cases/rollback.ts';
import { sqsConsumer } from '../lib/lambda/sqs-consumer.ts';
import { consumerPorts, wire } from '../lib/lambda/wiring.ts';

const w = wire('deploy');

/**
 * deploy.requested -> a release of the environment, first wave; release.advance -> its next wave;
 * rollback.requested -> a release re-applying a past one (all three in the app+environment's FIFO group);
 * image.pushed -> deploy requests for the apps tracking the repository (in the repository's group);
 * release.approved -> the request a granted approval holds, released.
 */
export const handler = sqsConsumer({
  ...consumerPorts(w, 'deploy'),
  name: 'deploy',
  schema: z.discriminatedUnion('type', [
    DeployRequestedEventSchema,
    ReleaseAdvanceEventSchema,
    RollbackRequestedEventSchema,
    ImagePushedEventSchema,
    ReleaseApprovedEventSchema,
  ]),
  handle: (event) => {
    if (event.type === 'deploy.requested') return releaseToEnvironment(event, w.deploy);
    if (event.type === 'release.advance') return advanceRelease(event, w.deploy);
    if (event.type === 'image.pushed') return onImagePushed(event, w.deploy);
    if (event.type === 'release.approved') return releaseApproved(event, w.deploy);
    return rollbackRelease(event, w.deploy);
  },
  onReject: (event, why) => {
    if (event.type === 'image.pushed') return Promise.resolve();
    if (event.type === 'release.approved') return failApprovedRelease(event, why, w.deploy);
    return failReleaseOfEvent(event, why, w.deploy);
  },
});
