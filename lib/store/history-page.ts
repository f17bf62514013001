import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { InvalidInputError } from '../errors.ts';
import type { Outcome } from '../outcomes.ts';
import { type Db, parseItem } from './db.ts';
import { type HistoryEntry, HistoryEntrySchema } from './history.ts';
import { keys } from './keys.ts';

/** Where a page stopped: the app of its last entry and that entry's sort key. */
export interface HistoryPosition {
  readonly app: string;
  readonly sk: string;
}

export interface HistoryPageQuery {
  /** By app, or by cluster (across apps, through GSI1); an app with a cluster narrows the app's. */
  readonly app?: string;
  readonly cluster?: string;
  readonly environment?: string;
  /** An action, or a family: `scale` is scale.raise, scale.hold, ... */
  readonly action?: string;
  readonly outcome?: Outcome;
  /** When capstan received the step's event, ISO 8601 UTC, both ends included. */
  readonly since?: string;
  readonly until?: string;
  readonly limit: number;
  readonly after?: HistoryPosition;
}

export interface HistoryPage {
  readonly entries: HistoryEntry[];
  /** Where the next page starts; absent on the last page. */
  readonly next?: HistoryPosition;
}

/**
 * Items one page may read past its filters before it answers with what it found and where to go on: a
 * filter that matches little never turns one request into a read of the whole history.
 */
export const READ_BUDGET = 2_000;
const APP_PREFIX = keys.appHistory('').PK;

/**
 * One page of the history, newest first in its key order (when capstan received each event), filtered in
 * the query so DynamoDB returns only matches. The time range is a key condition (the sort key starts with
 * the receipt time), so a range reads only its own items.
 */
export const historyPage = async (
  db: Db,
  q: HistoryPageQuery,
  { readBudget = READ_BUDGET }: { readBudget?: number } = {},
): Promise<HistoryPage> => {
  if (!q.app && !q.cluster) throw new Error('historyPage needs an app or a cluster');
  const byApp = q.app !== undefined;
  const [pk, sk] = byApp ? ['PK', 'SK'] : ['GSI1PK', 'GSI1SK'];
  const filters: string[] = [];
  const values: Record<string, unknown> = {
    ':pk': byApp ? keys.appHistory(q.app as string).PK : keys.clusterHistory(q.cluster as string).GSI1PK,
    // '~' sorts after every character of a sort key's rest, so `until` includes the steps of that instant.
    ':lo': q.since ?? '0',
    ':hi': `${q.until ?? '9'}~`,
  };
  const names: Record<string, string> = {};
  const equal = (field: string, value: string | undefined) => {
    if (value === undefined) return;
    names[`#${field}`] = field;
    values[`:${field}`] = value;
    filters.push(`#${field} = :${field}`);
  };
  if (byApp) equal('cluster', q.cluster);
  equal('environment', q.environment);
  equal('outcome', q.outcome);
  if (q.action) {
    names['#action'] = 'action';
    Object.assign(values, { ':action': q.action, ':family': `${q.action}.` });
    filters.push('(#action = :action OR begins_with(#action, :family))');
  }
  const input = {
    TableName: db.table,
    ...(byApp ? {} : { IndexName: 'GSI1' }),
    KeyConditionExpression: `${pk} = :pk AND ${sk} BETWEEN :lo AND :hi`,
    ...(filters.length ? { FilterExpression: filters.join(' AND '), ExpressionAttributeNames: names } : {}),
    ExpressionAttributeValues: values,
    ScanIndexForward: false,
  };
  const found: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined = q.after ? startKey(q, q.after) : undefined;
  let read = 0;
  do {
    const page = await db.doc
      .send(new QueryCommand({ ...input, Limit: Math.min(readBudget - read, 500), ExclusiveStartKey: start }))
      .catch((error: unknown) => {
        // A position DynamoDB will not start from is the caller's input, not capstan's failure.
        if (q.after && error instanceof Error && error.name === 'ValidationException') {
          throw new InvalidInputError('cannot read the history', ['cursor: not a position this query can start from']);
        }
        throw error;
      });
    read += page.ScannedCount ?? 0;
    found.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start && found.length <= q.limit && read < readBudget);
  const entries = found.slice(0, q.limit);
  const last = entries.at(-1);
  // More after this page: matches beyond it, or items not read yet.
  const next = found.length > q.limit && last ? positionOf(last) : start ? positionOf(start) : undefined;
  return { entries: entries.map((item) => parseItem(HistoryEntrySchema, item)), ...(next ? { next } : {}) };
};

const positionOf = (item: Record<string, unknown>): HistoryPosition => ({
  app: String(item.PK).slice(APP_PREFIX.length),
  sk: String(item.SK),
});

/** The key DynamoDB resumes after: the table's key, and the index's too when reading by cluster. */
const startKey = (q: HistoryPageQuery, at: HistoryPosition) => {
  const table = { ...keys.appHistory(q.app ?? at.app), SK: at.sk };
  return q.app !== undefined ? table : { ...table, ...keys.clusterHistory(q.cluster as string), GSI1SK: at.sk };
};
