import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../lib/runtime/up.ts';
import { allowWorkspace } from '../../lib/store/access.ts';
import { createDb, type Db } from '../../lib/store/db.ts';
import { launchBrowser } from '../support/browser.ts';
import { startTestRuntime } from '../support/runtime.ts';
import { type SlackStandIn, startSlackStandIn } from '../support/slack-api.ts';

// Sign in with Slack on the real runtime: the dashboard function with exactly its grants and its sign-in
// secret, Slack's OpenID endpoints from the stand-in (the one component tests may replace), on another site
// than capstan's (localhost vs 127.0.0.1), so the way back is a cross-site navigation as from slack.com.
const CLIENT = { clientId: '1234567890.0987654321', clientSecret: 'dashboard-slack-test-client-secret' };
const ALICE = { team: 'T0ALLOWED', user: 'U0ALICE', name: 'Alice' };
// The page's globals as the callbacks that run in Chromium use them (the project compiles without the DOM library).
declare const document: { querySelector(selector: string): { readonly textContent: string | null } | null };

let runtime: Runtime;
let db: Db;
let slack: SlackStandIn;
let browser: Browser;

beforeAll(async () => {
  slack = await startSlackStandIn({ botToken: 'xoxb-dashboard-slack-test', openid: CLIENT });
  process.env.CAPSTAN_SLACK_API_URL = slack.apiUrl;
  process.env.CAPSTAN_SLACK_OIDC_URL = slack.oidcUrl;
  process.env.CAPSTAN_SIGN_IN_SECRET = JSON.stringify({ slack: CLIENT });
  browser = await launchBrowser();
  runtime = await startTestRuntime('dashboard-slack');
  db = createDb(runtime.state.table);
  await allowWorkspace(db, {
    chat: 'slack',
    workspace: ALICE.team,
    allowedAt: new Date().toISOString(),
    allowedBy: 'cli:test',
  });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
  await slack?.close();
}, 120_000);

const url = (path: string) => `${runtime.state.httpUrl}${path}`;
const cookieOf = (res: Response, name: string) =>
  res.headers
    .getSetCookie()
    .find((c) => c.startsWith(`${name}=`))
    ?.split(';')[0];

/** The flow by hand, as a browser follows it: start, Slack's authorize page, back to capstan. */
const startFlow = async () => {
  const start = await fetch(url('/signin/slack'), { redirect: 'manual' });
  expect(start.status).toBe(302);
  const flow = cookieOf(start, 'capstan_signin') as string;
  const authorize = await fetch(start.headers.get('location') as string, { redirect: 'manual' });
  expect(authorize.status).toBe(302);
  return { flow, back: new URL(authorize.headers.get('location') as string) };
};
const callback = (back: URL, cookie?: string) =>
  fetch(url(`${back.pathname}${back.search}`), { redirect: 'manual', ...(cookie ? { headers: { cookie } } : {}) });

describe('Sign in with Slack', () => {
  it('in a browser: the sign-in page, Slack, and back to the fleet, signed in as the Slack principal', async () => {
    slack.signInAs(ALICE);
    const page = await browser.newPage();
    const first = await page.goto(url('/'));
    expect(first?.status()).toBe(401);
    await Promise.all([page.waitForNavigation({ waitUntil: 'networkidle0' }), page.click('a[href="/signin/slack"]')]);
    // The signed-in page moves on to the fleet by itself, and the session goes with it.
    await page.waitForFunction(() => document.querySelector('h1')?.textContent === 'Fleet', { timeout: 15_000 });
    expect(new URL(page.url()).pathname).toBe('/');
    const session = await page.evaluate(async () => (await fetch('/api/session')).json());
    expect(session).toMatchObject({ principal: 'slack:T0ALLOWED/U0ALICE', name: 'Alice' });
    const cookies = await page.browserContext().cookies();
    expect(cookies.find((c) => c.name === 'capstan_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(cookies.find((c) => c.name === 'capstan_signin')).toBeUndefined();
    // The token exchange authenticated with the client secret, which never reached the browser.
    expect(slack.calls().filter((c) => c.method === 'openid.connect.token')).toHaveLength(1);
    expect(await page.content()).not.toContain(CLIENT.clientSecret);
    await page.close();
  }, 60_000);

  it('a person of a workspace capstan does not let in gets 403 and no session', async () => {
    slack.signInAs({ team: 'T0STRANGER', user: 'U0BOB', name: 'Bob' });
    const { flow, back } = await startFlow();
    const res = await callback(back, flow);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('capstan access workspace allow slack T0STRANGER');
    expect(cookieOf(res, 'capstan_session')).toBeUndefined();
  });

  it('a callback without the browser’s flow, with another state, or a code used twice signs nobody in', async () => {
    slack.signInAs(ALICE);
    const { flow, back } = await startFlow();
    // Another browser (no flow cookie) sent to the same callback: a forged login.
    expect((await callback(back)).status).toBe(401);
    // This browser's flow, but the state of another sign-in.
    const other = new URL(back);
    other.searchParams.set('state', 'A'.repeat(43));
    expect((await callback(other, flow)).status).toBe(401);
    // The real one works once; Slack refuses the code the second time.
    const ok = await callback(back, flow);
    expect(ok.status).toBe(200);
    expect(cookieOf(ok, 'capstan_session')).toMatch(/^capstan_session=[\w-]+\.[\w-]+\.[\w-]+$/);
    const again = await callback(back, flow);
    expect(again.status).toBe(401);
    expect(cookieOf(again, 'capstan_session')).toBeUndefined();
  });

  it('a person who says no at Slack is told so, and signed in as nobody', async () => {
    slack.signInAs(ALICE);
    slack.denyNextSignIn();
    const { flow, back } = await startFlow();
    expect(back.searchParams.get('error')).toBe('access_denied');
    const res = await callback(back, flow);
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('access_denied');
    expect(cookieOf(res, 'capstan_session')).toBeUndefined();
  });
});
