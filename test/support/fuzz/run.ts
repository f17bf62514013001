import fc from 'fast-check';
import type { CapstanEvent } from '../../../events/index.ts';
import type { QueueName } from '../../../lib/topology.ts';
import { acceptedIds, type FuzzCase } from './case.ts';
import type { FuzzEdge } from './edge.ts';
import { type RawAnswer, type RawRequest, send } from './http.ts';
import type { Ledger } from './ledger.ts';
import { drainQueue, messagesLeft } from './queue.ts';
import { acceptedOf, type RouteFuzzSpec, routeCases } from './route-spec.ts';

export interface RouteFigures {
  readonly route: string;
  readonly cases: number;
  readonly requests: number;
  /** Answers by status. */
  readonly byStatus: Record<string, number>;
  readonly byKind: Record<string, number>;
  /** Valid requests (replays included) sent, and those answered 202. */
  readonly validSent: number;
  readonly validAccepted: number;
  /** Sending and checking the answers, then draining what the route enqueued. */
  readonly seconds: number;
  readonly drainSeconds: number;
}

export interface FuzzOptions {
  readonly runs: number;
  readonly seed: number;
}

const bump = (counts: Record<string, number>, key: string) => {
  counts[key] = (counts[key] ?? 0) + 1;
};

/** Secrets never go into a failure report: credentials are shown by length only. */
const redact = (r: RawRequest) =>
  JSON.stringify({
    path: r.path.replace(/^(\/hooks\/dockerhub\/).+/, '$1<secret>'),
    headers: Object.fromEntries(
      Object.entries(r.headers).map(([k, v]) =>
        /authorization|signature|token/.test(k) ? [k, `<${String(v).length} chars>`] : [k, v],
      ),
    ),
    body:
      r.body.length > 300
        ? `${r.body.subarray(0, 300).toString('utf8')}... (${r.body.length} bytes)`
        : r.body.toString('utf8'),
  });

/**
 * Fuzzes one route: `runs` generated cases against the running edge, each answer checked as it comes (never a
 * 5xx, always one of the case's answers, a valid request's 202 naming exactly its events), every accepted event
 * written to the ledger, which checkQueues holds the queue to. fast-check puts its seed in every failure message.
 */
export const fuzzRoute = async (
  edge: FuzzEdge,
  spec: RouteFuzzSpec,
  ledger: Ledger,
  o: FuzzOptions,
): Promise<RouteFigures> => {
  const byStatus: Record<string, number> = {};
  const byKind: Record<string, number> = {};
  let cases = 0;
  let requests = 0;
  let validSent = 0;
  let validAccepted = 0;
  const started = Date.now();

  const exchange = async (c: FuzzCase, request: RawRequest): Promise<RawAnswer> => {
    requests++;
    return send(edge.url, request).catch((error) => {
      throw new Error(`${spec.name} ${c.kind} (${c.note}): no answer: ${(error as Error).message}`);
    });
  };

  const property = fc.asyncProperty(routeCases(spec), async (c) => {
    cases++;
    bump(byKind, c.kind);
    const request = c.request(Math.floor(Date.now() / 1000));
    const events = typeof c.events === 'function' ? c.events(request) : c.events;
    const valid = c.kind === 'valid' || c.kind === 'replay';
    for (let i = 0; i < c.sends; i++) {
      const answer = await exchange(c, request);
      bump(byStatus, String(answer.status));
      if (valid) validSent++;
      const fail = (why: string) =>
        new Error(
          `${spec.name} ${c.kind} (${c.note}): ${why}; answered ${answer.status} ${answer.body.slice(0, 300)}; ` +
            `request ${redact(request)}`,
        );
      if (answer.status >= 500) throw fail('a 5xx');
      const expect = i > 0 && c.resent ? c.resent.expect : c.expect;
      if (!expect.includes(answer.status)) throw fail(`expected ${expect.join(' or ')}`);
      const unlike = i > 0 && c.resent ? c.resent.differs?.(answer.body) : c.says?.(answer.body);
      if (unlike) throw fail(i > 0 ? `sent again: ${unlike}` : unlike);
      if (answer.status !== acceptedOf(spec)) continue;
      if (valid) validAccepted++;
      const ids = (spec.acceptedIdsOf ?? acceptedIds)(answer.body);
      if (events && JSON.stringify(ids) !== JSON.stringify(events.map((e) => e.id))) {
        throw fail(`accepted ${JSON.stringify(ids)}, meant ${JSON.stringify(events.map((e) => e.id))}`);
      }
      const at = Date.now();
      const queue = (JSON.parse(answer.body) as { queue?: QueueName }).queue ?? spec.queue ?? 'deploy';
      ids.forEach((id, n) => {
        const meant = events?.[n];
        const loose = meant ? undefined : (event: CapstanEvent) => spec.corresponds(request.body, event);
        ledger.accept(spec.name, id, at, queue, meant, loose);
      });
    }
  });
  await fc.assert(property, { numRuns: o.runs, seed: o.seed, includeErrorInReport: true });
  const seconds = (Date.now() - started) / 1000;
  // Drained route by route, so no drain at the end has a whole run's messages to fetch. SQS (and ElasticMQ)
  // still deduplicate an id whose message was deleted, so this changes nothing in what the queue keeps.
  await drainInto(edge, ledger);
  return {
    route: spec.name,
    cases,
    requests,
    byStatus,
    byKind,
    validSent,
    validAccepted,
    seconds,
    drainSeconds: (Date.now() - started) / 1000 - seconds,
  };
};

