import { z } from 'zod';

/** `[registry[:port]/]path[:tag][@sha256:<64 hex>]`, the subset of the Distribution reference grammar capstan deploys. */
export interface ImageRef {
  /** `host[:port]`; absent means Docker Hub, as the Docker CLI reads it. */
  readonly registry?: string;
  readonly repository: string;
  readonly tag?: string;
  /** `sha256:<64 lowercase hex>`; the only digest algorithm registries use for manifests. */
  readonly digest?: string;
}

// Registry hosts are case-insensitive; only the lowercase form is accepted so references compare exactly.
const HOST = /^(?:[a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])(?:\.(?:[a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9]))*(?::[0-9]{1,5})?$/;
// Path components per distribution/reference: lowercase alnum runs joined by ".", "_", "__" or dashes.
const PATH = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^\w[\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
// Distribution limits the whole name (registry + path) to 255 characters.
const MAX_NAME = 255;

export const RegistryHostSchema = z
  .string()
  .regex(HOST, 'must be a lowercase registry host with an optional port, e.g. "ghcr.io" or "localhost:5000"')
  .refine((h) => validPort(h), 'registry port must be 1..65535');
export const RepositorySchema = z
  .string()
  .max(MAX_NAME)
  .regex(PATH, 'must be a lowercase repository path, e.g. "acme/api"');
export const TagSchema = z
  .string()
  .regex(TAG, 'must be a tag: letters, digits, "_", "." or "-", up to 128, not starting with "." or "-"');
export const DigestSchema = z.string().regex(DIGEST, 'must be a digest "sha256:" + 64 lowercase hex digits');

const validPort = (host: string) => {
  const port = host.split(':')[1];
  return port === undefined || (Number(port) >= 1 && Number(port) <= 65535);
};

/** Parses a reference, or says in a few words why it is not one. Never normalizes (see `normalizeImageRef`). */
export const checkImageRef = (s: string): ImageRef | string => {
  if (s.length === 0) return 'empty';
  const at = s.indexOf('@');
  const digest = at >= 0 ? s.slice(at + 1) : undefined;
  const named = at >= 0 ? s.slice(0, at) : s;
  if (digest !== undefined && !DIGEST.test(digest)) return 'digest must be "sha256:" + 64 lowercase hex digits';
  // A tag's ":" comes after the last "/", so a registry port is never mistaken for a tag.
  const colon = named.indexOf(':', named.lastIndexOf('/') + 1);
  const tag = colon >= 0 ? named.slice(colon + 1) : undefined;
  const name = colon >= 0 ? named.slice(0, colon) : named;
  if (name !== name.toLowerCase()) return 'registry and repository must be lowercase';
  if (tag !== undefined && !TAG.test(tag)) return `tag "${tag}" is not valid`;
  // Docker's rule: the first component is a registry only if it looks like a host.
  const slash = name.indexOf('/');
  const first = name.slice(0, Math.max(slash, 0));
  const hasRegistry = slash > 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const registry = hasRegistry ? first : undefined;
  const repository = hasRegistry ? name.slice(slash + 1) : name;
  if (registry !== undefined && !(HOST.test(registry) && validPort(registry)))
    return `registry "${registry}" is not valid`;
  if (!PATH.test(repository)) return `repository "${repository}" is not valid`;
  if (name.length > MAX_NAME) return `name is longer than ${MAX_NAME} characters`;
  return {
    ...(registry === undefined ? {} : { registry }),
    repository,
    ...(tag === undefined ? {} : { tag }),
    ...(digest === undefined ? {} : { digest }),
  };
};

/** The parts of a valid reference, or undefined for an invalid one. */
export const parseImageRef = (s: string): ImageRef | undefined => {
  const r = checkImageRef(s);
  return typeof r === 'string' ? undefined : r;
};

export const formatImageRef = (r: ImageRef): string =>
  `${r.registry ? `${r.registry}/` : ''}${r.repository}${r.tag ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`;

/** The registry name Docker Hub's images go by. */
export const DOCKER_HUB_REGISTRY = 'docker.io';

/** Docker Hub spelled out (`nginx` -> `docker.io/library/nginx`), so Hub pushes match deployed references. */
export const normalizeImageRef = (r: ImageRef): ImageRef =>
  r.registry
    ? r
    : {
        ...r,
        registry: DOCKER_HUB_REGISTRY,
        repository: r.repository.includes('/') ? r.repository : `library/${r.repository}`,
      };

export const ImageRefSchema = z
  .string()
  .max(512)
  .superRefine((s, ctx) => {
    const r = checkImageRef(s);
    if (typeof r === 'string') {
      ctx.addIssue({
        code: 'custom',
        message: `invalid image reference (${r}); expected [registry[:port]/]path[:tag][@sha256:<64 hex>]`,
      });
    }
  });
