import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { REVISION_ANNOTATION } from '../../lib/deploy/render/manifests.ts';
import type { KubeClients } from '../../lib/kube/connect.ts';
import type { Db } from '../../lib/store/db.ts';
import { type HistoryEntry, HistoryEntrySchema } from '../../lib/store/history.ts';
import { type Release, ReleaseSchema } from '../../lib/store/releases.ts';
import type { QueueName } from '../../lib/topology.ts';
import type { DeployRequest, Poison } from './events.ts';
import type { QueuePair } from './fleet.ts';

/** A history entry as stored, with whatever fields the schema of this version does not know (a code). */
export type StoredEntry = HistoryEntry;

export interface TableState {
  readonly releases: Release[];
  readonly history: StoredEntry[];
}

/** Every release and history entry of the table (DynamoDB Local, a few thousand items at most). */
export const readTable = async (db: Db): Promise<TableState> => {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.doc.send(
      new ScanCommand({ TableName: db.table, ExclusiveStartKey: start, ConsistentRead: true }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  const pk = (i: Record<string, unknown>) => String(i.PK);
  const sk = (i: Record<string, unknown>) => String(i.SK);
  return {
    releases: items
      .filter((i) => pk(i).startsWith('REL#') && sk(i).startsWith('REV#'))
      .map((i) => ReleaseSchema.parse(i)),
    history: items.filter((i) => pk(i).startsWith('HIST#APP#')).map((i) => HistoryEntrySchema.parse(i)),
  };
};

export interface DeadLetter {
  readonly queue: QueueName;
  readonly body: string;
  readonly reason?: string;
}

/** Takes every message off the DLQs (they are the suite's own; nothing else reads them). */
export const drainDeadLetters = async (sqs: SQSClient, urls: Record<QueueName, QueuePair>): Promise<DeadLetter[]> => {
  const found: DeadLetter[] = [];
  for (const [queue, pair] of Object.entries(urls) as [QueueName, QueuePair][]) {
    for (;;) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: pair.dlqUrl,
          MaxNumberOfMessages: 10,
          MessageAttributeNames: ['All'],
          WaitTimeSeconds: 1,
          VisibilityTimeout: 600,
        }),
      );
      if (Messages.length === 0) break;
      for (const m of Messages) {
        found.push({ queue, body: m.Body ?? '', reason: m.MessageAttributes?.reason?.StringValue });
      }
    }
  }
  return found;
};

/** The app's Deployment as one cluster has it now. */
export interface LiveDeployment {
  readonly app: string;
  readonly cluster: string;
  readonly generation: number;
  readonly revision: number;
  readonly image?: string;
}

export const readDeployments = async (
  clusters: readonly KubeClients[],
  apps: readonly string[],
): Promise<LiveDeployment[]> => {
  const reads = clusters.flatMap((kube) =>
    apps.map(async (app): Promise<LiveDeployment | undefined> => {
      const d = await kube.apps.readNamespacedDeployment({ name: app, namespace: app }).catch(() => undefined);
      if (!d) return undefined;
      return {
        app,
        cluster: kube.cluster,
        generation: d.metadata?.generation ?? 0,
        revision: Number(d.metadata?.annotations?.[REVISION_ANNOTATION] ?? 0),
        image: d.spec?.template.spec?.containers[0]?.image,
      };
    }),
  );
  return (await Promise.all(reads)).filter((d): d is LiveDeployment => d !== undefined);
};

/** What the suite sent. */
export interface Sent {
  /** Valid deploy requests the edge accepted (202) at least once. */
  readonly accepted: DeployRequest[];
  /** Every delivery of those: posts to the edge plus copies sent straight to the queue. */
  readonly deliveries: number;
  readonly poison: Poison[];
}

export interface Figures {
  readonly eventsIn: { readonly valid: number; readonly poison: number };
  readonly deliveries: number;
  readonly releases: Record<string, number>;
  readonly duplicatesDropped: number;
  readonly retries: { readonly consumers: number; readonly applyFailures: number };
  readonly injected: Record<string, number>;
  readonly deadLetters: Record<string, number>;
  readonly lost: string[];
  readonly doubled: string[];
  readonly failuresWithoutCode: string[];
  readonly poisonUnaccounted: string[];
}

const APPLIED = new Set(['created', 'configured']);
const FAILURES = new Set(['failed', 'refused', 'skipped']);

/**
 * The invariants, computed from the table, the clusters and the DLQs:
 * - lost: an accepted event with neither a release nor any history entry of its own;
 * - doubled: two releases for one event; a cluster that took two changing applies of one release
 *   revision (a repeat after a crash must say `unchanged`); a Deployment changed more often than the
 *   app had releases, or not running the newest release that reached it;
 * - every failure, refusal and skip with its code (once the store has codes);
 * - every poison message in its DLQ with a reason, and its rejection in the history where it has an id.
 */
