import { describe, expect, it } from 'vitest';
import { slackSignature, verifySlackRequest } from '../../lib/chat/slack/verify.ts';
import { requestBody } from '../../lib/ingest/body.ts';

// Slack's own example ("Verifying requests from Slack", api.slack.com/authentication/verifying-requests-from-slack).
const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const TIMESTAMP = '1531420618';
const BODY =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const SIGNATURE = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
const NOW = Number(TIMESTAMP) + 10;

const headers = (h: Record<string, string>) => h;
const signed = { 'X-Slack-Request-Timestamp': TIMESTAMP, 'X-Slack-Signature': SIGNATURE };

describe("Slack's request signing v0", () => {
  it("computes the docs' example signature", () => {
    expect(slackSignature(SECRET, TIMESTAMP, BODY)).toBe(SIGNATURE);
  });

  it("accepts the docs' example request, with headers in any case", () => {
    expect(verifySlackRequest({ rawBody: BODY, headers: signed }, SECRET, NOW)).toEqual({ ok: true });
    const lower = { 'x-slack-request-timestamp': TIMESTAMP, 'x-slack-signature': SIGNATURE };
    expect(verifySlackRequest({ rawBody: BODY, headers: lower }, SECRET, NOW)).toEqual({ ok: true });
  });

  it('verifies the body API Gateway hands over base64-encoded, once decoded', () => {
    const decoded = requestBody(Buffer.from(BODY).toString('base64'), true, 1 << 20);
    expect(decoded.ok && verifySlackRequest({ rawBody: decoded.rawBody, headers: signed }, SECRET, NOW)).toEqual({
      ok: true,
    });
    // Verified as the base64 text itself, it does not match: the signature is over Slack's bytes.
    const raw = Buffer.from(BODY).toString('base64');
    expect(verifySlackRequest({ rawBody: raw, headers: signed }, SECRET, NOW)).toMatchObject({ code: 'bad-signature' });
  });

  it.each([
    ['a changed body', { rawBody: `${BODY}&x=1`, headers: signed }],
    ['another secret', { rawBody: BODY, headers: { ...signed, 'X-Slack-Signature': `v0=${'0'.repeat(64)}` } }],
    ['a v1 signature', { rawBody: BODY, headers: { ...signed, 'X-Slack-Signature': SIGNATURE.replace('v0=', 'v1=') } }],
    ['a short signature', { rawBody: BODY, headers: { ...signed, 'X-Slack-Signature': 'v0=a2' } }],
    ['no signature', { rawBody: BODY, headers: headers({ 'X-Slack-Request-Timestamp': TIMESTAMP }) }],
    ['no timestamp', { rawBody: BODY, headers: headers({ 'X-Slack-Signature': SIGNATURE }) }],
    ['a timestamp not a number', { rawBody: BODY, headers: { ...signed, 'X-Slack-Request-Timestamp': '1e9' } }],
  ])('refuses %s as bad-signature', (_, req) => {
    expect(verifySlackRequest(req, SECRET, NOW)).toMatchObject({ ok: false, code: 'bad-signature' });
  });

  it('refuses a request signed more than 300 s ago or ahead as replayed, and takes one at 300 s', () => {
    const req = { rawBody: BODY, headers: signed };
    expect(verifySlackRequest(req, SECRET, Number(TIMESTAMP) + 301)).toMatchObject({ code: 'replayed' });
    expect(verifySlackRequest(req, SECRET, Number(TIMESTAMP) - 301)).toMatchObject({ code: 'replayed' });
    expect(verifySlackRequest(req, SECRET, Number(TIMESTAMP) + 300)).toEqual({ ok: true });
  });

  it('refuses everything when no signing secret is configured', () => {
    expect(verifySlackRequest({ rawBody: BODY, headers: signed }, undefined, NOW)).toMatchObject({
      ok: false,
      code: 'unauthorized',
    });
  });
});
