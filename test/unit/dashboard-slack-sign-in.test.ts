import { describe, expect, it } from 'vitest';
import type { DashboardDeps, SlackSignIn } from '../../lib/dashboard/ports.ts';
import { sessionTokenOf, signSession, verifySession } from '../../lib/dashboard/session.ts';
import { flowTokenOf, signFlow, verifyFlow } from '../../lib/dashboard/sign-in-flow.ts';
import { answerDashboard } from '../../lib/dashboard/use-cases/answer.ts';
import { dashboardReads } from '../support/dashboard-reads.ts';

const key = new TextEncoder().encode('f'.repeat(32));
const now = new Date('2026-12-04T10:00:00Z');
const OWN = 'https://capstan.example';

/** Slack's side as the port gives it: whoever the last authorize URL's nonce was issued for signs in. */
const slackPort = (o: { team?: string; refuse?: boolean } = {}) => {
  const asked: { code: string; redirectUri: string; nonce: string }[] = [];
  const port: SlackSignIn = {
    authorizeUrl: ({ state, nonce, redirectUri }) =>
      `https://slack.com/openid/connect/authorize?${new URLSearchParams({ state, nonce, redirect_uri: redirectUri })}`,
    identify: async (q) => {
      asked.push(q);
      return o.refuse ? undefined : { team: o.team ?? 'T1', user: 'U1', name: '<b>Alice</b>' };
    },
  };
  return { port, asked };
};

const deps = (slack?: SlackSignIn, at = now): DashboardDeps => ({
  reads: dashboardReads({ workspaceAllowed: async (_chat, team) => team === 'T1' }),
  redeem: async () => undefined,
  peek: async () => undefined,
  sessionKey: key,
  now: () => at,
  asset: () => undefined,
  slack: async () => slack,
});
const ask = (routeKey: string, o: { query?: string; cookies?: string[] } = {}) => ({
  routeKey,
  rawQueryString: o.query ?? '',
  ...(o.cookies ? { cookies: o.cookies } : {}),
  secure: true,
  ownOrigin: OWN,
});

/** Starts a flow: the flow cookie and the state and nonce sent to Slack. */
const started = async (slack: SlackSignIn) => {
  const answer = await answerDashboard(ask('GET /signin/slack'), deps(slack));
  const to = new URL(answer.location as string);
  const cookie = (answer.cookies?.[0] ?? '').split(';')[0] as string;
  return {
    answer,
    cookie,
    state: to.searchParams.get('state') as string,
    nonce: to.searchParams.get('nonce') as string,
  };
};
const back = (state: string, extra = 'code=c0de') => `${extra}&state=${encodeURIComponent(state)}`;

