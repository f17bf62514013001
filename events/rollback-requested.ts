import { z } from 'zod';
import { envelope, NameSchema } from './envelope.ts';
import { text } from './fields.ts';
import { RequesterSchema } from './requester.ts';

/**
 * Bring back a past release of an app in an environment: re-apply exactly what it applied, as a new
 * release of its own. Sent by people (`capstan rollback`) or by capstan when a rollout fails.
 */
export const RollbackRequestedDataSchema = z.strictObject({
  app: NameSchema,
  environment: NameSchema,
  /** The release to bring back; default: the newest one that succeeded before the current one. */
  toRevision: z.int().min(1).optional(),
  /** Set by capstan's automatic rollback: the release whose rollout failed. */
  failedRevision: z.int().min(1).optional(),
  requestedBy: text(256).optional(),
  /** Who asked, as the edge that authenticated them says (events/requester.ts). */
  requester: RequesterSchema.optional(),
  reason: z.string().max(500).optional(),
});

export const RollbackRequestedEventSchema = envelope('rollback.requested', RollbackRequestedDataSchema);

export type RollbackRequestedData = z.infer<typeof RollbackRequestedDataSchema>;
export type RollbackRequested = z.infer<typeof RollbackRequestedEventSchema>;
