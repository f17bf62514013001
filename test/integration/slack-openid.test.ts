import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlackSignIn } from '../../lib/dashboard/ports.ts';
import { slackOpenId } from '../../lib/lambda/slack-openid.ts';
import { type SlackStandIn, startSlackStandIn } from '../support/slack-api.ts';

// The ID token checks of Sign in with Slack (lib/lambda/slack-openid.ts) against Slack's OpenID endpoints as
// the stand-in serves them, with tokens a broken or hostile issuer would send. Nothing but the stand-in runs.
const CLIENT = { clientId: '1111111111.2222222222', clientSecret: 'slack-openid-test-client-secret' };
const BACK = 'http://127.0.0.1:9/signin/slack/callback';
let slack: SlackStandIn;
let signIn: SlackSignIn;

beforeAll(async () => {
  slack = await startSlackStandIn({ botToken: 'xoxb-slack-openid-test', openid: CLIENT });
  signIn = slackOpenId({ ...CLIENT, apiUrl: slack.apiUrl, oidcUrl: slack.oidcUrl });
  slack.signInAs({ team: 'T1', user: 'U1', name: 'Alice' });
});
afterAll(() => slack?.close());

/** A code from Slack's authorize page, as the browser would bring it back. */
const codeFor = async (nonce: string) => {
  const res = await fetch(signIn.authorizeUrl({ state: 's', nonce, redirectUri: BACK }), { redirect: 'manual' });
  return new URL(res.headers.get('location') as string).searchParams.get('code') as string;
};
const identify = async (nonce = 'n-1', asNonce = nonce) =>
  signIn.identify({ code: await codeFor(nonce), redirectUri: BACK, nonce: asNonce });
const now = () => Math.floor(Date.now() / 1000);

describe("Slack's ID token, checked", () => {
  it('a good one: the person, by team and user', async () => {
    expect(await identify()).toEqual({ team: 'T1', user: 'U1', name: 'Alice' });
  });

  it("a grid's people by the enterprise, when the token names one", async () => {
    slack.signInAs({ team: 'T1', user: 'U1', name: 'Alice', enterprise: 'E1' });
    expect(await identify()).toMatchObject({ team: 'E1', user: 'U1' });
    slack.signInAs({ team: 'T1', user: 'U1', name: 'Alice' });
  });

  it.each([
    ['another nonce (a replayed token)', undefined, 'n-other'],
    ['another issuer', { claims: (c: Record<string, unknown>) => ({ ...c, iss: 'https://evil.example' }) }],
    ['another audience', { claims: (c: Record<string, unknown>) => ({ ...c, aud: '9.9' }) }],
    [
      'several audiences, not authorized for capstan',
      { claims: (c: Record<string, unknown>) => ({ ...c, aud: [CLIENT.clientId, '9.9'] }) },
    ],
    ['expired', { claims: (c: Record<string, unknown>) => ({ ...c, exp: now() - 120 }) }],
    ['issued an hour ago', { claims: (c: Record<string, unknown>) => ({ ...c, iat: now() - 3600 }) }],
    ['issued in the future', { claims: (c: Record<string, unknown>) => ({ ...c, iat: now() + 3600 }) }],
    ['without a nonce', { claims: ({ nonce: _, ...c }: Record<string, unknown>) => c }],
    ['signed with a key Slack does not publish', { key: 'foreign' as const }],
    ['HS256 with the client secret (algorithm confusion)', { key: 'hs256' as const }],
  ])('%s: nobody', async (_, tamper, asNonce?: string) => {
    if (tamper) slack.tamperNextIdToken(tamper);
    expect(await identify('n-1', asNonce ?? 'n-1')).toBeUndefined();
  });

  it('a code used twice, or made up: Slack refuses it, nobody', async () => {
    const code = await codeFor('n-2');
    expect(await signIn.identify({ code, redirectUri: BACK, nonce: 'n-2' })).toMatchObject({ user: 'U1' });
    expect(await signIn.identify({ code, redirectUri: BACK, nonce: 'n-2' })).toBeUndefined();
    expect(await signIn.identify({ code: 'made-up', redirectUri: BACK, nonce: 'n-2' })).toBeUndefined();
  });

  it('Slack failing (5xx) is thrown, not taken for a refusal', async () => {
    slack.failNext('openid.connect.token', { status: 503 });
    await expect(identify()).rejects.toThrow();
  });

  it('Slack rate limiting is thrown at once, not slept through (the function has 10 s)', async () => {
    slack.failNext('openid.connect.token', { status: 429, retryAfter: 30 });
    const started = Date.now();
    await expect(identify()).rejects.toThrow();
    // Not a speed target: sleeping through Retry-After would take the whole 30 s.
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
