import { describe, expect, it } from 'vitest';
import { DEFAULT_PAGE, encodeCursor, parseHistoryParams } from '../../lib/dashboard/decisions/history-query.ts';

const cursor = encodeCursor(
  { app: 'checkout', sk: '2026-12-04T10:00:00.000Z#evt-1#apply#production#3#eu-1#-#configured' },
  { app: 'checkout', env: 'production' },
);

describe('GET /api/history query parameters', () => {
  it.each([
    [{ app: 'checkout' }, { app: 'checkout', limit: DEFAULT_PAGE }],
    [
      { cluster: 'eu-1', limit: '10' },
      { cluster: 'eu-1', limit: 10 },
    ],
    [
      { app: '_nodes', cluster: 'eu-1' },
      { app: '_nodes', cluster: 'eu-1' },
    ],
    [{ app: 'checkout', action: 'scale' }, { action: 'scale' }],
    [{ app: 'checkout', action: 'scale.' }, { action: 'scale' }],
    [
      { app: 'checkout', action: 'scale.raise', outcome: 'refused' },
      { action: 'scale.raise', outcome: 'refused' },
    ],
    [{ app: 'checkout', since: '2026-12-01' }, { since: '2026-12-01T00:00:00.000Z' }],
    [{ app: 'checkout', until: '2026-12-01' }, { until: '2026-12-01T23:59:59.999Z' }],
    [{ app: 'checkout', since: '2026-12-01', until: '2026-12-01' }, { since: '2026-12-01T00:00:00.000Z' }],
    [{ app: 'checkout', until: '2026-12-01T12:00:00+02:00' }, { until: '2026-12-01T10:00:00.000Z' }],
    [
      { app: 'checkout', env: 'production', cursor },
      { env: 'production', cursor: { app: 'checkout' } },
    ],
    [{ app: 'checkout', env: '' }, { app: 'checkout' }],
  ])('%j is %j', (params, filter) => {
    const parsed = parseHistoryParams(params);
    expect(parsed).toMatchObject({ ok: true, filter });
  });

  it.each([
    [{}, 'app: give an app or a cluster'],
    [{ env: 'production' }, 'app: give an app or a cluster'],
    [{ app: 'Checkout!' }, 'app:'],
    [{ app: 'checkout', limit: '0' }, 'limit:'],
    [{ app: 'checkout', limit: '201' }, 'limit:'],
    [{ app: 'checkout', limit: 'ten' }, 'limit:'],
    [{ app: 'checkout', outcome: 'won' }, 'outcome:'],
    [{ app: 'checkout', action: 'scale raise' }, 'action: must be an action'],
    [{ app: 'checkout', action: '#action = :x' }, 'action: must be an action'],
    [{ app: 'checkout', since: 'yesterday' }, 'since:'],
    [{ app: 'checkout', since: '2026-12-02', until: '2026-12-01' }, 'since: since is after until'],
    [{ app: 'checkout', cursor: 'not-a-cursor' }, 'cursor: is not a cursor this history gave out'],
    [{ app: 'checkout', cursor: Buffer.from('{"app":"x","sk":""}').toString('base64url') }, 'cursor:'],
    [{ app: 'checkout', cursor: Buffer.from('{"app":"x","sk":"a","PK":"ACCESS"}').toString('base64url') }, 'cursor:'],
    [{ app: 'checkout', page: '2' }, 'Unrecognized key'],
    [{ app: ['checkout', 'api'] }, 'app: given more than once'],
  ])('%j is refused: %s', (params, issue) => {
    const parsed = parseHistoryParams(params);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? [] : parsed.issues.join('; ')).toContain(issue);
  });

  it('gives back the cursor it gave out, for its own query only', () => {
    const position = { app: '_nodes', sk: '2026-12-04T10:00:00.000Z#e#heal.fence#-#-#eu-1#-#configured' };
    const parsed = parseHistoryParams({ cluster: 'eu-1', cursor: encodeCursor(position, { cluster: 'eu-1' }) });
    expect(parsed.ok && parsed.filter.cursor).toEqual(position);
    const other = parseHistoryParams({ cluster: 'eu-2', cursor: encodeCursor(position, { cluster: 'eu-1' }) });
    expect(other).toEqual({ ok: false, issues: ['cursor: is a page of another query: start again without it'] });
  });

  it('refuses a cursor outside the time range, or with a key DynamoDB would refuse', () => {
    const q = { cluster: 'eu-1', since: '2026-12-05T00:00:00.000Z' };
    const early = encodeCursor({ app: 'web', sk: '2026-12-04T10:00:00.000Z#e' }, q);
    expect(parseHistoryParams({ ...q, cursor: early })).toEqual({
      ok: false,
      issues: ['cursor: lies outside since..until'],
    });
    const long = encodeCursor({ app: 'web', sk: 'é'.repeat(600) }, { cluster: 'eu-1' });
    expect(parseHistoryParams({ cluster: 'eu-1', cursor: long }).ok).toBe(false);
  });
});
