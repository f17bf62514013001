import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type AuthResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

const OK: AuthResult = { ok: true };
const fail = (reason: string): AuthResult => ({ ok: false, reason });

/** Constant-time equality that does not leak the length either (both sides hashed first). */
export const safeEqual = (a: string, b: string): boolean =>
  timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());

/** `Authorization: Bearer <token>`. */
export const verifyBearer = (authorization: string | undefined, token: string): AuthResult => {
  if (!authorization) return fail('missing Authorization header');
  const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
  if (!match?.[1]) return fail('Authorization header is not a Bearer token');
  return safeEqual(match[1], token) ? OK : fail('invalid token');
};

/** Signatures older or newer than this are refused, so a captured request cannot be replayed later. */
export const REPLAY_WINDOW_SECONDS = 300;

/**
 * `X-Capstan-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`, the scheme of
 * Stripe and Standard Webhooks: the timestamp is signed too, so the replay window cannot be dodged.
 */
export const verifyHmacSignature = (
  header: string | undefined,
  rawBody: string,
  secret: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): AuthResult => {
  if (!header) return fail('missing X-Capstan-Signature header');
  const parts = new Map(header.split(',').map((p) => p.trim().split('=', 2) as [string, string]));
  const t = Number(parts.get('t'));
  const v1 = parts.get('v1');
  if (!Number.isInteger(t) || !v1) return fail('X-Capstan-Signature must be "t=<unix seconds>,v1=<hex>"');
  if (Math.abs(nowSeconds - t) > REPLAY_WINDOW_SECONDS) {
    return fail(`signature timestamp is outside the ${REPLAY_WINDOW_SECONDS}s replay window`);
  }
  return safeEqual(v1, signBody(secret, t, rawBody)) ? OK : fail('invalid signature');
};

export const signBody = (secret: string, t: number, rawBody: string): string =>
  createHmac('sha256', secret).update(`${t}.${rawBody}`).digest('hex');