export const computeFigures = (
  sent: Sent,
  table: TableState,
  live: readonly LiveDeployment[],
  deadLetters: readonly DeadLetter[],
  extra: { consumerRetries: number; injected: Record<string, number> },
): Figures => {
  const eventIds = new Set(table.history.map((e) => e.eventId));
  const releasesByEvent = new Map<string, Release[]>();
  for (const r of table.releases) releasesByEvent.set(r.eventId, [...(releasesByEvent.get(r.eventId) ?? []), r]);

  const lost = sent.accepted
    .filter((e) => !releasesByEvent.has(e.id) && !eventIds.has(e.id))
    .map((e) => `${e.data.app}: ${e.id}`);

  const doubled: string[] = [];
  for (const [id, rs] of releasesByEvent) {
    if (rs.length > 1)
      doubled.push(`event ${id} made ${rs.length} releases (${rs.map((r) => `#${r.revision}`).join(', ')})`);
  }
  const applies = new Map<string, Set<string>>();
  for (const e of table.history) {
    if (e.action !== 'apply' || !APPLIED.has(e.outcome)) continue;
    const key = `${e.app}#${e.revision}@${e.cluster}`;
    applies.set(key, new Set([...(applies.get(key) ?? []), `${e.outcome} by ${e.eventId}`]));
  }
  for (const [key, changes] of applies) {
    if (changes.size > 1)
      doubled.push(`${key} applied ${changes.size} times with a change: ${[...changes].join('; ')}`);
  }
  for (const d of live) {
    // Each release changes a Deployment's spec at most once (its image differs from every other's).
    const ofApp = table.releases.filter((r) => r.app === d.app);
    if (d.generation > ofApp.length) {
      doubled.push(`${d.app}@${d.cluster}: Deployment generation ${d.generation} after ${ofApp.length} release(s)`);
    }
    // It runs a release of its own, no older than the newest one recorded as applied there.
    const recorded = ofApp.filter((r) => r.clusters[d.cluster] && r.clusters[d.cluster]?.apply !== 'failed');
    const newest = Math.max(0, ...recorded.map((r) => r.revision));
    if (!ofApp.some((r) => r.revision === d.revision) || d.revision < newest) {
      doubled.push(`${d.app}@${d.cluster}: runs release #${d.revision}, the newest recorded there is #${newest}`);
    }
  }

  const failuresWithoutCode = table.history
    .filter((e) => FAILURES.has(e.outcome) && (!e.code || e.code === 'unknown'))
    .map((e) => `${e.app} ${e.action} ${e.outcome}: ${e.reason ?? ''}`.slice(0, 160));

  const poisonUnaccounted = sent.poison
    .filter((p) => {
      const dead = deadLetters.find((d) => d.queue === p.queue && d.body === p.body);
      // A valid event about nothing (an ECR push of a repository no app tracks) is rightly not poison at all.
      if (!dead) return !(p.queue === 'registry' && p.kind === 'unknown-target');
      if (!dead.reason) return true;
      return (
        p.eventId !== undefined &&
        p.queue !== 'registry' &&
        !table.history.some((e) => e.eventId === p.eventId && e.outcome === 'refused')
      );
    })
    .map((p) => `${p.queue} ${p.kind}`);

  const releases: Record<string, number> = { total: table.releases.length };
  for (const r of table.releases) releases[r.status] = (releases[r.status] ?? 0) + 1;
  const deadLetterReasons: Record<string, number> = {};
  for (const d of deadLetters) {
    const reason = `${d.queue}: ${(d.reason ?? '(no reason)').replace(/[0-9a-f]{8,}/g, '…').slice(0, 110)}`;
    deadLetterReasons[reason] = (deadLetterReasons[reason] ?? 0) + 1;
  }
  const released = sent.accepted.filter((e) => releasesByEvent.has(e.id) || eventIds.has(e.id)).length;
  return {
    eventsIn: { valid: sent.accepted.length, poison: sent.poison.length },
    deliveries: sent.deliveries,
    releases,
    duplicatesDropped: sent.deliveries - released,
    retries: {
      consumers: extra.consumerRetries,
      applyFailures: table.history.filter((e) => e.action === 'apply' && e.outcome === 'failed').length,
    },
    injected: extra.injected,
    deadLetters: deadLetterReasons,
    lost,
    doubled,
    failuresWithoutCode,
    poisonUnaccounted,
  };
};

/** The figures as the suite prints them. */
export const formatFigures = (f: Figures, scenario: Record<string, string>): string => {
  const rows: [string, string][] = [
    ...Object.entries(scenario),
    [
      'events in',
      `${f.eventsIn.valid} valid + ${f.eventsIn.poison} poison (${f.deliveries} deliveries of the valid ones)`,
    ],
    [
      'releases',
      Object.entries(f.releases)
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
    ],
    ['duplicates dropped', String(f.duplicatesDropped)],
    [
      'retries',
      `${f.retries.consumers} consumer retries, ${f.retries.applyFailures} failed cluster applies retried or recorded`,
    ],
    [
      'faults injected',
      Object.entries(f.injected)
        .map(([k, v]) => `${k} x${v}`)
        .join(', ') || 'none',
    ],
    ['DLQ entries', String(Object.values(f.deadLetters).reduce((a, b) => a + b, 0))],
    ...Object.entries(f.deadLetters).map(([reason, n]): [string, string] => [`  ${n} x`, reason]),
    ['lost', String(f.lost.length)],
    ['doubled', String(f.doubled.length)],
    ['failures without code', String(f.failuresWithoutCode.length)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
};
