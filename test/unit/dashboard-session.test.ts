import { SignJWT, UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  SESSION_SECONDS,
  sessionCookie,
  sessionTokenOf,
  signedOutCookie,
  signSession,
  verifySession,
} from '../../lib/dashboard/session.ts';

const key = new TextEncoder().encode('k'.repeat(32));
const other = new TextEncoder().encode('o'.repeat(32));
const now = new Date('2026-12-04T10:00:00Z');
const alice = { principal: 'slack:E1/U1', name: 'alice' };
const later = (s: number) => new Date(now.getTime() + s * 1000);

/** A token capstan's issuer could have signed, but not as a dashboard session. */
const signedOther = (alg: string, audience: string, with_: Uint8Array) =>
  new SignJWT({})
    .setProtectedHeader({ alg })
    .setIssuer('capstan')
    .setAudience(audience)
    .setSubject('x')
    .setIssuedAt(Math.floor(now.getTime() / 1000))
    .setExpirationTime('1h')
    .sign(with_);

describe('dashboard sessions', () => {
  it('proves who signed in until it expires', async () => {
    const token = await signSession(key, alice, now);
    expect(await verifySession(key, token, later(60))).toEqual({
      ...alice,
      expiresAt: later(SESSION_SECONDS).toISOString(),
    });
    expect(await verifySession(key, token, later(SESSION_SECONDS + 1))).toBeUndefined();
  });

  it('proves nothing when forged, tampered, unsigned, or made for something else', async () => {
    const token = await signSession(key, alice, now);
    expect(await verifySession(other, token, now)).toBeUndefined();
    const [h, p, s] = token.split('.');
    const payload = JSON.parse(Buffer.from(p as string, 'base64url').toString());
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...payload, sub: 'slack:E1/U9' })).toString('base64url')}.${s}`;
    expect(await verifySession(key, tampered, now)).toBeUndefined();
    const unsigned = new UnsecuredJWT({ sub: 'x' })
      .setIssuer('capstan')
      .setAudience('capstan-dashboard')
      .setIssuedAt()
      .setExpirationTime('1h')
      .encode();
    expect(await verifySession(key, unsigned, now)).toBeUndefined();
    // Right key, wrong audience (the CI route's); another HMAC algorithm than the one allowed.
    const ciAudience = await signedOther('HS256', 'capstan', key);
    expect(await verifySession(key, ciAudience, now)).toBeUndefined();
    const hs512 = await signedOther('HS512', 'capstan-dashboard', new TextEncoder().encode('k'.repeat(64)));
    expect(await verifySession(key, hs512, now)).toBeUndefined();
    expect(await verifySession(key, 'not a token', now)).toBeUndefined();
  });

  it('refuses a short key rather than sign with it', async () => {
    await expect(signSession(new Uint8Array(16), alice, now)).rejects.toThrow('at least 32 bytes');
  });

  it('is an HttpOnly, SameSite=Strict cookie, Secure except on loopback http, and signs out by expiring', () => {
    expect(sessionCookie('t', { secure: true })).toBe(
      `capstan_session=t; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_SECONDS}; Secure`,
    );
    expect(sessionCookie('t', { secure: false })).not.toContain('Secure');
    expect(signedOutCookie({ secure: true })).toBe(
      'capstan_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0; Secure',
    );
  });

  it.each([
    [undefined, undefined],
    [[], undefined],
    [['theme=dark'], undefined],
    [['capstan_session='], undefined],
    [['theme=dark', 'capstan_session=abc'], 'abc'],
    [['capstan_session=first', 'capstan_session=second'], 'first'],
    [['xcapstan_session=abc'], undefined],
  ])('the session token of %j is %s', (cookies, token) => {
    expect(sessionTokenOf(cookies)).toBe(token);
  });
});
