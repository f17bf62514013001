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

/** Shorter configured secrets are refused outright: an empty or guessable one would let anyone in. */
export const MIN_SECRET_LENGTH = 16;

/** Checks the configured side before any comparison, so a missing secret never means "accept all". */
export const configuredSecret = (secret: string): AuthResult =>
  secret.length >= MIN_SECRET_LENGTH
    ? OK
    : fail(`no secret configured (at least ${MIN_SECRET_LENGTH} characters); refusing every request`);

/**
 * A whole value compared verbatim in constant time: Docker Hub's secret path segment. `what` names the value in the refusal.
 */
export const verifyStaticSecret = (presented: string | undefined, secret: string, what: string): AuthResult => {
  const configured = configuredSecret(secret);
  if (!configured.ok) return configured;
  if (presented === undefined || presented.length === 0) return fail(`missing ${what}`);
  return safeEqual(presented.trim(), secret.trim()) ? OK : fail(`invalid ${what}`);
};

/**
 * GitHub's `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, raw body)>`. GitHub signs no timestamp, so there
 * is no replay window: a replayed delivery carries the same `X-GitHub-Delivery` and is deduplicated on it.
 */
export const verifyHubSignature256 = (header: string | undefined, rawBody: string, secret: string): AuthResult => {
  const configured = configuredSecret(secret);
  if (!configured.ok) return configured;
  if (!header) return fail('missing X-Hub-Signature-256 header');
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(header.trim());
  if (!match?.[1]) return fail('X-Hub-Signature-256 must be "sha256=<64 hex>"');
  return safeEqual(match[1].toLowerCase(), signHubBody(secret, rawBody)) ? OK : fail('invalid signature');
};

export const signHubBody = (secret: string, rawBody: string): string =>
  createHmac('sha256', secret).update(rawBody).digest('hex');
