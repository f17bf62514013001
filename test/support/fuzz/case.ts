import type { CapstanEvent } from '../../../events/index.ts';
import type { RawRequest } from './http.ts';

/** What a generated request is, for the figures and for what its answer must be. */
export type CaseKind =
  | 'valid'
  | 'replay'
  | 'ignored'
  | 'invalid'
  | 'mutated'
  | 'encoding'
  | 'content-type'
  | 'oversized'
  | 'bad-auth'
  | 'replay-window'
  | 'dup-header'
  | 'refused-type'
  | 'other-cluster';

export type Events = readonly ExpectedEvent[] | ((request: RawRequest) => readonly ExpectedEvent[]);

/** The answers a request sent again gets, and what its body must say (undefined when it does, else why not). */
export interface Resent {
  readonly expect: readonly number[];
  readonly differs?: (answerBody: string) => string | undefined;
}

/** One event a 202 must enqueue: its id, and whether an enqueued message is that event. */
export interface ExpectedEvent {
  readonly id: string;
  /** Undefined when `event` is the one meant, else what differs. */
  readonly differs: (event: CapstanEvent) => string | undefined;
}

export interface FuzzCase {
  readonly kind: CaseKind;
  /** Says what was generated, without secrets (it is printed when the case fails). */
  readonly note: string;
  /** Built once at send time (signatures carry the clock); a replay sends the very same request again. */
  readonly request: (nowSeconds: number) => RawRequest;
  readonly sends: number;
  /** Every answer that is right for this request; a 5xx never is. */
  readonly expect: readonly number[];
  /**
   * What a 202 must have enqueued, exactly, when the request's meaning is known (valid ones); undefined when a
   * mutation may or may not still mean something, and then an accepted event is checked against the body sent.
   * Read from the request when the credential names the event (a CI token: the event id is its jti's).
   */
  readonly events?: Events;
  /** The answer to the second and later sends of a replay, when not the first's (a CI token is used once). */
  readonly resent?: Resent;
  /**
   * What every answer to it must say, when its status alone does not show it (undefined when it does, else
   * why not): a Teams read answered with the read, a GitLab pipeline passed over for its own reason.
   */
  readonly says?: (answerBody: string) => string | undefined;
  /** The request carries the route's right credential. */
  readonly authOk: boolean;
}

/** The ids a 202 names: `/events` answers one, a hook a list. */
export const acceptedIds = (answerBody: string): string[] => {
  const body = JSON.parse(answerBody) as { accepted?: unknown };
  if (typeof body.accepted === 'string') return [body.accepted];
  if (Array.isArray(body.accepted) && body.accepted.every((id) => typeof id === 'string')) return body.accepted;
  throw new Error(`a 202 without accepted ids: ${answerBody.slice(0, 200)}`);
};

/** An image.pushed the way a producer's push must come out, compared on what the push says. */
export const imageEvent = (want: {
  id: string;
  producer: string;
  registry: string;
  repository: string;
  tag: string;
  digest?: string;
}): ExpectedEvent => ({
  id: want.id,
  differs: (event) => {
    if (event.type !== 'image.pushed') return `type ${event.type}, not image.pushed`;
    const got = pushOf({ id: event.id, ...event.data });
    const meant = pushOf(want);
    return got === meant ? undefined : `got ${got}, meant ${meant}`;
  },
});

const pushOf = (p: {
  id: string;
  producer: string;
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
}) => JSON.stringify([p.id, p.producer, p.registry, p.repository, p.tag, p.digest ?? null]);
