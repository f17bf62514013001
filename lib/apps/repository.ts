import { checkImageRef, normalizeImageRef } from '../../events/image-ref.ts';

/**
 * One spelling per repository, `host/path` with Docker Hub spelled out (`nginx` -> `docker.io/library/nginx`),
 * so an app's tracked repository and a registry's push compare as plain strings.
 */
export const canonicalRepository = (registry: string | undefined, repository: string): string => {
  const r = normalizeImageRef({ ...(registry ? { registry } : {}), repository });
  return `${r.registry}/${r.repository}`;
};

/** Why a spec's `repository` is not a bare repository (no tag, no digest), or undefined when it is. */
export const repositoryProblem = (reference: string): string | undefined => {
  const r = checkImageRef(reference);
  if (typeof r === 'string') return r;
  if (r.tag !== undefined || r.digest !== undefined) {
    return 'must name the repository only (no ":tag" or "@digest"): releases choose the image';
  }
  return undefined;
};

/** The canonical form of a spec's `repository` (assumed valid, see repositoryProblem). */
export const canonicalOf = (reference: string): string => {
  const r = checkImageRef(reference);
  if (typeof r === 'string') throw new Error(`invalid repository "${reference}": ${r}`);
  return canonicalRepository(r.registry, r.repository);
};
