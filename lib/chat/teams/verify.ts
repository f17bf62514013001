import { createHmac, timingSafeEqual } from 'node:crypto';
import { type Headers, header } from '../headers.ts';

export type TeamsRefusal = 'not-configured' | 'bad-signature';
export type TeamsVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly code: TeamsRefusal; readonly reason: string };

const refuse = (code: TeamsRefusal, reason: string): TeamsVerdict => ({ ok: false, code, reason });

/** `HMAC <base64 of a SHA-256 digest>`: 32 bytes are 44 characters, one `=` of padding. */
const SCHEME = /^HMAC\s+([A-Za-z0-9+/]{43}=)$/i;

/**
 * Microsoft Teams' outgoing webhook signs each POST with `Authorization: HMAC <base64(HMAC-SHA256(key, body))>`,
 * the key being the security token Teams showed at creation, base64-decoded, and the body the raw UTF-8 bytes.
 * Checked before the body is parsed: the digest of every configured token (one per team that has the
 * webhook) is compared with the given one in constant time (timingSafeEqual over 32 bytes each).
 *
 * Teams sends no timestamp and no nonce, so there is no replay window: a captured request can be sent again.
 * The route only reads (status, history, help), and answers the sender of the request, so a replay learns
 * nothing the captured answer did not already show, and changes nothing. That is why Teams may not write.
 * No token configured means capstan serves no Teams: every request is refused.
 */
export const verifyTeamsSignature = (
  headers: Headers,
  rawBody: string,
  tokens: string | readonly string[] | undefined,
): TeamsVerdict => {
  const keys = tokens === undefined ? [] : typeof tokens === 'string' ? [tokens] : tokens;
  if (keys.length === 0)
    return refuse('not-configured', 'Microsoft Teams is not configured: the chat secret has no teams.securityToken');
  const given = SCHEME.exec(header(headers, 'authorization')?.trim() ?? '')?.[1];
  if (given === undefined)
    return refuse('bad-signature', 'Authorization: HMAC <base64 HMAC-SHA256 of the body> is required');
  const digest = Buffer.from(given, 'base64');
  const body = Buffer.from(rawBody, 'utf8');
  // Every key is tried, so the time taken says nothing about which one (if any) matched.
  let matched = false;
  for (const key of keys) {
    const expected = createHmac('sha256', Buffer.from(key, 'base64')).update(body).digest();
    if (expected.length === digest.length && timingSafeEqual(expected, digest)) matched = true;
  }
  return matched
    ? { ok: true }
    : refuse('bad-signature', "the HMAC does not match the body under any Teams webhook's security token");
};
