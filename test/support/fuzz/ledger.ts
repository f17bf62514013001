import type { CapstanEvent } from '../../../events/index.ts';
import { parseEvent } from '../../../events/index.ts';
import { eventQueues, type QueueName, queues, type RoutedEventType } from '../../../lib/topology.ts';
import type { ExpectedEvent } from './case.ts';

/**
 * SQS FIFO drops a message whose deduplication id (the event id, lib/queue/send.ts) it saw in the last 5 minutes; a
 * standard queue keeps every one.
 */
export const DEDUP_WINDOW_MS = 300_000;
// Ids accepted close to a window's end may land on either side of it (clocks of test and queue differ a little).
const SLACK_MS = 10_000;

interface Accepted {
  /** The route that first accepted it, to which its message is counted. */
  readonly route: string;
  /** When each 202 named the id, and the queue it went to: an id may be reused across types (and queues). */
  readonly times: number[];
  readonly queues: QueueName[];
  /** The event each of those requests meant, when known exactly. */
  readonly meant: ExpectedEvent[];
  /** Otherwise, checks of the event against the body that was sent. */
  readonly loose: ((event: CapstanEvent) => string | undefined)[];
}

/** Every event id a 202 named, and what the queue must hold for it. */
export class Ledger {
  private readonly accepted = new Map<string, Accepted>();
  /** Per route: events named by 202s, counting repeats (what was sent before SQS deduplicated), and distinct ids. */
  readonly sends: Record<string, number> = {};
  readonly distinct: Record<string, number> = {};
  /** Message bodies drained from the queues the edge sends to, and any found on the others (where none belong). */
  readonly received: string[] = [];
  readonly strays: string[] = [];
  /** Per route, after check(): messages found on the queue. */
  readonly enqueued: Record<string, number> = {};

  accept(
    route: string,
    id: string,
    at: number,
    queue: QueueName,
    meant?: ExpectedEvent,
    loose?: (event: CapstanEvent) => string | undefined,
  ) {
    let entry = this.accepted.get(id);
    if (!entry) {
      entry = { route, times: [], queues: [], meant: [], loose: [] };
      this.accepted.set(id, entry);
      this.distinct[route] = (this.distinct[route] ?? 0) + 1;
    }
    entry.times.push(at);
    entry.queues.push(queue);
    if (meant) entry.meant.push(meant);
    if (loose) entry.loose.push(loose);
    this.sends[route] = (this.sends[route] ?? 0) + 1;
  }

  /**
   * The queue's contents against what was accepted: each message a valid capstan event, of an accepted id, the
   * event one of its requests meant; and per id exactly one message per dedup window. Returns the problems.
   */
  check(bodies: readonly string[]): string[] {
    const problems: string[] = [];
    // Per queue and id: SQS deduplicates per FIFO queue; a standard queue (heal) keeps every send, and
    // deduplication is its consumer's, on the event id.
    const copies = new Map<string, number>();
    const copyKey = (queue: QueueName, id: string) => `${queue}#${id}`;
    for (const body of bodies) {
      let parsed: ReturnType<typeof parseEvent>;
      try {
        parsed = parseEvent(JSON.parse(body));
      } catch (error) {
        problems.push(`a message that is not JSON (${(error as Error).message}): ${body.slice(0, 200)}`);
        continue;
      }
      if (!parsed.ok) {
        problems.push(`an invalid event enqueued (${parsed.issues.join('; ')}): ${body.slice(0, 200)}`);
        continue;
      }
      const event = parsed.event;
      const routed = eventQueues[event.type as RoutedEventType];
      if (!routed) {
        problems.push(`an event of a type no queue carries: ${event.type}`);
        continue;
      }
      const key = copyKey(routed.queue, event.id);
      copies.set(key, (copies.get(key) ?? 0) + 1);
      const entry = this.accepted.get(event.id);
      if (!entry) {
        problems.push(`an event no 202 named: ${JSON.stringify(event.id)}`);
        continue;
      }
      this.enqueued[entry.route] = (this.enqueued[entry.route] ?? 0) + 1;
      const differences = [...entry.meant.map((m) => m.differs(event)), ...entry.loose.map((l) => l(event))];
      if (!differences.includes(undefined)) {
        problems.push(
          `event ${JSON.stringify(event.id)} is none of the requests accepted for it: ${differences.join(' | ')}`,
        );
      }
    }
    for (const [id, entry] of this.accepted) {
      for (const queue of new Set(entry.queues)) {
        const times = entry.times.filter((_, i) => entry.queues[i] === queue);
        const [least, most] = queues[queue].fifo ? windows(times) : [times.length, times.length];
        const n = copies.get(copyKey(queue, id)) ?? 0;
        if (n < least || n > most) {
          problems.push(
            `event ${JSON.stringify(id)} enqueued ${n} times on ${queue}, accepted ${times.length} times for it (expected ${least === most ? least : `${least}-${most}`})`,
          );
        }
      }
    }
    return problems;
  }
}

/** How many messages SQS keeps for sends at these times: one per dedup window, a window opened by a kept send. */
const windows = (times: readonly number[]): [number, number] => {
  const count = (window: number) => {
    let kept = 0;
    let opened = Number.NEGATIVE_INFINITY;
    for (const t of [...times].sort((a, b) => a - b)) {
      if (t - opened >= window) {
        kept++;
        opened = t;
      }
    }
    return kept;
  };
  return [count(DEDUP_WINDOW_MS + SLACK_MS), count(DEDUP_WINDOW_MS - SLACK_MS)];
};
