import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { type Outcome, OutcomeSchema } from '../outcomes.ts';
import { ReasonCodeSchema } from '../reasons.ts';
import { type Db, parseItem, queryAll } from './db.ts';
import { keys } from './keys.ts';
import { receivedAt } from './receipts.ts';

export { type Outcome, OutcomeSchema } from '../outcomes.ts';

const HistoryFieldsSchema = z.object({
  app: z.string(),
  environment: z.string().optional(),
  cluster: z.string().optional(),
  /** The node a healing step is about (lib/heal); its event names the node, so the key needs no part of it. */
  node: z.string().optional(),
  /** The RBD image (`pool/image`) a step of freeing it is about (issue 11). */
  image: z.string().optional(),
  /** The workload (`namespace/Kind/name`) a scaling step is about (issue 12). */
  workload: z.string().optional(),
  /** The container a step is about (a push of the repository one container runs). */
  container: z.string().optional(),
  revision: z.int().optional(),
  eventId: z.string(),
  eventType: z.string(),
  /** What was attempted, e.g. `release`, `apply`, `rollout`, `receive`. */
  action: z.string(),
  outcome: OutcomeSchema,
  /** Why it was refused, skipped or failed: a stable code (lib/reasons.ts) next to the words. */
  code: ReasonCodeSchema.optional(),
  reason: z.string().optional(),
  /** The causing event's own time, as its producer says: kept, never trusted for order (clocks drift, deliveries lag). */
  eventTime: z.iso.datetime({ offset: true }),
  /** When capstan first received the causing event (lib/store/receipts.ts): the history's order. */
  receivedAt: z.iso.datetime({ offset: true }),
  /** When capstan took this step. */
  recordedAt: z.iso.datetime(),
  details: z.record(z.string(), z.unknown()).optional(),
  /** Who asked for the release (or request) the step is part of, for people: `requesterText` (events/requester.ts). */
  by: z.string().optional(),
});

/** Outcomes that say why in a code: every refusal, skip and failure. */
export const EXPLAINED_OUTCOMES: readonly Outcome[] = ['refused', 'skipped', 'failed', 'superseded'];

/**
 * Items written by earlier versions: `at` was the event's time (and their order), a refusal was
 * `rejected`, and no reason carried a code (read as `unknown`).
 */
const upgradeLegacy = (raw: unknown): unknown => {
  if (!raw || typeof raw !== 'object') return raw;
  const { at, ...item } = raw as Record<string, unknown>;
  if (at !== undefined) Object.assign(item, { eventTime: at, receivedAt: at, ...item });
  if (item.outcome === 'rejected') item.outcome = 'refused';
  if (item.code === undefined && EXPLAINED_OUTCOMES.includes(item.outcome as Outcome)) item.code = 'unknown';
  return item;
};

export const HistoryEntrySchema = z.preprocess(upgradeLegacy, HistoryFieldsSchema);
export type HistoryEntry = z.infer<typeof HistoryFieldsSchema>;
/** What a step records; when capstan received the event is looked up from its receipt unless given. */
export type NewHistoryEntry = Omit<HistoryEntry, 'receivedAt'> & { readonly receivedAt?: string };

/**
 * When capstan received the event, the event, then everything that tells one step of it from another:
 * what it is about (environment, revision, cluster, container), the step, and how it ended.
 */
export const historySortKey = (
  e: Pick<
    HistoryEntry,
    'receivedAt' | 'eventId' | 'action' | 'environment' | 'revision' | 'cluster' | 'container' | 'outcome'
  >,
) =>
  [
    new Date(e.receivedAt).toISOString(),
    e.eventId,
    e.action,
    e.environment ?? '-',
    e.revision ?? '-',
    e.cluster ?? '-',
    e.container ?? '-',
    e.outcome,
  ].join('#');

/**
 * Appends to the history. The key is when capstan received the event, then the event, the step and its
 * outcome (lib/store/keys.ts): a redelivery that ends the same way overwrites its twin instead of adding a
 * duplicate, while a retry that ends differently (failed, then created; created, then unchanged) adds its
 * own entry, so no outcome is ever lost.
 */
export const recordHistory = async (db: Db, step: NewHistoryEntry): Promise<void> => {
  const entry: HistoryEntry = {
    ...step,
    receivedAt: step.receivedAt ?? (await receivedAt(db, step.eventId, new Date(step.recordedAt))),
  };
  const SK = historySortKey(entry);
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

/** Newest first: by when capstan received the event, then by when it took each of the event's steps. */
export const newestFirst = (a: HistoryEntry, b: HistoryEntry) =>
  Date.parse(b.receivedAt) - Date.parse(a.receivedAt) || Date.parse(b.recordedAt) - Date.parse(a.recordedAt);

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
    )
    .sort(newestFirst);
};
