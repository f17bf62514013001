import fc from 'fast-check';
import type { CapstanEvent } from '../../../events/index.ts';
import { MAX_EVENT_BODY_BYTES, MAX_HOOK_BODY_BYTES } from '../../../lib/ingest/body.ts';
import type { QueueName } from '../../../lib/topology.ts';
import type { Events, FuzzCase, Resent } from './case.ts';
import { byteMutation, jsonMutation, undecodable, withBom } from './mutate.ts';

/** A request a producer really sends: the payload, what it must enqueue, and its other headers. */
export interface Produced {
  readonly note: string;
  readonly payload: unknown;
  readonly events: Events;
  readonly contentType: string;
  /** Headers besides credential and content type (GitHub's X-GitHub-Event and X-GitHub-Delivery). */
  readonly headers?: Readonly<Record<string, string>>;
  /** The body from the JSON text, when the producer encodes it (GitHub's form encoding). */
  readonly encode?: (json: string) => string;
  /** What the answer to it as it is must say (FuzzCase.says). */
  readonly says?: (answerBody: string) => string | undefined;
}

export interface Credential {
  readonly note: string;
  /**
   * The headers and path that carry it, for this body at this time (signatures cover both); and the body itself
   * when the credential travels in it (Mattermost's buttons: capstan's MAC inside the JSON's `context`).
   */
  readonly apply: (
    body: Buffer,
    nowSeconds: number,
  ) => { headers: Record<string, string>; path: string; body?: Buffer };
  /** The answer a bad credential gets (401 unless the path itself no longer matches: 404). */
  readonly expect?: readonly number[];
}

/** A change that certainly makes the payload invalid for its producer's format: answered 400. */
export interface Breaker {
  readonly note: string;
  readonly apply: (payload: any) => unknown;
}

/** A breaker that changes the payload in place (it is given a copy). */
export const inPlace =
  (change: (payload: any) => void) =>
  (payload: any): unknown => {
    change(payload);
    return payload;
  };

export interface RouteFuzzSpec {
  readonly name: string;
  /** The answer to an accepted request: 202, or 200 for Alertmanager's route (a notification taken whole). */
  readonly acceptedStatus?: number;
  /** The ids an accepted answer names (default: its `accepted`; Slack's routes answer in words). */
  readonly acceptedIdsOf?: (answerBody: string) => string[];
  /** The queue a hook's events go to (the registries': deploy); `/events` names it in each answer. */
  readonly queue?: QueueName;
  readonly valid: fc.Arbitrary<Produced>;
  /** Valid, but not a tag push (a pull, a blob, a ping): 202 and nothing enqueued. */
  readonly ignored?: fc.Arbitrary<Produced>;
  readonly breakers: fc.Arbitrary<Breaker>;
  readonly credential: fc.Arbitrary<Credential>;
  readonly badCredential: fc.Arbitrary<Credential>;
  /** The header the credential travels in, for duplicate-header cases (none: Docker Hub's is the path). */
  readonly credentialHeader?: string;
  /** The Content-Types the route takes (lib/sources/index.ts); `/events` takes any. */
  readonly contentTypes: readonly string[];
  /** Whether a wrong Content-Type is a 415 (the registry routes) or not looked at (`/events`). */
  readonly checksContentType: boolean;
  /** Answers a mutated payload may get: the route's refusal of content, or a 202 when it still means a push. */
  readonly mutationExpect: readonly number[];
  /** For a 202 to a mutated request: undefined when `event` can have come from `body`, else why not. */
  readonly corresponds: (body: Buffer, event: CapstanEvent) => string | undefined;
  /**
   * Whether the body is a bare form whose fields are the payload (Slack's slash command): cut short, it is still a
   * form, and may still mean a request, so truncation is a mutation there, not an undecodable body.
   */
  readonly bareForm?: boolean;
  /**
   * The answers to a valid request sent again (default: accepted again, the same events): a CI token is used
   * once, so its second use is refused as replayed.
   */
  readonly resent?: Resent;
  /** Cases of this route only (replay windows, event types the edge refuses, encoded paths). */
  readonly extra?: readonly { weight: number; arbitrary: fc.Arbitrary<FuzzCase> }[];
}

/**
 * Above the route's own limit (lib/ingest/body.ts: /events takes less than a registry's batch of
 * notifications), the 5 MB, and above lib/runtime/http.ts's 6 MiB.
 */
const oversize = (route: string) => {
  const limit = route === 'events' ? MAX_EVENT_BODY_BYTES : MAX_HOOK_BODY_BYTES;
  return fc.oneof(
    { weight: 5, arbitrary: fc.integer({ min: limit + 1, max: limit * 2 }) },
    { weight: 1, arbitrary: fc.constant(5 * 1024 * 1024) },
    // Beyond what Lambda is handed (6 MiB): refused by the server before the function runs.
    { weight: 1, arbitrary: fc.constant(6 * 1024 * 1024 + 1) },
  );
};

