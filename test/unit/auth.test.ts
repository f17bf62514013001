import { describe, expect, it } from 'vitest';
import { REPLAY_WINDOW_SECONDS, signBody, verifyBearer, verifyHmacSignature } from '../../lib/sources/auth.ts';

const SECRET = 'a-very-secret-token-value';

describe('verifyBearer', () => {
  it.each([
    [`Bearer ${SECRET}`, true, undefined],
    [`bearer   ${SECRET}`, true, undefined],
    [undefined, false, 'missing Authorization header'],
    ['Basic abc', false, 'Authorization header is not a Bearer token'],
    ['Bearer wrong', false, 'invalid token'],
    [`Bearer ${SECRET}x`, false, 'invalid token'],
    [`Bearer ${SECRET.slice(0, -1)}`, false, 'invalid token'],
  ])('%s -> ok=%s', (header, ok, reason) => {
    const result = verifyBearer(header, SECRET);
    expect(result.ok).toBe(ok);
    if (!result.ok) expect(result.reason).toBe(reason);
  });
});

describe('verifyHmacSignature', () => {
  const body = '{"hello":"world"}';
  const now = 1_800_000_000;
  const header = (t: number, b = body, secret = SECRET) => `t=${t},v1=${signBody(secret, t, b)}`;

  it('accepts a fresh signature over the exact body', () => {
    expect(verifyHmacSignature(header(now), body, SECRET, now)).toEqual({ ok: true });
  });

  it.each([
    ['a tampered body', header(now), `${body} `, 'invalid signature'],
    ['another secret', header(now, body, 'other-secret-value'), body, 'invalid signature'],
    ['a replay past the window', header(now - REPLAY_WINDOW_SECONDS - 1), body, 'outside the 300s replay window'],
    ['a timestamp from the future', header(now + REPLAY_WINDOW_SECONDS + 1), body, 'outside the 300s replay window'],
    ['a malformed header', 'sha256=abc', body, 'must be "t=<unix seconds>,v1=<hex>"'],
    ['no header', undefined, body, 'missing X-Capstan-Signature header'],
  ])('refuses %s', (_name, h, b, reason) => {
    const result = verifyHmacSignature(h, b, SECRET, now);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });
});
