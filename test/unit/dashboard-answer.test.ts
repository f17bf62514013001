import { describe, expect, it } from 'vitest';
import { encodeCursor } from '../../lib/dashboard/decisions/history-query.ts';
import type { DashboardDeps } from '../../lib/dashboard/ports.ts';
import { signSession } from '../../lib/dashboard/session.ts';
import { answerDashboard, type DashboardAnswer } from '../../lib/dashboard/use-cases/answer.ts';
import { SIGNED_IN_LOCATION } from '../../lib/dashboard/use-cases/sign-in.ts';
import { InvalidInputError } from '../../lib/errors.ts';
import type { HistoryPageQuery } from '../../lib/store/history-page.ts';
import { functions } from '../../lib/topology.ts';
import { dashboardReads } from '../support/dashboard-reads.ts';

const key = new TextEncoder().encode('s'.repeat(32));
const now = new Date('2026-12-04T10:00:00Z');
const TICKET = 'T'.repeat(43);

/** The ports with what a case needs: one good ticket, an empty fleet, the history queries remembered. */
const world = () => {
  const asked: HistoryPageQuery[] = [];
  let unused = true;
  const deps: DashboardDeps = {
    reads: dashboardReads({
      history: async (q) => {
        asked.push(q);
        return { entries: [], next: { app: 'web', sk: 'k' } };
      },
    }),
    redeem: async (t) => {
      if (t !== TICKET || !unused) return undefined;
      unused = false;
      return { principal: 'cli:alice', name: '<b>alice</b>' };
    },
    peek: async (t) => (t === TICKET && unused ? { principal: 'cli:alice', name: '<b>alice</b>' } : undefined),
    sessionKey: key,
    now: () => now,
    slack: async () => undefined,
    asset: (file) =>
      file === 'dashboard.css' ? { contentType: 'text/css; charset=utf-8', body: 'main {}' } : undefined,
  };
  return { deps, asked };
};
const OWN = 'https://capstan.example';
const ask = (
  routeKey: string,
  o: { query?: string; cookies?: string[]; secure?: boolean; body?: string; origin?: string } = {},
) => ({
  routeKey,
  rawQueryString: o.query ?? '',
  ...(o.cookies ? { cookies: o.cookies } : {}),
  secure: o.secure ?? true,
  ...(o.body !== undefined ? { body: o.body } : {}),
  ...(o.origin ? { origin: o.origin } : {}),
  ownOrigin: OWN,
});
/** A form post to /signin, from `origin` (null: a request without an Origin header). */
const post = (body: string, origin: string | null = OWN, secure = true) =>
  ask('POST /signin', { body, ...(origin ? { origin } : {}), secure });
const signedIn = async () => [`capstan_session=${await signSession(key, { principal: 'cli:alice' }, now)}`];

