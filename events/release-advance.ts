import { z } from 'zod';
import { envelope, NameSchema } from './envelope.ts';

/**
 * Internal: "every cluster of the previous wave is healthy, release to wave `wave` now". Sent by the
 * rollout checker onto the deploy queue, in the app+environment's FIFO group, so it is serialized with
 * every other release of that app and environment.
 */
export const ReleaseAdvanceDataSchema = z.strictObject({
  app: NameSchema,
  environment: NameSchema,
  revision: z.int().min(1),
  wave: z.int().min(1),
});

export const ReleaseAdvanceEventSchema = envelope('release.advance', ReleaseAdvanceDataSchema);

export type ReleaseAdvanceData = z.infer<typeof ReleaseAdvanceDataSchema>;
export type ReleaseAdvance = z.infer<typeof ReleaseAdvanceEventSchema>;
