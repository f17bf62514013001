import { InvalidInputError, messageOf } from '../errors.ts';
import type { Enqueue } from '../queue/send.ts';
import type { Headers, ImageSource } from '../sources/index.ts';
import { header } from '../sources/types.ts';
import { type HttpAnswer, MAX_BODY_BYTES } from './accept.ts';

export interface HookRequest {
  readonly rawBody: string;
  readonly headers: Headers;
  /** Docker Hub's secret path segment (`/hooks/dockerhub/{secret}`). */
  readonly pathSecret?: string;
}

/**
 * POST /hooks/<registry>: the registry's own webhook, verified its own way (bearer token, HMAC signature
 * or secret path) on the raw body before anything is parsed, then turned into `image.pushed` events.
 * What is not a tag push (a blob, a pull, a delete, a digest-only push) is answered as ignored, with its
 * reason, and enqueues nothing. A registry retries on 5xx only, so refusals are 4xx and say why.
 */
export const acceptHook = async (
  source: ImageSource,
  req: HookRequest,
  secret: string,
  enqueue: Enqueue,
  now: Date = new Date(),
): Promise<HttpAnswer> => {
  const auth = source.verify({ headers: req.headers, rawBody: req.rawBody, pathSecret: req.pathSecret }, secret);
  if (!auth.ok) return { status: 401, body: { error: 'unauthorized', reason: auth.reason } };
  if (Buffer.byteLength(req.rawBody) > MAX_BODY_BYTES) {
    return { status: 413, body: { error: 'too-large', reason: `body exceeds ${MAX_BODY_BYTES} bytes` } };
  }
  const type = (header(req.headers, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (!source.contentTypes.includes(type)) {
    return {
      status: 415,
      body: { error: 'unsupported-media-type', reason: `${source.name} sends ${source.contentTypes.join(' or ')}` },
    };
  }
  let normalized: ReturnType<ImageSource['normalize']>;
  try {
    normalized = source.normalize(source.decode(req.rawBody, req.headers), now, req.headers);
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    return { status: 400, body: { error: 'invalid-payload', reason: messageOf(error) } };
  }
  for (const event of normalized.events) await enqueue(event);
  return {
    status: 202,
    body: {
      accepted: normalized.events.map((e) => e.id),
      ignored: normalized.ignored.map((i) => i.reason),
    },
  };
};