describe('the dashboard answers', () => {
  it('serves exactly the routes the topology gives it', async () => {
    // Every route the topology serves has its answer (a signed-in request is never "no route"), and no other.
    const cookies = await signedIn();
    const noRoute = (a: DashboardAnswer) =>
      String(a.body?.reason ?? '').startsWith('no route') || (a.html ?? '').includes('Nothing is at');
    for (const { method, path } of functions.dashboard.routes) {
      const answer = await answerDashboard(ask(`${method} ${path}`, { query: 'app=web', cookies }), world().deps);
      expect(noRoute(answer), `${method} ${path}`).toBe(false);
    }
    for (const route of ['GET /api/nodes', 'GET /nodes']) {
      const unknown = await answerDashboard(ask(route, { cookies }), world().deps);
      expect(unknown.status).toBe(404);
      expect(noRoute(unknown), route).toBe(true);
    }
  });

  it('the link opens a page naming who it signs in, spending nothing; its button signs in once', async () => {
    const { deps } = world();
    for (let i = 0; i < 2; i++) {
      const page = await answerDashboard(ask('GET /signin', { query: `ticket=${TICKET}` }), deps);
      expect(page.status).toBe(200);
      expect(page.html).toContain(`<input type="hidden" name="ticket" value="${TICKET}">`);
      expect(page.html).toContain('<strong>&lt;b&gt;alice&lt;/b&gt;</strong> (cli:alice)');
      expect(page.html).not.toContain('<script');
      expect(page.cookies).toBeUndefined();
    }
    const first = await answerDashboard(post(`ticket=${TICKET}`), deps);
    expect(first).toMatchObject({ status: 303, location: SIGNED_IN_LOCATION });
    expect(first.cookies?.[0]).toMatch(
      /^capstan_session=[\w-]+\.[\w-]+\.[\w-]+; HttpOnly; SameSite=Strict; Path=\/; Max-Age=43200; Secure$/,
    );
    const again = await answerDashboard(post(`ticket=${TICKET}`), deps);
    expect(again.status).toBe(401);
    expect(again.cookies).toBeUndefined();
    expect((await answerDashboard(ask('GET /signin', { query: `ticket=${TICKET}` }), deps)).status).toBe(401);
  });

  it("refuses a post from another site's page, or without an Origin, and spends nothing", async () => {
    const { deps } = world();
    for (const origin of ['https://evil.example', 'http://capstan.example', 'null', null]) {
      const answer = await answerDashboard(post(`ticket=${TICKET}`, origin), deps);
      expect(answer, String(origin)).toMatchObject({ status: 403, body: { error: 'cross-origin' } });
    }
    expect((await answerDashboard(post(`ticket=${TICKET}`), deps)).status).toBe(303);
  });

  it.each([
    '',
    'ticket=',
    `ticket=${TICKET}&ticket=${TICKET}`,
    'ticket=wrong',
    'constructor=1',
    '__proto__=1&toString=2',
  ])('refuses sign-in with %j', async (query) => {
    const { deps } = world();
    expect((await answerDashboard(ask('GET /signin', { query }), deps)).status).toBe(401);
    expect((await answerDashboard(post(query), deps)).status).toBe(401);
  });

  it('on loopback http the cookie is not Secure (browsers would drop it there)', async () => {
    const answer = await answerDashboard(post(`ticket=${TICKET}`, OWN, false), world().deps);
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
    const filters = {
      app: 'web',
      env: 'production',
      action: 'scale',
      outcome: 'refused',
      since: '2026-12-01T00:00:00.000Z',
    };
    const cursor = encodeCursor({ app: 'web', sk: '2026-12-02T00:00:00.000Z#prev' }, filters);
    const query = `app=web&env=production&action=scale&outcome=refused&since=2026-12-01&limit=20&cursor=${cursor}`;
    const answer = await answerDashboard(ask('GET /api/history', { query, cookies: await signedIn() }), deps);
    expect(answer).toEqual({
      status: 200,
      body: { entries: [], next: encodeCursor({ app: 'web', sk: 'k' }, filters) },
    });
    expect(asked).toEqual([
      {
        app: 'web',
        environment: 'production',
        action: 'scale',
        outcome: 'refused',
        since: '2026-12-01T00:00:00.000Z',
        limit: 20,
        after: { app: 'web', sk: '2026-12-02T00:00:00.000Z#prev' },
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

  it('a cursor the table will not start from is a 400, not a 503', async () => {
    const { deps } = world();
    const refusing = {
      ...deps,
      reads: {
        ...deps.reads,
        history: async () => {
          throw new InvalidInputError('cannot read the history', ['cursor: not a position this query can start from']);
        },
      },
    };
    const answer = await answerDashboard(
      ask('GET /api/history', { query: 'app=web', cookies: await signedIn() }),
      refusing,
    );
    expect(answer).toEqual({
      status: 400,
      body: { error: 'invalid-query', issues: ['cursor: not a position this query can start from'] },
    });
  });

  it("signs out by expiring the cookie, only from capstan's own pages", async () => {
    const answer = await answerDashboard(ask('POST /signout', { origin: OWN }), world().deps);
    expect(answer).toMatchObject({ status: 200, cookies: [expect.stringContaining('Max-Age=0')] });
    for (const origin of ['https://evil.example', undefined]) {
      const refused = await answerDashboard(ask('POST /signout', origin ? { origin } : {}), world().deps);
      expect(refused).toMatchObject({ status: 403, body: { error: 'cross-origin' } });
      expect(refused.cookies).toBeUndefined();
    }
  });
});
