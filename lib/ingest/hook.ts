import { InvalidInputError, messageOf } from '../errors.ts';
import type { Enqueue } from '../queue/send.ts';
import type { Headers, ImageSource } from '../sources/index.ts';
import { header } from '../sources/types.ts';
import { type HttpAnswer, tooLarge } from './answer.ts';
import { MAX_HOOK_BODY_BYTES } from './body.ts';

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
  // Size first: it needs no work, and an oversized body is never hashed.
  if (Buffer.byteLength(req.rawBody) > MAX_HOOK_BODY_BYTES) return tooLarge(MAX_HOOK_BODY_BYTES);
  const auth = source.verify({ headers: req.headers, rawBody: req.rawBody, pathSecret: req.pathSecret }, secret);
  if (!auth.ok) return { status: 401, body: { error: 'unauthorized', reason: auth.reason } };
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
    // Whatever fails while reading the producer's bytes is about those bytes: a 4xx, which the producer does
    // not retry. A 5xx would make it resend the same payload forever.
    const reason = error instanceof InvalidInputError ? messageOf(error) : `${source.name} payload could not be read`;
    return { status: 400, body: { error: 'invalid-payload', reason } };
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
