import type { ImagePushed } from '../../events/index.ts';

/** Header names as the HTTP edge hands them over; looked up case-insensitively by `header`. */
export type Headers = Readonly<Record<string, string | undefined>>;

/** What a verifier sees: the exact raw body (signatures are over bytes) and, for Docker Hub, the secret path segment. */
export interface SourceRequest {
  readonly headers: Headers;
  readonly rawBody: string;
  readonly pathSecret?: string;
}

/** Something the producer sent that is not a tag push: recorded with its reason, never an error. */
export interface Ignored {
  readonly reason: string;
}

export interface Normalized {
  readonly events: ImagePushed[];
  readonly ignored: Ignored[];
}

/** Node and API Gateway lowercase header names, tests and other edges may not: try the exact name, then any case. */
export const header = (headers: Headers, name: string): string | undefined => {
  const lower = name.toLowerCase();
  if (headers[lower] !== undefined) return headers[lower];
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === lower) return value;
  return undefined;
};
