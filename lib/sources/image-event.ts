import { SCHEMA_VERSION } from '../../events/envelope.ts';
import { ImagePushedEventSchema } from '../../events/image-pushed.ts';
import type { ImageProducer, ImagePushed } from '../../events/index.ts';
import { InvalidInputError } from '../errors.ts';
import { formatIssue } from '../issues.ts';

/** One tag push as every producer's normalizer sees it, before it becomes an `image.pushed` CloudEvent. */
export interface TagPush {
  readonly id: string;
  readonly producer: ImageProducer;
  readonly registry: string;
  readonly repository: string;
  readonly tag: string;
  readonly digest?: string;
  readonly mediaType?: string;
  readonly pushedBy?: string;
  /** ISO 8601 UTC, see `isoTime`. */
  readonly pushedAt: string;
}

/**
 * Builds the event and checks it against the contract, so a producer value our reference grammar refuses
 * (an uppercase repository, a 200-character tag) fails here with the producer's location (`where`) named.
 */
export const imagePushed = (push: TagPush, where: string): ImagePushed => {
  const candidate = {
    specversion: '1.0',
    id: push.id,
    type: 'image.pushed',
    source: `capstan/sources/${push.producer}/${push.registry}`,
    time: push.pushedAt,
    subject: `${push.repository}:${push.tag}`,
    schemaversion: SCHEMA_VERSION,
    data: {
      registry: push.registry,
      repository: push.repository,
      tag: push.tag,
      ...(push.digest ? { digest: push.digest } : {}),
      ...(push.mediaType ? { mediaType: push.mediaType } : {}),
      action: 'push',
      producer: push.producer,
      ...(push.pushedBy ? { pushedBy: push.pushedBy.slice(0, 256) } : {}),
      pushedAt: push.pushedAt,
    },
  };
  const result = ImagePushedEventSchema.safeParse(candidate);
  if (result.success) return result.data;
  throw new InvalidInputError(`${push.producer} payload is invalid at ${where}`, result.error.issues.map(formatIssue));
};

/**
 * RFC 3339 (any offset, any sub-second digits) -> `Date#toISOString()`: UTC, fixed millisecond width, so event
 * times sort as strings. Distribution's nanoseconds are cut to milliseconds; ordering finer than that means nothing
 * across producers anyway.
 */
export const isoTime = (rfc3339: string): string => new Date(Date.parse(rfc3339)).toISOString();

/** Harbor's `occur_at` and Docker Hub's `pushed_at` are unix seconds (Docker Hub's may carry a fraction). */
export const isoFromUnixSeconds = (seconds: number): string => new Date(Math.round(seconds * 1000)).toISOString();

/**
 * `host[:port]` of a URL or of a scheme-less reference (`harbor.example.com/library/nginx:1.27`), lowercased:
 * hosts are case-insensitive and references compare exactly. Undefined when there is no host part.
 */
export const hostOf = (urlOrRef: string): string | undefined => {
  const withoutScheme = urlOrRef.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const host = withoutScheme.split('/', 1)[0];
  if (!host || host === withoutScheme) return undefined;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(urlOrRef)) {
    try {
      // URL drops a scheme's default port (https://r.example.com:443 -> r.example.com), as a docker client would.
      return new URL(urlOrRef).host.toLowerCase() || undefined;
    } catch {
      return undefined;
    }
  }
  return host.toLowerCase();
};

/** Optional producer text (user names) as the contract wants it: absent rather than empty. */
export const nonEmpty = (s: string | null | undefined): string | undefined => (s ? s : undefined);
