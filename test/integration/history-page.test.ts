import { beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor, parseHistoryParams } from '../../lib/dashboard/decisions/history-query.ts';
import type { Db } from '../../lib/store/db.ts';
import { type HistoryEntry, type NewHistoryEntry, recordHistory } from '../../lib/store/history.ts';
import { type HistoryPageQuery, historyPage } from '../../lib/store/history-page.ts';
import { awsClients, freshDb } from '../support/aws.ts';

// The dashboard's history (issue 14) against the real DynamoDB Local: key conditions, filters, the GSI and
// ExclusiveStartKey are what is tested, so nothing here is a double.
let db: Db;
const T0 = Date.parse('2026-12-04T10:00:00.000Z');
const at = (minute: number) => new Date(T0 + minute * 60_000).toISOString();

/** 40 steps a minute apart: two apps, two clusters, releases and scaling, now and then refused. */
const steps: NewHistoryEntry[] = Array.from({ length: 40 }, (_, i) => ({
  app: i % 4 === 3 ? 'cart' : 'checkout',
  environment: i % 2 ? 'production' : 'staging',
  cluster: i % 3 ? 'eu-1' : 'us-1',
  eventId: `evt-${String(i).padStart(2, '0')}`,
  eventType: 'deploy.requested',
  eventTime: at(i),
  receivedAt: at(i),
  recordedAt: at(i),
  action: i % 5 === 0 ? 'scale.raise' : i % 5 === 1 ? 'scale.revert' : 'apply',
  outcome: i % 7 === 0 ? 'refused' : 'configured',
  ...(i % 7 === 0 ? { code: 'quota' as const, reason: 'no room' } : {}),
}));

beforeAll(async () => {
  db = await freshDb(awsClients().ddb);
  for (const step of steps) await recordHistory(db, step);
});

/** Every page of a query, followed by its cursors as the API hands them out. */
const allPages = async (q: Omit<HistoryPageQuery, 'after'>, readBudget?: number) => {
  const pages: HistoryEntry[][] = [];
  let after: HistoryPageQuery['after'];
  do {
    const page = await historyPage(db, { ...q, ...(after ? { after } : {}) }, readBudget ? { readBudget } : {});
    pages.push(page.entries);
    // Through the wire format: the cursor the API gives out, parsed back with the same query's filters.
    const filters = {
      app: q.app,
      cluster: q.cluster,
      env: q.environment,
      action: q.action,
      outcome: q.outcome,
      since: q.since,
      until: q.until,
    };
    const params = Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined)) as Record<
      string,
      string
    >;
    const parsed = page.next ? parseHistoryParams({ ...params, cursor: encodeCursor(page.next, filters) }) : undefined;
    if (parsed && !parsed.ok) throw new Error(parsed.issues.join('; '));
    after = parsed?.ok ? parsed.filter.cursor : undefined;
  } while (after && pages.length < 100);
  return pages;
};

const ids = (entries: HistoryEntry[]) => entries.map((e) => e.eventId);
const expected = (keep: (s: NewHistoryEntry) => boolean) => ids(steps.filter(keep).reverse() as HistoryEntry[]);

describe('history pages', () => {
  it('pages through an app newest first, every entry once', async () => {
    const pages = await allPages({ app: 'checkout', limit: 7 });
    expect(pages.slice(0, -1).every((p) => p.length === 7)).toBe(true);
    expect(ids(pages.flat())).toEqual(expected((s) => s.app === 'checkout'));
  });

  it('filters by environment, cluster, outcome and action family, in the query', async () => {
    const q = { app: 'checkout', environment: 'production', cluster: 'eu-1', action: 'scale', limit: 3 };
    expect(ids((await allPages(q)).flat())).toEqual(
      expected(
        (s) =>
          s.app === 'checkout' &&
          s.environment === 'production' &&
          s.cluster === 'eu-1' &&
          s.action.startsWith('scale.'),
      ),
    );
    const refused = (await allPages({ app: 'checkout', outcome: 'refused', limit: 50 })).flat();
    expect(ids(refused)).toEqual(expected((s) => s.app === 'checkout' && s.outcome === 'refused'));
    expect(refused[0]).toMatchObject({ code: 'quota', reason: 'no room' });
    // An action is matched whole or as a family: `scale.r` is neither.
    expect((await historyPage(db, { app: 'checkout', action: 'scale.r', limit: 50 })).entries).toEqual([]);
  });

  it('reads a cluster across apps through the index, and a time range from the key', async () => {
    const q = { cluster: 'us-1', since: at(10), until: at(30), limit: 4 };
    expect(ids((await allPages(q)).flat())).toEqual(
      expected((s) => s.cluster === 'us-1' && s.eventTime >= at(10) && s.eventTime <= at(30)),
    );
    const bounds = await historyPage(db, { app: 'checkout', since: at(12), until: at(12), limit: 5 });
    expect(ids(bounds.entries)).toEqual(['evt-12']);
    expect(bounds.next).toBeUndefined();
  });

  it('a filter matching little stops at the read budget and says where to go on', async () => {
    const first = await historyPage(db, { app: 'checkout', outcome: 'refused', limit: 50 }, { readBudget: 10 });
    expect(first.entries.length).toBeLessThan(expected((s) => s.app === 'checkout' && s.outcome === 'refused').length);
    expect(first.next).toBeDefined();
    const pages = await allPages({ app: 'checkout', outcome: 'refused', limit: 50 }, 10);
    expect(ids(pages.flat())).toEqual(expected((s) => s.app === 'checkout' && s.outcome === 'refused'));
  });

  it('an app with no history is an empty last page', async () => {
    expect(await historyPage(db, { app: 'ghost', limit: 10 })).toEqual({ entries: [] });
  });
});
