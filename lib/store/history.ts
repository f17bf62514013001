import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { type Db, parseItem, queryAll } from './db.ts';
import { keys } from './keys.ts';

export const OutcomeSchema = z.enum([
  'accepted',
  'pending',
  'created',
  'configured',
  'unchanged',
  'skipped',
  'progressing',
  'succeeded',
  'failed',
  'rejected',
  'superseded',
]);
export type Outcome = z.infer<typeof OutcomeSchema>;

export const HistoryEntrySchema = z.object({
  app: z.string(),
  environment: z.string().optional(),
  cluster: z.string().optional(),
  revision: z.int().optional(),
  eventId: z.string(),
  eventType: z.string(),
  /** What was attempted, e.g. `release`, `apply`, `rollout`, `receive`. */
  action: z.string(),
  outcome: OutcomeSchema,
  reason: z.string().optional(),
  /** When it happened: the causing event's time, so a redelivery rewrites the same entry. */
  at: z.iso.datetime({ offset: true }),
  recordedAt: z.iso.datetime(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>;

const sortKey = (e: Pick<HistoryEntry, 'at' | 'eventId' | 'action' | 'cluster' | 'outcome'>) =>
  `${new Date(e.at).toISOString()}#${e.eventId}#${e.action}#${e.cluster ?? '-'}#${e.outcome}`;

/**
 * Appends to the history. The key is derived from the event, the step and its outcome: a redelivery that
 * ends the same way overwrites its twin instead of adding a duplicate, while a retry that ends differently
 * (failed, then created; created, then unchanged) adds its own entry, so no outcome is ever lost.
 */
export const recordHistory = async (db: Db, entry: HistoryEntry): Promise<void> => {
  const SK = sortKey(entry);
  await db.doc.send(
    new PutCommand({
      TableName: db.table,
      Item: {
        ...keys.appHistory(entry.app),
        SK,
        ...(entry.cluster ? { ...keys.clusterHistory(entry.cluster), GSI1SK: SK } : {}),
        ...entry,
      },
    }),
  );
};

const fromItem = (item: Record<string, unknown>) => parseItem(HistoryEntrySchema, item);

export interface HistoryQuery {
  app?: string;
  cluster?: string;
  environment?: string;
  limit?: number;
}

/** Newest first, by app or by cluster (at least one), optionally narrowed to an environment. */
export const queryHistory = async (db: Db, q: HistoryQuery): Promise<HistoryEntry[]> => {
  if (!q.app && !q.cluster) throw new Error('queryHistory needs an app or a cluster');
  const byApp = q.app !== undefined;
  const items = await queryAll(
    db,
    {
      ...(byApp ? {} : { IndexName: 'GSI1' }),
      KeyConditionExpression: byApp ? 'PK = :pk' : 'GSI1PK = :pk',
      ExpressionAttributeValues: {
        ':pk': byApp ? keys.appHistory(q.app as string).PK : keys.clusterHistory(q.cluster as string).GSI1PK,
      },
      ScanIndexForward: false,
    },
    q.limit ?? 100,
  );
  return items
    .map(fromItem)
    .filter(
      (e) =>
        (q.cluster === undefined || e.cluster === q.cluster) && (!q.environment || e.environment === q.environment),
    );
};
