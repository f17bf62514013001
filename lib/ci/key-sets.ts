import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import { trustedIssuerUrl } from '../apps/chat-ops.ts';

/** How many issuers' key sets a process keeps: a handful in practice; the bound keeps a bad config cheap. */
export const MAX_ISSUERS = 16;
const DISCOVERY_TIMEOUT_MS = 5000;

/**
 * The keys of an issuer, found the OpenID way: `<issuer>/.well-known/openid-configuration` names its
 * `jwks_uri` (GitHub's and GitLab's differ in shape, so neither is guessed). jose's remote key set then
 * fetches, caches and refreshes the keys (a refetch on an unknown `kid`, at most every 30 s). Only issuers
 * an environment's `ci` entries name are ever asked for: a token cannot point capstan at a URL of its own.
 * A failed discovery is forgotten, so the next request tries again.
 */
export const issuerKeySets = (o: { max?: number } = {}) => {
  const max = o.max ?? MAX_ISSUERS;
  const sets = new Map<string, Promise<JWTVerifyGetKey>>();
  return (issuer: string): Promise<JWTVerifyGetKey> => {
    const known = sets.get(issuer);
    if (known) {
      // Most recently used last: the first key is the one to drop.
      sets.delete(issuer);
      sets.set(issuer, known);
      return known;
    }
    if (sets.size >= max) sets.delete(sets.keys().next().value as string);
    const found = discover(issuer);
    sets.set(issuer, found);
    found.catch(() => {
      if (sets.get(issuer) === found) sets.delete(issuer);
    });
    return found;
  };
};

const discover = async (issuer: string): Promise<JWTVerifyGetKey> => {
  if (!trustedIssuerUrl(issuer)) throw new Error(`issuer ${issuer} is neither https nor loopback http`);
  const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  const response = await fetch(url, { signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS), redirect: 'error' });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  const config = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
  if (config.issuer !== issuer) throw new Error(`${url} names issuer ${String(config.issuer)}, not ${issuer}`);
  if (typeof config.jwks_uri !== 'string' || !trustedIssuerUrl(config.jwks_uri)) {
    throw new Error(`${url} names no usable jwks_uri`);
  }
  return createRemoteJWKSet(new URL(config.jwks_uri), {
    timeoutDuration: DISCOVERY_TIMEOUT_MS,
    cooldownDuration: 30_000,
    cacheMaxAge: 10 * 60_000,
  });
};