describe('Sign in with Slack', () => {
  it('not set up: both routes say so (404), nothing else happens', async () => {
    for (const route of ['GET /signin/slack', 'GET /signin/slack/callback']) {
      const answer = await answerDashboard(ask(route, { query: 'code=x&state=y' }), deps());
      expect(answer.status).toBe(404);
      expect(answer.html).toContain('not set up');
      expect(answer.cookies).toBeUndefined();
    }
  });

  it('starts: to Slack with a fresh state and nonce, kept in an HttpOnly Lax cookie for the callback only', async () => {
    const { port } = slackPort();
    const one = await started(port);
    const two = await started(port);
    expect(one.answer.status).toBe(302);
    expect(new URL(one.answer.location as string).searchParams.get('redirect_uri')).toBe(
      `${OWN}/signin/slack/callback`,
    );
    expect(one.answer.cookies?.[0]).toMatch(
      /^capstan_signin=[^;]+; HttpOnly; SameSite=Lax; Path=\/signin\/slack; Max-Age=600; Secure$/,
    );
    expect(one.state).toMatch(/^[\w-]{43}$/);
    expect(one.state).not.toBe(two.state);
    expect(one.nonce).not.toBe(one.state);
    expect(await verifyFlow(key, flowTokenOf([one.cookie]) as string, now)).toEqual({
      state: one.state,
      nonce: one.nonce,
    });
  });

  it('finishes: the code and the flow’s nonce to Slack, a session as slack:<team>/<user>, a page that moves on', async () => {
    const { port, asked } = slackPort();
    const { cookie, state, nonce } = await started(port);
    const answer = await answerDashboard(
      ask('GET /signin/slack/callback', { query: back(state), cookies: [cookie] }),
      deps(port),
    );
    expect(asked).toEqual([{ code: 'c0de', redirectUri: `${OWN}/signin/slack/callback`, nonce }]);
    expect(answer.status).toBe(200);
    expect(answer.html).toContain('<meta http-equiv="refresh" content="0; url=/">');
    expect(answer.html).toContain('&lt;b&gt;Alice&lt;/b&gt;');
    const [session, spent] = answer.cookies ?? [];
    expect(spent).toMatch(/^capstan_signin=; .*Max-Age=0/);
    const token = sessionTokenOf([(session ?? '').split(';')[0] as string]) as string;
    expect(await verifySession(key, token, now)).toMatchObject({ principal: 'slack:T1/U1', name: '<b>Alice</b>' });
  });

  it.each([
    ['no flow cookie (another browser: a forged login)', async (state: string) => ({ query: back(state) })],
    ['another state', async (_: string, cookie: string) => ({ query: back('B'.repeat(43)), cookies: [cookie] })],
    ['no state', async (_: string, cookie: string) => ({ query: 'code=c0de', cookies: [cookie] })],
    [
      'the state twice',
      async (state: string, cookie: string) => ({ query: `${back(state)}&state=${state}`, cookies: [cookie] }),
    ],
    [
      'a session token as the flow',
      async (state: string) => ({
        query: back(state),
        cookies: [`capstan_signin=${await signSession(key, { principal: 'cli:x' }, now)}`],
      }),
    ],
  ])('refuses %s: 401, Slack never asked, the flow left alone', async (_, request) => {
    const { port, asked } = slackPort();
    const { cookie, state } = await started(port);
    const answer = await answerDashboard(ask('GET /signin/slack/callback', await request(state, cookie)), deps(port));
    expect(answer.status).toBe(401);
    expect(asked).toEqual([]);
    // No cookie at all: neither a session, nor the flow cleared (another site's link cannot cancel a sign-in).
    expect(answer.cookies).toBeUndefined();
  });

  it('refuses a flow older than ten minutes', async () => {
    const { port, asked } = slackPort();
    const { cookie, state } = await started(port);
    const late = new Date(now.getTime() + 601_000);
    const answer = await answerDashboard(
      ask('GET /signin/slack/callback', { query: back(state), cookies: [cookie] }),
      deps(port, late),
    );
    expect(answer.status).toBe(401);
    expect(asked).toEqual([]);
  });

  it('a flow token is no session, and a session no flow', async () => {
    const flow = await signFlow(key, { state: 's', nonce: 'n' }, now);
    expect(await verifySession(key, flow, now)).toBeUndefined();
    expect(await verifyFlow(key, await signSession(key, { principal: 'cli:x' }, now), now)).toBeUndefined();
  });

  it.each([
    ['Slack says no', 'error=access_denied', {}, 401, 'access_denied'],
    ['Slack’s answer does not check out', 'code=c0de', { refuse: true }, 401, 'did not check out'],
    [
      'a workspace capstan does not let in',
      'code=c0de',
      { team: 'T9' },
      403,
      'capstan access workspace allow slack T9',
    ],
  ])('%s: no session', async (_, extra, o, status, words) => {
    const { port } = slackPort(o);
    const { cookie, state } = await started(port);
    const answer = await answerDashboard(
      ask('GET /signin/slack/callback', { query: back(state, extra), cookies: [cookie] }),
      deps(port),
    );
    expect(answer.status).toBe(status);
    expect(answer.html).toContain(words);
    expect((answer.cookies ?? []).some((c) => c.startsWith('capstan_session='))).toBe(false);
  });

  it('Slack out of reach: 503, a page saying to start again, no session', async () => {
    const { port } = slackPort();
    const down: SlackSignIn = { ...port, identify: async () => Promise.reject(new Error('connect ECONNREFUSED')) };
    const { cookie, state } = await started(down);
    const answer = await answerDashboard(
      ask('GET /signin/slack/callback', { query: back(state), cookies: [cookie] }),
      deps(down),
    );
    expect(answer.status).toBe(503);
    expect(answer.html).toContain('could not be reached');
    expect((answer.cookies ?? []).some((c) => c.startsWith('capstan_session='))).toBe(false);
  });

  it("a Slack person's session ends when their workspace is no longer let in", async () => {
    const token = await signSession(key, { principal: 'slack:T1/U1' }, now);
    const ok = await answerDashboard(ask('GET /api/session', { cookies: [`capstan_session=${token}`] }), deps());
    expect(ok.status).toBe(200);
    const revoked = await signSession(key, { principal: 'slack:T9/U1' }, now);
    const gone = await answerDashboard(ask('GET /api/session', { cookies: [`capstan_session=${revoked}`] }), deps());
    expect(gone.status).toBe(401);
  });

  it('a sign-in secret that cannot be read leaves every other page working, with no Slack button', async () => {
    const broken = { ...deps(), slack: () => Promise.reject(new Error('AccessDenied')) };
    const page = await answerDashboard(ask('GET /'), broken);
    expect(page.status).toBe(401);
    expect(page.html).not.toContain('/signin/slack');
  });

  it('the page a signed-out browser sees offers Sign in with Slack when it is set up', async () => {
    const { port } = slackPort();
    expect((await answerDashboard(ask('GET /'), deps(port))).html).toContain('href="/signin/slack"');
    expect((await answerDashboard(ask('GET /'), deps())).html).not.toContain('/signin/slack');
  });
});
