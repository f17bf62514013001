import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { NameSchema } from '../../events/envelope.ts';
import { CephNameSchema } from '../../events/rbd-lock-detected.ts';
import { ReasonCodeSchema } from '../reasons.ts';
import { type Db, parseItem, queryAll } from './db.ts';
import { NodeNameSchema } from './heals.ts';
import { keys } from './keys.ts';
import { advanceFrom, startOnce } from './phased.ts';

/**
 * Freeing one Ceph RBD image held by a lost node (issue 11): one record per image of a cluster, beside the
 * node heals in the cluster's partition. `waiting` looks again (the holder not yet proven lost or fenced,
 * the old watch not yet gone); `freed` and `refused` end it, and a later detection starts afresh.
 */
export const ImagePhaseSchema = z.enum(['waiting', 'freed', 'refused']);
export type ImagePhase = z.infer<typeof ImagePhaseSchema>;
export const SETTLED_IMAGE_PHASES: readonly ImagePhase[] = ['freed', 'refused'];
export const isActiveImageHeal = (phase: ImagePhase): boolean => !SETTLED_IMAGE_PHASES.includes(phase);

const at = z.iso.datetime();

export const ImageHealSchema = z.object({
  cluster: NameSchema,
  pool: CephNameSchema,
  image: CephNameSchema,
  persistentVolume: z.string().min(1).max(253),
  /** The node whose VolumeAttachment held the volume when the symptom was first seen. */
  holderNode: NodeNameSchema,
  /** The pod that cannot mount it, and the node it runs on. */
  requester: z.object({
    namespace: NameSchema,
    pod: z.string().min(1).max(253),
    node: NodeNameSchema.optional(),
  }),
  phase: ImagePhaseSchema,
  via: z.enum(['ceph', 'network-fence']).optional(),
  /** The last verdict: a stable code and the words (lib/reasons.ts). */
  code: ReasonCodeSchema.optional(),
  reason: z.string().optional(),
  /** The addresses capstan blocked for it (the holder's, from its Node), and the locks it broke. */
  blocked: z.array(z.string()).optional(),
  locksRemoved: z.array(z.string()).optional(),
  eventId: z.string().min(1),
  detectedAt: at,
  freedAt: at.optional(),
  refusedAt: at.optional(),
  updatedAt: at,
});
export type ImageHeal = z.infer<typeof ImageHealSchema>;

export type ImageKey = Pick<ImageHeal, 'cluster' | 'pool' | 'image'>;
export type NewImageHeal = Pick<
  ImageHeal,
  'cluster' | 'pool' | 'image' | 'persistentVolume' | 'holderNode' | 'requester' | 'eventId' | 'detectedAt'
>;

export const ImagePatchSchema = ImageHealSchema.pick({
  via: true,
  code: true,
  reason: true,
  blocked: true,
  locksRemoved: true,
  freedAt: true,
  refusedAt: true,
  requester: true,
})
  .partial()
  .extend({ updatedAt: at })
  .strict();
export type ImagePatch = z.infer<typeof ImagePatchSchema>;

export const imageName = (key: Pick<ImageKey, 'pool' | 'image'>) => `${key.pool}/${key.image}`;

const fromItem = (item: Record<string, unknown>) => parseItem(ImageHealSchema, item);

export const getImageHeal = async (db: Db, key: ImageKey): Promise<ImageHeal | undefined> => {
  const { Item } = await db.doc.send(
    new GetCommand({ TableName: db.table, Key: keys.imageHeal(key.cluster, imageName(key)), ConsistentRead: true }),
  );
  return Item ? fromItem(Item) : undefined;
};

/** Every image record of a cluster, by pool/image. Consistent. */
export const listImageHeals = async (db: Db, cluster: string): Promise<ImageHeal[]> => {
  const items = await queryAll(db, {
    KeyConditionExpression: 'PK = :pk AND begins_with(SK, :image)',
    ExpressionAttributeValues: { ':pk': keys.heals(cluster).PK, ':image': 'IMAGE#' },
    ConsistentRead: true,
  });
  return items.map(fromItem);
};

/** Starts freeing an image once: where an active record is there, that one is returned (`created: false`). */
export const startImageHeal = (db: Db, input: NewImageHeal): Promise<{ record: ImageHeal; created: boolean }> => {
  const record = ImageHealSchema.parse({ ...input, phase: 'waiting', updatedAt: input.detectedAt });
  const key = keys.imageHeal(record.cluster, imageName(record));
  const what = `freeing ${record.cluster}/${imageName(record)}`;
  return startOnce(db, key, record, SETTLED_IMAGE_PHASES, () => getImageHeal(db, record), what);
};

/** Moves an image record to `to` only from one of `from`, with the patch; says whether it did. */
export const advanceImageHeal = (
  db: Db,
  key: ImageKey,
  from: readonly ImagePhase[],
  to: ImagePhase,
  patch: ImagePatch,
) => advanceFrom(db, keys.imageHeal(key.cluster, imageName(key)), ImagePatchSchema, from, to, patch);
