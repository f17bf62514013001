import { z } from 'zod';
import { CephAccessSchema } from '../ceph/access.ts';

/**
 * How a cluster frees an RBD image held by a lost node (issue 11), one way per cluster:
 * - `ceph`: capstan blocklists the node's address itself, through the Ceph manager's restful module, and
 *   breaks the stale lock (on-premises installs that can reach Ceph);
 * - `network-fence`: capstan asks csi-addons, with a NetworkFence CR, and ceph-csi blocklists it.
 * A cluster with neither has lost nodes fenced (part 1) but no image freed: capstan records why.
 */
const Name = z.string().min(1).max(253);

export const NetworkFenceSettingsSchema = z.union([
  z.strictObject({ networkFenceClassName: Name }),
  z.strictObject({
    driver: Name,
    // Required with a driver, as csi-addons' CRD requires it.
    secret: z.strictObject({ name: Name, namespace: Name }),
    parameters: z.record(z.string(), z.string()).optional(),
  }),
]);

/** A blocklist entry outlives a long outage; capstan lifts it itself when the node is back (part 1's recovery). */
export const DEFAULT_BLOCKLIST_EXPIRE_SECONDS = 30 * 24 * 3600;

/**
 * The shortest expiry allowed: when the entry expires the lost node's clients may write again, so it must
 * outlast any outage that capstan has not yet seen the end of (it lifts the entry itself on recovery); an
 * hour leaves room for a node that is slow to be declared back, minutes would end the fencing silently.
 */
export const MIN_BLOCKLIST_EXPIRE_SECONDS = 3600;

export const FreeingSchema = z.discriminatedUnion('via', [
  z.strictObject({
    via: z.literal('ceph'),
    ceph: CephAccessSchema,
    blocklistExpireSeconds: z
      .int()
      .min(MIN_BLOCKLIST_EXPIRE_SECONDS)
      .max(10 * 365 * 24 * 3600)
      .default(DEFAULT_BLOCKLIST_EXPIRE_SECONDS),
  }),
  z.strictObject({ via: z.literal('network-fence'), networkFence: NetworkFenceSettingsSchema }),
]);
export type Freeing = z.infer<typeof FreeingSchema>;
