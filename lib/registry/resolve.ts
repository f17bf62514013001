import { DigestSchema } from '../../events/image-ref.ts';
import { CapstanError } from '../errors.ts';

/**
 * Tag -> digest over the OCI Distribution API, for the one producer that sends no digest (Docker Hub):
 * a HEAD of the manifest, whose `Docker-Content-Digest` is the digest a pull of that tag gets now. A
 * registry that wants a token says so in a `WWW-Authenticate: Bearer realm=..,service=..,scope=..`
 * challenge; an anonymous token from that realm is enough for public repositories (Docker Hub's flow).
 */

/** Every manifest kind a tag can point at; without them a registry may answer with a converted schema 1. */
const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/** The registry answered, and the answer is no (unknown tag, private repository): retrying will not help. */
export class ResolveError extends CapstanError {
  readonly retryable = false;
  readonly code = 'unresolved';
}

/** The registry did not answer usefully now (rate limit, 5xx, a bad token answer): worth asking again later. */
export class RegistryUnavailableError extends CapstanError {
  readonly retryable = true;
  readonly code = 'registry-unavailable';
}

/** The parameters of a `Bearer` challenge, or undefined for any other scheme. */
export const bearerChallenge = (header: string | null): Record<string, string> | undefined => {
  const match = /^\s*Bearer\s+(.*)$/i.exec(header ?? '');
  if (!match) return undefined;
  const params: Record<string, string> = {};
  for (const [, key, quoted, bare] of (match[1] ?? '').matchAll(/([a-zA-Z_]+)=(?:"([^"]*)"|([^,\s]*))/g)) {
    params[(key as string).toLowerCase()] = quoted ?? bare ?? '';
  }
  return params.realm ? params : undefined;
};

const anonymousToken = async (challenge: Record<string, string>, signal: AbortSignal) => {
  const url = new URL(challenge.realm as string);
  if (url.protocol !== 'https:' && url.hostname !== '127.0.0.1' && url.hostname !== 'localhost') {
    throw new ResolveError(`token realm ${url.origin} is not https`);
  }
  if (challenge.service) url.searchParams.set('service', challenge.service);
  if (challenge.scope) url.searchParams.set('scope', challenge.scope);
  const response = await fetch(url, { signal });
  if (!response.ok) {
    throw new RegistryUnavailableError(`token request to ${url.origin} answered ${response.status}`);
  }
  const body = (await response.json().catch(() => ({}))) as { token?: unknown; access_token?: unknown };
  const token = body.token ?? body.access_token;
  if (typeof token !== 'string' || token === '') {
    throw new RegistryUnavailableError(`token response of ${url.origin} has no token`);
  }
  return token;
};

/**
 * The digest `repository:tag` points at in the registry at `baseUrl` (e.g. https://registry-1.docker.io).
 * Throws ResolveError when the answer is no (unknown tag, credentials needed, no digest in the answer), and
 * RegistryUnavailableError (retryable) when there is no answer worth keeping yet (429, 5xx).
 */
export const resolveTag = async (
  baseUrl: string,
  repository: string,
  tag: string,
  timeoutMs = 10_000,
): Promise<string> => {
  const signal = AbortSignal.timeout(timeoutMs);
  const url = `${baseUrl.replace(/\/+$/, '')}/v2/${repository}/manifests/${encodeURIComponent(tag)}`;
  const head = (authorization?: string) =>
    fetch(url, { method: 'HEAD', headers: { accept: ACCEPT, ...(authorization ? { authorization } : {}) }, signal });
  let response = await head();
  const challenge = response.status === 401 ? bearerChallenge(response.headers.get('www-authenticate')) : undefined;
  if (challenge) response = await head(`Bearer ${await anonymousToken(challenge, signal)}`);
  if (response.status === 404) throw new ResolveError(`${repository}:${tag} is not in ${new URL(url).host}`);
  if (response.status === 401 || response.status === 403) {
    throw new ResolveError(`${new URL(url).host} refuses anonymous reads of ${repository} (a private repository?)`);
  }
  // 429 (Docker Hub's pull limits) and 5xx pass; any other answer will not change on its own.
  if (response.status === 429 || response.status >= 500) {
    throw new RegistryUnavailableError(`HEAD ${url} answered ${response.status}`);
  }
  if (!response.ok) throw new ResolveError(`HEAD ${url} answered ${response.status}`);
  const digest = response.headers.get('docker-content-digest');
  if (!digest || !DigestSchema.safeParse(digest).success) {
    throw new ResolveError(`${new URL(url).host} gave no sha256 digest for ${repository}:${tag}`);
  }
  return digest;
};

/** resolveTag, with the registry's "no" as an answer rather than an error (retryable trouble still throws). */
export const resolveTagAnswer = async (
  baseUrl: string,
  repository: string,
  tag: string,
): Promise<{ digest: string } | { refused: string }> => {
  try {
    return { digest: await resolveTag(baseUrl, repository, tag) };
  } catch (error) {
    if (error instanceof ResolveError) return { refused: error.message };
    throw error;
  }
};
