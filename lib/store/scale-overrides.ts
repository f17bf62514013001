import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { NameSchema } from '../../events/envelope.ts';
import { WorkloadRefSchema } from '../../events/scale-check.ts';
import { ReasonCodeSchema } from '../reasons.ts';
import { conditionally, type Db, parseItem, queryAll } from './db.ts';
import { keys } from './keys.ts';
import { workloadLease, workloadName } from './workload-names.ts';

/**
 * capstan's override of one workload's ceiling on one cluster (issue 12): the HPA's `maxReplicas` raised
 * above the spec (or, with no HPA, the Deployment's replicas), until `endsAt`. One record per workload,
 * kept after the revert so the cooldown and `capstan scale` still see the last raise. Every write is
 * conditional on the `version` read, so two steps that raced (the lease makes that rare) never both win.
 */
const at = z.iso.datetime();

export const ScaleOverrideSchema = z.object({
  cluster: NameSchema,
  workload: WorkloadRefSchema,
  app: NameSchema,
  environment: NameSchema,
  /** The HPA that bounds the workload; absent when capstan scales the Deployment's replicas itself. */
  hpa: z.string().min(1).max(253).optional(),
  /** What a revert puts back: the spec's `max` when the override was made. */
  specMax: z.int().min(0),
  /** The ceiling in force while `state` is active. */
  max: z.int().min(0),
  state: z.enum(['active', 'reverted']),
  raisedAt: at,
  /** When it ends unless raised again (not `expiresAt`: that name is the table's TTL attribute). */
  endsAt: at,
  /** Who raised it: `alert:<alertname>`, `alarm:<AlarmName>` or `person:<name>`. */
  by: z.string().min(1).max(300),
  /** The event that made the last raise, and the one that put it back. */
  eventId: z.string().min(1),
  revertedAt: at.optional(),
  revertEventId: z.string().min(1).optional(),
  /** The last alert signal seen, and when: a held look acts only if it is still the latest word. */
  lastSignal: z.enum(['firing', 'resolved']).optional(),
  lastSignalAt: at.optional(),
  /** When the alert episode that made the last raise began: a resolve of an earlier episode is stale. */
  alertStartsAt: z.iso.datetime({ offset: true }).optional(),
  /** The last verdict's code and words (a hold, a refusal). */
  code: ReasonCodeSchema.optional(),
  reason: z.string().optional(),
  updatedAt: at,
  /** Bumped by every write; a write carries the version it read. */
  version: z.int().min(1),
});
export type ScaleOverride = z.infer<typeof ScaleOverrideSchema>;
export type WorkloadKey = Pick<ScaleOverride, 'cluster' | 'workload'>;

export { workloadLease, workloadName };

const fromItem = (item: Record<string, unknown>) => parseItem(ScaleOverrideSchema, item);

export const getScaleOverride = async (db: Db, key: WorkloadKey): Promise<ScaleOverride | undefined> => {
  const { Item } = await db.doc.send(
    new GetCommand({
      TableName: db.table,
      Key: keys.scaleOverride(key.cluster, workloadName(key)),
      ConsistentRead: true,
    }),
  );
  return Item ? fromItem(Item) : undefined;
};

/** Every override record of a cluster, active or reverted. Consistent. */
export const listScaleOverrides = async (db: Db, cluster: string): Promise<ScaleOverride[]> => {
  const items = await queryAll(db, {
    KeyConditionExpression: 'PK = :pk',
    ExpressionAttributeValues: { ':pk': keys.scaleOverrides(cluster).PK },
    ConsistentRead: true,
  });
  return items.map(fromItem);
};

/**
 * Writes the record as version `expected + 1` only if the stored one is still at `expected` (undefined: only
 * if there is none); says whether it did. The caller passes the record without its version.
 */
export const saveScaleOverride = async (
  db: Db,
  record: Omit<ScaleOverride, 'version'>,
  expected: number | undefined,
): Promise<boolean> => {
  const item = ScaleOverrideSchema.parse({ ...record, version: (expected ?? 0) + 1 });
  return conditionally(
    db.doc.send(
      new PutCommand({
        TableName: db.table,
        Item: { ...keys.scaleOverride(item.cluster, workloadName(item)), ...item },
        ...(expected === undefined
          ? { ConditionExpression: 'attribute_not_exists(PK)' }
          : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': expected } }),
      }),
    ),
  );
};