const wrongContentTypes = [
  'text/plain',
  'application/xml',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  'application/x-www-form-urlencoded',
  'application/json-patch+json',
  'json',
  '',
];

export const bodyOf = (p: Produced, payload: unknown = p.payload) =>
  Buffer.from((p.encode ?? ((json: string) => json))(JSON.stringify(payload)), 'utf8');

/** `null`: no Content-Type header at all. */
const headersOf = (p: Produced, contentType: string | readonly string[] | null = p.contentType) => ({
  ...(contentType === null ? {} : { 'content-type': contentType }),
  ...p.headers,
});

const requestOf =
  (credential: Credential, body: Buffer, headers: Record<string, string | readonly string[]>) => (now: number) => {
    const c = credential.apply(body, now);
    return { path: c.path, headers: { ...headers, ...c.headers }, body: c.body ?? body };
  };

/** What the route answers a request it accepted. */
export const acceptedOf = (spec: RouteFuzzSpec): number => spec.acceptedStatus ?? 202;

/**
 * Every kind of request for one route, weighted: most are valid (the point is that each is accepted once) or
 * near misses of valid ones; each kind says which answers are right for it.
 */
export const routeCases = (spec: RouteFuzzSpec): fc.Arbitrary<FuzzCase> => {
  const ok = acceptedOf(spec);
  const valid = fc.tuple(spec.valid, spec.credential);
  const sent = (p: Produced, c: Credential) => `${p.note}; ${c.note}`;
  /** The producer's request as it is, with this credential: accepted with its events unless `how` says else. */
  const asIs = (kind: FuzzCase['kind'], p: Produced, c: Credential, how: Partial<FuzzCase> = {}): FuzzCase => ({
    kind,
    note: sent(p, c),
    request: requestOf(c, bodyOf(p), headersOf(p)),
    sends: 1,
    expect: [ok],
    events: p.events,
    ...(p.says ? { says: p.says } : {}),
    authOk: true,
    ...how,
  });
  const kinds: { weight: number; arbitrary: fc.Arbitrary<FuzzCase> }[] = [
    { weight: 30, arbitrary: valid.map(([p, c]) => asIs('valid', p, c)) },
    {
      weight: 8,
      arbitrary: fc.tuple(valid, fc.integer({ min: 2, max: 3 })).map(([[p, c], n]) =>
        asIs('replay', p, c, {
          sends: n,
          note: `${sent(p, c)}; sent ${n} times`,
          ...(spec.resent ? { resent: spec.resent } : {}),
        }),
      ),
    },
    ...(spec.ignored
      ? [{ weight: 6, arbitrary: fc.tuple(spec.ignored, spec.credential).map(([p, c]) => asIs('ignored', p, c)) }]
      : []),
    {
      weight: 10,
      arbitrary: fc.tuple(spec.valid, spec.breakers, spec.credential).map(([p, b, c]) => ({
        kind: 'invalid',
        note: `${sent(p, c)}; ${b.note}`,
        request: requestOf(c, bodyOf(p, b.apply(structuredClone(p.payload))), headersOf(p)),
        sends: 1,
        expect: [400],
        authOk: true,
      })),
    },
    {
      weight: 12,
      arbitrary: valid.chain(([p, c]) =>
        jsonMutation(p.payload).map((m) => ({
          kind: 'mutated' as const,
          note: `${sent(p, c)}; ${m.note}`,
          request: requestOf(c, bodyOf(p, m.apply(p.payload)), headersOf(p)),
          sends: 1,
          expect: spec.mutationExpect,
          authOk: true,
        })),
      ),
    },
    {
      weight: 5,
      arbitrary: fc.tuple(valid, byteMutation).map(([[p, c], m]) => ({
        kind: 'encoding',
        note: `${sent(p, c)}; ${m.note}`,
        request: requestOf(c, m.apply(bodyOf(p)), headersOf(p)),
        sends: 1,
        // A signature is over the bytes sent; the edge verifies the body as text, and invalid UTF-8 does not
        // survive that, so a signed route may refuse such a body as unauthenticated.
        expect: [...spec.mutationExpect, 401],
        authOk: true,
      })),
    },
    {
      weight: 4,
      arbitrary: fc
        .tuple(valid, fc.oneof(undecodable, fc.constant({ note: 'UTF-8 BOM first', apply: withBom })))
        .map(([[p, c], m]) => ({
          kind: 'encoding',
          note: `${sent(p, c)}; ${m.note}`,
          request: requestOf(c, m.apply(bodyOf(p)), headersOf(p)),
          sends: 1,
          // 401 as for byte damage: a signature over bytes that are not UTF-8 does not survive the edge's decoding.
          expect: spec.bareForm && m.note === 'truncated' ? [...spec.mutationExpect, 401] : [400, 401],
          authOk: true,
        })),
    },
    {
      weight: 5,
      arbitrary: fc
        .tuple(
          valid,
          fc.constantFrom(...wrongContentTypes.filter((t) => !spec.contentTypes.includes(t)), undefined),
          fc.boolean(),
        )
        .map(([[p, c], wrong, same]) => {
          // The producer's own type in another case and with parameters is still its type.
          const type = same ? `${p.contentType.toUpperCase()}; charset=utf-8` : wrong;
          const refused = !same && spec.checksContentType;
          return {
            kind: 'content-type' as const,
            note: `${sent(p, c)}; content-type ${JSON.stringify(type ?? null)}`,
            request: requestOf(c, bodyOf(p), headersOf(p, type ?? null)),
            sends: 1,
            expect: refused ? [415] : same ? [ok] : [ok, 415],
            ...(refused ? {} : { events: p.events }),
            authOk: true,
          };
        }),
    },
    {
      weight: 3,
      arbitrary: fc.tuple(spec.valid, spec.credential, oversize(spec.name)).map(([p, c, size]) => {
        const padded = { ...(p.payload as object), padding: 'x'.repeat(size) };
        return {
          kind: 'oversized' as const,
          note: `${sent(p, c)}; padded to ${size} bytes`,
          request: requestOf(c, bodyOf(p, padded), headersOf(p)),
          sends: 1,
          expect: [413],
          authOk: true,
        };
      }),
    },
    {
      weight: 10,
      arbitrary: fc
        .tuple(spec.valid, spec.badCredential)
        .map(([p, c]) =>
          asIs('bad-auth', p, c, { expect: c.expect ?? [401], events: undefined, says: undefined, authOk: false }),
        ),
    },
    {
      weight: 4,
      arbitrary: fc
        .tuple(spec.valid, spec.credential, spec.badCredential, fc.boolean(), fc.boolean())
        .map(([p, good, bad, goodFirst, credential]) => duplicated(spec, p, good, bad, goodFirst, credential)),
    },
    ...(spec.extra ?? []),
  ];
  return fc.oneof(...kinds);
};

