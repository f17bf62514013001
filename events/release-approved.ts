import { z } from 'zod';
import { envelope, NameSchema } from './envelope.ts';
import { text } from './fields.ts';

/**
 * An approval reached its quorum (internal, on the deploy queue in the app+environment's group): release what
 * it holds. It carries no request of its own: the deploy consumer reads the approval from the table and
 * releases only one whose state is `granted`, so the event proves nothing by itself and cannot be forged
 * into a release.
 */
export const ReleaseApprovedDataSchema = z.strictObject({
  app: NameSchema,
  environment: NameSchema,
  approval: text(256),
});

export const ReleaseApprovedEventSchema = envelope('release.approved', ReleaseApprovedDataSchema);
export type ReleaseApprovedData = z.infer<typeof ReleaseApprovedDataSchema>;
export type ReleaseApproved = z.infer<typeof ReleaseApprovedEventSchema>;
