import { parseEvent } from '../../events/index.ts';
import { messageOf } from '../errors.ts';
import { routeOf } from '../queue/routing.ts';
import type { Enqueue } from '../queue/send.ts';
import { type AuthResult, verifyBearer, verifyHmacSignature } from '../sources/auth.ts';

export interface HttpAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export interface IngestRequest {
  readonly rawBody: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
}

/** SQS takes 256 KiB per message; refuse well before that with a clear answer. */
export const MAX_BODY_BYTES = 200 * 1024;

/**
 * POST /events: authenticate (bearer token or HMAC signature), validate against the event contract,
 * enqueue for the consumer of its type. Every refusal is a 4xx naming the reason; nothing is enqueued.
 */
export const acceptEvent = async (req: IngestRequest, secret: string, enqueue: Enqueue): Promise<HttpAnswer> => {
  const auth = authenticate(req, secret);
  if (!auth.ok) return { status: 401, body: { error: 'unauthorized', reason: auth.reason } };
  if (Buffer.byteLength(req.rawBody) > MAX_BODY_BYTES) {
    return { status: 413, body: { error: 'too-large', reason: `body exceeds ${MAX_BODY_BYTES} bytes` } };
  }
  let json: unknown;
  try {
    json = JSON.parse(req.rawBody);
  } catch (error) {
    return { status: 400, body: { error: 'invalid-json', reason: messageOf(error) } };
  }
  const parsed = parseEvent(json);
  if (!parsed.ok) return { status: 400, body: { error: 'invalid-event', issues: parsed.issues } };
  const route = routeOf(parsed.event.type);
  if (!route) {
    return { status: 422, body: { error: 'unsupported-type', reason: `no consumer handles ${parsed.event.type} yet` } };
  }
  if (route.internal) {
    return {
      status: 422,
      body: { error: 'internal-type', reason: `${parsed.event.type} is sent by capstan itself only` },
    };
  }
  await enqueue(parsed.event);
  return { status: 202, body: { accepted: parsed.event.id, type: parsed.event.type, queue: route.queue } };
};

const authenticate = (req: IngestRequest, secret: string): AuthResult =>
  req.headers['x-capstan-signature'] !== undefined
    ? verifyHmacSignature(req.headers['x-capstan-signature'], req.rawBody, secret)
    : verifyBearer(req.headers.authorization, secret);
