import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { NameSchema } from '../../events/envelope.ts';
import { type Db, parseItem, queryAll } from './db.ts';
import { HealModeSchema, type HealPhase, HealPhaseSchema, SETTLED_HEAL_PHASES } from './heal-phases.ts';
import { keys } from './keys.ts';
import { acquireLease, releaseLease } from './leases.ts';
import { advanceFrom, startOnce } from './phased.ts';

/** The phases and modes are pure vocabulary of their own (./heal-phases.ts), which ./ports.ts shares. */
export {
  type HealMode,
  HealModeSchema,
  type HealPhase,
  HealPhaseSchema,
  isActiveHeal,
  SETTLED_HEAL_PHASES,
} from './heal-phases.ts';

/** A Kubernetes node name: a DNS-1123 subdomain, so dots are allowed where a cluster name has none. */
export const NodeNameSchema = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, 'must be a DNS-1123 subdomain');

const at = z.iso.datetime();

export const NodeHealSchema = z.object({
  cluster: NameSchema,
  node: NodeNameSchema,
  phase: HealPhaseSchema,
  /** The mode it was decided under, kept: a change of the setting later does not change a heal under way. */
  mode: HealModeSchema,
  /** Whether capstan's own cordon made it unschedulable: recovery never undoes a person's cordon. */
  cordonedByCapstan: z.boolean(),
  /** The event that started it (the look that found the node lost). */
  eventId: z.string().min(1),
  suspectedAt: at,
  fencingAt: at.optional(),
  cordonedAt: at.optional(),
  taintedAt: at.optional(),
  podsGoneAt: at.optional(),
  attachmentsGoneAt: at.optional(),
  fencedAt: at.optional(),
  recoveredAt: at.optional(),
  restoredAt: at.optional(),
  /** Who let an approve-mode heal fence the node, or stopped it (`capstan heal approve|cancel`), and when. */
  approvedBy: z.string().min(1).max(256).optional(),
  approvedAt: at.optional(),
  cancelledBy: z.string().min(1).max(256).optional(),
  cancelledAt: at.optional(),
  /**
   * The lost node's addresses capstan blocked from Ceph while freeing its images (issue 11), written
   * before the block so a crash between the two still lifts it on recovery; and when it was lifted.
   */
  blocked: z
    .object({ via: z.enum(['ceph', 'network-fence']), addresses: z.array(z.string().min(1)).min(1), at })
    .optional(),
  /**
   * The PersistentVolumes attached to the node when capstan tainted it: once the attach/detach controller
   * has removed their VolumeAttachments, this is how freeing still knows which node held a volume.
   */
  attachedVolumes: z.array(z.string().min(1)).optional(),
  /** When its NetworkFence was set to Unfenced: csi-addons' answer is waited for from then. */
  unfencingAt: at.optional(),
  unblockedAt: at.optional(),
  updatedAt: at,
});
export type NodeHeal = z.infer<typeof NodeHealSchema>;

export type HealKey = Pick<NodeHeal, 'cluster' | 'node'>;
/** A block an earlier heal of the node left in place (its Node was deleted meanwhile) is carried over, never lost. */
export type NewNodeHeal = Pick<NodeHeal, 'cluster' | 'node' | 'mode' | 'eventId' | 'suspectedAt'> &
  Partial<Pick<NodeHeal, 'blocked'>>;

/** What an advance may set besides the phase: when a step was done, and whose cordon it is. */
export const HealPatchSchema = NodeHealSchema.pick({
  cordonedByCapstan: true,
  fencingAt: true,
  cordonedAt: true,
  taintedAt: true,
  podsGoneAt: true,
  attachmentsGoneAt: true,
  fencedAt: true,
  recoveredAt: true,
  restoredAt: true,
  approvedBy: true,
  approvedAt: true,
  cancelledBy: true,
  cancelledAt: true,
  blocked: true,
  attachedVolumes: true,
  unfencingAt: true,
  unblockedAt: true,
})
  .partial()
  .extend({ updatedAt: at })
  .strict();
export type HealPatch = z.infer<typeof HealPatchSchema>;

/** A new heal starts suspected, with no cordon of capstan's yet. */
export const newHealRecord = (input: NewNodeHeal): NodeHeal =>
  NodeHealSchema.parse({ ...input, phase: 'suspected', cordonedByCapstan: false, updatedAt: input.suspectedAt });

/**
 * One lease per node of a cluster, for the heal use case (lib/store/leases.ts): a second consumer working
 * the same node waits. Names are DNS labels and subdomains, so `heal/` names collide with no other lease.
 */
export const healLeaseName = (cluster: string, node: string) => `heal/${cluster}/${node}`;

const fromItem = (item: Record<string, unknown>) => parseItem(NodeHealSchema, item);

export const getHeal = async (db: Db, cluster: string, node: string): Promise<NodeHeal | undefined> => {
  const { Item } = await db.doc.send(
    new GetCommand({ TableName: db.table, Key: keys.heal(cluster, node), ConsistentRead: true }),
  );
  return Item ? fromItem(Item) : undefined;
};

/** Every heal record of a cluster, active or settled, by node name. Consistent: healing decides on it. */
export const listHeals = async (db: Db, cluster: string): Promise<NodeHeal[]> => {
  const items = await queryAll(db, {
    KeyConditionExpression: 'PK = :pk AND begins_with(SK, :node)',
    ExpressionAttributeValues: { ':pk': keys.heals(cluster).PK, ':node': 'NODE#' },
    ConsistentRead: true,
  });
  return items.map(fromItem);
};

/**
 * Starts healing a node once: where an active heal is under way for the node, that one is returned
 * (`created: false`), so a redelivered or concurrent suspicion joins it instead of starting a second.
 */
export const startHeal = (db: Db, input: NewNodeHeal): Promise<{ record: NodeHeal; created: boolean }> => {
  const record = newHealRecord(input);
  const read = () => getHeal(db, record.cluster, record.node);
  const key = keys.heal(record.cluster, record.node);
  return startOnce(db, key, record, SETTLED_HEAL_PHASES, read, `healing ${record.cluster}/${record.node}`);
};

/** Moves a heal to `to` only from one of `from`, setting the patch with it; says whether it did. */
export const advanceHeal = (db: Db, heal: HealKey, from: readonly HealPhase[], to: HealPhase, patch: HealPatch) =>
  advanceFrom(db, keys.heal(heal.cluster, heal.node), HealPatchSchema, from, to, patch);

export const acquireHealLease = (db: Db, heal: HealKey, holder: string, ttlSeconds: number, now?: number) =>
  acquireLease(db, healLeaseName(heal.cluster, heal.node), holder, ttlSeconds, now);

export const releaseHealLease = (db: Db, heal: HealKey, holder: string) =>
  releaseLease(db, healLeaseName(heal.cluster, heal.node), holder);
