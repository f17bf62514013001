import { describe, expect, it } from 'vitest';
import { encodeCursor } from '../../lib/dashboard/decisions/history-query.ts';
import type { DashboardDeps } from '../../lib/dashboard/ports.ts';
import { signSession } from '../../lib/dashboard/session.ts';
import { answerDashboard, DASHBOARD_ROUTES, SIGNED_IN_LOCATION } from '../../lib/dashboard/use-cases/answer.ts';
import type { HistoryPageQuery } from '../../lib/store/history-page.ts';
import { functions } from '../../lib/topology.ts';

const key = new TextEncoder().encode('s'.repeat(32));
const now = new Date('2026-12-04T10:00:00Z');
const TICKET = 'T'.repeat(43);

/** The ports with what a case needs: one good ticket, an empty fleet, the history queries remembered. */
const world = () => {
  const asked: HistoryPageQuery[] = [];
  let unused = true;
  const deps: DashboardDeps = {
    reads: {
      apps: async () => [],
      clusters: async () => [],
      environmentNames: async () => [],
      policy: async (name) => ({ name, protected: false, configured: false }),
      releases: async () => [],
      history: async (q) => {
        asked.push(q);
        return { entries: [], next: { app: 'web', sk: 'k' } };
      },
    },
    redeem: async (t) => {
      if (t !== TICKET || !unused) return undefined;
      unused = false;
      return { principal: 'cli:alice', name: 'alice' };
    },
    sessionKey: key,
    now: () => now,
  };
  return { deps, asked };
};
const ask = (routeKey: string, o: { query?: string; cookies?: string[]; secure?: boolean } = {}) => ({
  routeKey,
  rawQueryString: o.query ?? '',
  ...(o.cookies ? { cookies: o.cookies } : {}),
  secure: o.secure ?? true,
});
const signedIn = async () => [`capstan_session=${await signSession(key, { principal: 'cli:alice' }, now)}`];

describe('the dashboard answers', () => {
  it('serves exactly the routes the topology gives it', () => {
    expect(DASHBOARD_ROUTES).toEqual(functions.dashboard.routes);
  });

  it('signs in once with a ticket: a session cookie and a redirect; the second use is refused', async () => {
    const { deps } = world();
    const first = await answerDashboard(ask('GET /signin', { query: `ticket=${TICKET}` }), deps);
    expect(first).toMatchObject({ status: 303, location: SIGNED_IN_LOCATION });
    expect(first.cookies?.[0]).toMatch(
      /^capstan_session=[\w-]+\.[\w-]+\.[\w-]+; HttpOnly; SameSite=Strict; Path=\/; Max-Age=43200; Secure$/,
    );
    const again = await answerDashboard(ask('GET /signin', { query: `ticket=${TICKET}` }), deps);
    expect(again).toMatchObject({ status: 401, body: { error: 'sign-in-refused' } });
    expect(again.cookies).toBeUndefined();
  });

  it.each([
    '',
    'ticket=',
    `ticket=${TICKET}&ticket=${TICKET}`,
    'ticket=wrong',
    'constructor=1',
    '__proto__=1&toString=2',
  ])('refuses sign-in with %j', async (query) => {
    expect((await answerDashboard(ask('GET /signin', { query }), world().deps)).status).toBe(401);
  });

  it('on loopback http the cookie is not Secure (browsers would drop it there)', async () => {
    const answer = await answerDashboard(
      ask('GET /signin', { query: `ticket=${TICKET}`, secure: false }),
      world().deps,
    );
    expect(answer.cookies?.[0]).not.toContain('Secure');
  });

  it.each(['GET /api/session', 'GET /api/fleet', 'GET /api/history'])(
    '%s: 401 and no data without a valid session',
    async (route) => {
      const { deps, asked } = world();
      for (const cookies of [undefined, ['capstan_session=forged.token.here'], ['theme=dark']]) {
        const answer = await answerDashboard(ask(route, { query: 'app=web', ...(cookies ? { cookies } : {}) }), deps);
        expect(answer).toEqual({ status: 401, body: expect.objectContaining({ error: 'unauthenticated' }) });
      }
      const other = await signSession(new TextEncoder().encode('x'.repeat(32)), { principal: 'cli:mallory' }, now);
      expect((await answerDashboard(ask(route, { cookies: [`capstan_session=${other}`] }), deps)).status).toBe(401);
      expect(asked).toEqual([]);
    },
  );

  it('answers a session with who it is', async () => {
    const answer = await answerDashboard(ask('GET /api/session', { cookies: await signedIn() }), world().deps);
    expect(answer).toEqual({ status: 200, body: { principal: 'cli:alice', expiresAt: '2026-12-04T22:00:00.000Z' } });
  });

  it('the history: filters as the query gives them, the next page as a cursor; a bad query is a 400 naming each issue', async () => {
    const { deps, asked } = world();
    const cursor = encodeCursor({ app: 'web', sk: 'prev' });
    const query = `app=web&env=production&action=scale&outcome=refused&since=2026-12-01&limit=20&cursor=${cursor}`;
    const answer = await answerDashboard(ask('GET /api/history', { query, cookies: await signedIn() }), deps);
    expect(answer).toEqual({ status: 200, body: { entries: [], next: encodeCursor({ app: 'web', sk: 'k' }) } });
    expect(asked).toEqual([
      {
        app: 'web',
        environment: 'production',
        action: 'scale',
        outcome: 'refused',
        since: '2026-12-01T00:00:00.000Z',
        limit: 20,
        after: { app: 'web', sk: 'prev' },
      },
    ]);
    const bad = await answerDashboard(
      ask('GET /api/history', { query: 'env=a&env=b&limit=0', cookies: await signedIn() }),
      deps,
    );
    expect(bad).toMatchObject({ status: 400, body: { error: 'invalid-query', issues: ['env: given more than once'] } });
    expect(asked).toHaveLength(1);
    for (const query of ['app=web&constructor=1', 'app=web&hasOwnProperty=1', '__proto__=x&app=web']) {
      const odd = await answerDashboard(ask('GET /api/history', { query, cookies: await signedIn() }), deps);
      expect(odd.status, query).toBe(400);
    }
  });

  it('signs out by expiring the cookie', async () => {
    const answer = await answerDashboard(ask('POST /signout'), world().deps);
    expect(answer).toMatchObject({ status: 200, cookies: [expect.stringContaining('Max-Age=0')] });
  });
});
