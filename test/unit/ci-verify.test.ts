import { createLocalJWKSet, exportJWK, generateKeyPair, type JWK, SignJWT, UnsecuredJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyCiToken } from '../../lib/ci/verify.ts';

// Real keys and real jose: tokens signed as a CI provider signs them, checked against its key set.
const ISSUER = 'https://token.actions.githubusercontent.com';
const now = new Date('2026-12-01T12:00:00Z');
const seconds = Math.floor(now.getTime() / 1000);
type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let signing: PrivateKey;
let stranger: PrivateKey;
let keys: ReturnType<typeof createLocalJWKSet>;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  signing = pair.privateKey;
  stranger = (await generateKeyPair('RS256')).privateKey;
  const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  keys = createLocalJWKSet({ keys: [jwk] });
});

const token = (claims: Record<string, unknown> = {}, o: { key?: PrivateKey; kid?: string } = {}) =>
  new SignJWT({ sub: 'repo:acme/shop:ref:refs/heads/main', jti: 'jti-1', ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: o.kid ?? 'k1' })
    .setIssuer(typeof claims.iss === 'string' ? claims.iss : ISSUER)
    .setAudience(typeof claims.aud === 'string' ? claims.aud : 'capstan')
    .setIssuedAt(seconds - 10)
    .setExpirationTime(typeof claims.exp === 'number' ? claims.exp : seconds + 300)
    .sign(o.key ?? signing);

const check = (t: string) => verifyCiToken(t, { issuer: ISSUER, audience: 'capstan', keys, now });
const codeOf = async (t: string) => {
  const v = await check(t);
  return v.ok ? 'ok' : v.code;
};

describe('verifyCiToken (jose, real keys)', () => {
  it('a token signed by the issuer for capstan is verified, with its claims', async () => {
    const v = await check(await token());
    expect(v).toMatchObject({ ok: true, claims: { iss: ISSUER, jti: 'jti-1', aud: 'capstan' } });
  });

  it.each([
    ['another audience', () => token({ aud: 'sts.amazonaws.com' }), 'wrong-audience'],
    ['another issuer', () => token({ iss: 'https://gitlab.com' }), 'issuer-not-allowed'],
    ['expired beyond the skew', () => token({ exp: seconds - 120 }), 'expired'],
    ['signed by another key with the same kid', () => token({}, { key: stranger }), 'bad-signature'],
    ['a kid the issuer does not have', () => token({}, { kid: 'k9' }), 'bad-signature'],
    ['no jti', () => token({ jti: undefined }), 'claims'],
    ['not valid before a minute from now', () => token({ nbf: seconds + 600 }), 'not-yet-valid'],
    ['not a JWT at all', async () => 'not.a.jwt', 'not-a-token'],
  ])('%s: refused as %s', async (_what, make, code) => {
    expect(await codeOf(await make())).toBe(code);
  });

  it('expired within the skew of a minute is still accepted', async () => {
    expect(await codeOf(await token({ exp: seconds - 30 }))).toBe('ok');
  });

  it('alg none is refused, never read as a token', async () => {
    const unsigned = new UnsecuredJWT({ jti: 'x', sub: 's' })
      .setIssuer(ISSUER)
      .setAudience('capstan')
      .setIssuedAt(seconds)
      .setExpirationTime(seconds + 300)
      .encode();
    expect(await codeOf(unsigned)).toMatch(/bad-signature|not-a-token/);
  });

  it('an HMAC token keyed with anything is refused: the allow-list has asymmetric algorithms only', async () => {
    const hs = await new SignJWT({ jti: 'x', sub: 's' })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setIssuer(ISSUER)
      .setAudience('capstan')
      .setIssuedAt(seconds)
      .setExpirationTime(seconds + 300)
      .sign(new TextEncoder().encode('a-public-key-as-a-secret'));
    expect(await codeOf(hs)).toBe('bad-signature');
  });
});
