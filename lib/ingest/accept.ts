import { type CapstanEvent, parseEvent, type Requester } from '../../events/index.ts';
import { messageOf } from '../errors.ts';
import { routeOf } from '../queue/routing.ts';
import type { Enqueue } from '../queue/send.ts';
import { type AuthResult, verifyBearer, verifyHmacSignature } from '../sources/auth.ts';
import { header } from '../sources/types.ts';
import { type HttpAnswer, tooLarge } from './answer.ts';
import { MAX_EVENT_BODY_BYTES } from './body.ts';

export type { HttpAnswer } from './answer.ts';

export interface IngestRequest {
  readonly rawBody: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
}

/**
 * POST /events: authenticate (bearer token or HMAC signature), validate against the event contract,
 * enqueue for the consumer of its type. Every refusal is a 4xx naming the reason; nothing is enqueued.
 */
export const acceptEvent = async (req: IngestRequest, secret: string, enqueue: Enqueue): Promise<HttpAnswer> => {
  // Size first: it needs no work, and an oversized body is never hashed.
  if (Buffer.byteLength(req.rawBody) > MAX_EVENT_BODY_BYTES) return tooLarge(MAX_EVENT_BODY_BYTES);
  const auth = authenticate(req, secret);
  if (!auth.ok) return { status: 401, body: { error: 'unauthorized', reason: auth.reason } };
  let json: unknown;
  try {
    json = JSON.parse(req.rawBody);
  } catch (error) {
    return { status: 400, body: { error: 'invalid-json', reason: messageOf(error) } };
  }
  const parsed = parseEvent(json);
  if (!parsed.ok) return { status: 400, body: { error: 'invalid-event', issues: parsed.issues } };
  const claimed = claimedIdentity(parsed.event);
  if (claimed) {
    return {
      status: 403,
      body: {
        error: 'forbidden',
        reason: `with the ingest token the ${claimed.field} may be a cli or token one, not ${claimed.kind}: only the chat and CI routes, which authenticate that person or job, may name one`,
      },
    };
  }
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

/**
 * Whether the event names a chat or CI identity (events/requester.ts). The ingest token proves no person or
 * job, so with it an event may name only an operator at the CLI or the token itself.
 */
const claimedIdentity = (event: CapstanEvent): { field: string; kind: string } | undefined => {
  const data = event.data as { requester?: Requester; voter?: Requester };
  for (const field of ['requester', 'voter'] as const) {
    const who = data[field];
    if (who && !TOKEN_KINDS.has(who.kind)) return { field, kind: who.kind };
  }
  return undefined;
};
const TOKEN_KINDS = new Set<Requester['kind']>(['cli', 'token']);

const authenticate = (req: IngestRequest, secret: string): AuthResult => {
  const signature = header(req.headers, 'x-capstan-signature');
  return signature !== undefined
    ? verifyHmacSignature(signature, req.rawBody, secret)
    : verifyBearer(header(req.headers, 'authorization'), secret);
};