/**
 * The credential header or the content type sent twice, one right and one wrong, in either order: node keeps the
 * first Authorization and Content-Type and joins other repeats with ", ". Either answer is right as long as a 202
 * enqueued exactly the request's events.
 */
const duplicated = (
  spec: RouteFuzzSpec,
  p: Produced,
  good: Credential,
  bad: Credential,
  goodFirst: boolean,
  credential: boolean,
): FuzzCase => {
  const body = bodyOf(p);
  const order = <T>(a: T, b: T) => (goodFirst ? [a, b] : [b, a]);
  const name = spec.credentialHeader;
  const request =
    credential && name
      ? (now: number) => {
          const g = good.apply(body, now);
          const b = bad.apply(body, now);
          const values = order(g.headers[name], b.headers[name]).filter((v): v is string => v !== undefined);
          return { path: g.path, headers: { ...headersOf(p), ...b.headers, ...g.headers, [name]: values }, body };
        }
      : requestOf(good, body, headersOf(p, order(p.contentType, 'text/plain')));
  return {
    kind: 'dup-header',
    note: `${p.note}; ${credential && name ? name : 'content-type'} twice, ${goodFirst ? 'right' : 'wrong'} one first`,
    request,
    sends: 1,
    // 431: the wrong one may be the 20 KB token, past node's header limit; or what the wrong one is answered.
    expect: [acceptedOf(spec), 401, 415, 431, ...(bad.expect ?? [])],
    events: p.events,
    authOk: false,
  };
};

/**
 * For a 202 to a mutated registry webhook: the event must be the producer's image.pushed, and its tag and the
 * last part of its repository must be in what was sent (in the case the producer sent them, or as a form field).
 */
export const pushFrom =
  (producer: string) =>
  (body: Buffer, event: CapstanEvent): string | undefined => {
    if (event.type !== 'image.pushed' || event.data.producer !== producer) return `not a ${producer} image.pushed`;
    const text = body.toString('utf8');
    let form = '';
    try {
      form = new URLSearchParams(text).get('payload') ?? '';
    } catch {}
    const sent = `${text}\n${form}`.toLowerCase();
    const name = event.data.repository.split('/').pop() ?? '';
    const found = [event.data.tag ?? '', name].every((part) => sent.includes(part.toLowerCase()));
    return found ? undefined : `${event.data.repository}:${event.data.tag} is not in the body sent`;
  };
