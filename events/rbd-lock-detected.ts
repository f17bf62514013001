import { z } from 'zod';
import { envelope, NameSchema } from './envelope.ts';
import { DateTimeSchema, SubdomainSchema, text } from './fields.ts';

// Pool and image names end up as `rbd` arguments (`rbd lock rm <pool>/<image> ...`): refusing anything
// beyond the names Ceph tools create keeps them from reading as options or extra path segments.
export const CephNameSchema = z
  .string()
  .max(255)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be a Ceph pool or image name (letters, digits, ".", "_", "-")');

/**
 * A pod cannot mount its RBD volume because another node still holds it: the Warning events of formats
 * section 10. What the events do not say (PV, pool, image, holder node) is filled in from the
 * VolumeAttachment and PV when the source can read them, and left out otherwise.
 */
export const RbdLockDetectedDataSchema = z.strictObject({
  cluster: NameSchema,
  namespace: NameSchema,
  pod: SubdomainSchema,
  persistentVolume: SubdomainSchema.optional(),
  pool: CephNameSchema.optional(),
  image: CephNameSchema.optional(),
  /** VolumeAttachment `spec.attacher`, e.g. `rbd.csi.ceph.com` or `<ns>.rbd.csi.ceph.com`. */
  attacher: SubdomainSchema.optional(),
  holderNode: SubdomainSchema.optional(),
  symptom: z.enum(['still-in-use', 'locked-by-other-node', 'multi-attach']),
  message: text(2048),
  observedAt: DateTimeSchema,
});

export const RbdLockDetectedEventSchema = envelope('rbd.lock.detected', RbdLockDetectedDataSchema);

export type RbdLockDetectedData = z.infer<typeof RbdLockDetectedDataSchema>;
export type RbdLockDetected = z.infer<typeof RbdLockDetectedEventSchema>;