/** The queues the edge sends to (the types of publicEventTypes), and those where it must send nothing. */
const SENT_TO = ['deploy', 'heal', 'scale', 'approvals'] as const;
const NEVER = ['rollout', 'registry', 'kubeEvents', 'alarms'] as const;

const drainInto = async (edge: FuzzEdge, ledger: Ledger) => {
  const [sent, strays] = await Promise.all([
    Promise.all(SENT_TO.map((q) => drainQueue(edge.sqs, edge.queues[q].url))),
    Promise.all(NEVER.map((q) => drainQueue(edge.sqs, edge.queues[q].url))),
  ]);
  ledger.received.push(...sent.flat());
  ledger.strays.push(...strays.flat());
};

/**
 * Drains the edge's queues a last time and holds everything received to the ledger: every message a valid event
 * some 202 accepted and meant, one per distinct id (per dedup window) on the FIFO deploy queue and one per 202 on
 * the standard heal queue, nothing on the queues the edge never sends to, nothing left.
 * Returns the problems found.
 */
export const checkQueues = async (edge: FuzzEdge, ledger: Ledger): Promise<string[]> => {
  await drainInto(edge, ledger);
  let left = 0;
  for (const q of [...SENT_TO, ...NEVER]) left += await messagesLeft(edge.sqs, edge.queues[q].url);
  return [
    ...ledger.check(ledger.received),
    ...ledger.strays.map((b) => `a message on a queue where the edge sends nothing: ${b.slice(0, 200)}`),
    ...(left ? [`${left} message(s) left on the queues after draining`] : []),
  ];
};

/** One line per route: requests, answers by status, valid ones accepted, events enqueued, duplicates dropped. */
export const formatFigures = (all: readonly RouteFigures[], ledger: Ledger, seed: number): string => {
  const statuses = [...new Set(all.flatMap((f) => Object.keys(f.byStatus)))].sort();
  const header = [
    'route',
    'cases',
    'requests',
    ...statuses.map((s) => `HTTP ${s}`),
    'valid sent',
    'valid 202',
    'events 202',
    'distinct',
    'enqueued',
    'dups dropped',
    'seconds',
    'req/s',
    'drain s',
  ];
  const rows = all.map((f) => [
    f.route,
    f.cases,
    f.requests,
    ...statuses.map((s) => f.byStatus[s] ?? 0),
    f.validSent,
    f.validAccepted,
    ledger.sends[f.route] ?? 0,
    ledger.distinct[f.route] ?? 0,
    ledger.enqueued[f.route] ?? 0,
    (ledger.sends[f.route] ?? 0) - (ledger.enqueued[f.route] ?? 0),
    f.seconds.toFixed(1),
    Math.round(f.requests / f.seconds),
    f.drainSeconds.toFixed(1),
  ]);
  const table = [header, ...rows].map((r) => r.map(String));
  const widths = header.map((_, i) => Math.max(...table.map((r) => r[i]?.length ?? 0)));
  const lines = table.map((r) => r.map((cell, i) => cell.padStart(widths[i] ?? 0)).join('  '));
  return [
    `webhook fuzz, fast-check seed ${seed} (+ the route's index; replay with CAPSTAN_FUZZ_SEED=${seed})`,
    ...lines,
    `cases by kind: ${all
      .map(
        (f) =>
          `${f.route} ${Object.entries(f.byKind)
            .map(([k, n]) => `${k}=${n}`)
            .join(' ')}`,
      )
      .join('; ')}`,
  ].join('\n');
};
