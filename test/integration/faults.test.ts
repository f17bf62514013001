import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { progress } from '../../lib/cli/log.ts';
import type { QueueName } from '../../lib/topology.ts';
import { deployRequest } from '../faults/events.ts';
import {
  computeFigures,
  type DeadLetter,
  drainDeadLetters,
  type Figures,
  formatFigures,
  readDeployments,
  readTable,
  type TableState,
} from '../faults/figures.ts';
import { Fleet, type QueuePair } from '../faults/fleet.ts';
import { faultProfile } from '../faults/profile.ts';
import { deploymentApply, messagesInFlight, Sender, serviceApply, sleep } from '../faults/run.ts';
import { uniqueName } from '../support/aws.ts';
import { connect, localClusters } from '../support/kube.ts';

// The fault suite: real emulators, real clusters, `capstan up` as separate processes (three consumers of
// every queue), the first cluster behind a fault-injecting proxy. One run goes through every fault in
// turn while releases are in flight; the tests below then check the invariants on what it left behind.
const profile = faultProfile();
const log = progress('faults');
const tag = uniqueName('f').slice(2);
const app = (what: string) => `${what}-${tag}`;

let dir: string;
let fleet: Fleet;
let urls: Record<QueueName, QueuePair>;
let sender: Sender;
let table: TableState;
let stuck: string[];
let deadLetters: DeadLetter[];
let figures: Figures;
const crashApp = app('crash');
const slowApp = app('slow');
const stormApps = Array.from({ length: profile.apps }, (_, i) => app(`storm${i + 1}`));
const downApps = Array.from({ length: profile.downApps }, (_, i) => app(`down${i + 1}`));
const restartApps = Array.from({ length: profile.restartApps }, (_, i) => app(`restart${i + 1}`));
/** Releases and history entries in the table just before and just after the emulators' restart. */
let kept: { before: [number, number]; after: [number, number] };
const timeline: [string, string][] = [];
const mark = (what: string, started: number) => {
  const when = `${((Date.now() - started) / 1000).toFixed(0)} s`;
  timeline.push([`  ${timeline.length + 1}. at ${when}`, what]);
  log(`${what} (${when})`);
};

const [proxiedCluster, directCluster] = inject('infra').clusters;
// Longer than the deploy queue's visibility timeout in the suite (45 s), shorter than the deploy
// function's timeout (60 s), after which the handler is aborted as Lambda would.
const HOLD_SECONDS = 52;

/** The storm: every app's versions in a row, duplicated, while the proxied cluster misbehaves. */
const storm = async () => {
  const [a, b, c, d] = stormApps;
  const proxy = fleet.proxy;
  if (a) proxy.inject(deploymentApply(a), { kind: 'status', status: 429, retryAfterSeconds: 1 }, 2);
  if (b) proxy.inject(deploymentApply(b), { kind: 'status', status: 409 }, 1);
  if (c) proxy.inject(deploymentApply(c), { kind: 'status', status: 500 }, 2);
  proxy.inject(serviceApply(d ?? a ?? ''), { kind: 'reset' }, 1);
  proxy.inject({ method: 'GET', path: new RegExp(`/deployments/${b ?? a}(\\?|$)`) }, { kind: 'reset' }, 1);
  const perApp = stormApps.map(async (name) => {
    for (let v = 1; v <= profile.versions; v++) await sender.deliver(deployRequest(name, v));
  });
  await Promise.all([...perApp, sender.sendPoison(tag)]);
};

/** SIGKILL every runtime right after the cluster applied the crash app's Deployment, before any record. */
const crash = async () => {
  let killed!: () => void;
  const done = new Promise<void>((resolve) => {
    killed = resolve;
  });
  fleet.proxy.onUpstreamResponse({ ...deploymentApply(crashApp), status: (s) => s < 300 }, async () => {
    await fleet.killRuntimes();
    killed();
  });
  await sender.deliver(deployRequest(crashApp, 1));
  await done;
  await fleet.startRuntimes();
};

/**
 * The first consumer's apply is held past the queue's visibility timeout: the message comes back to
 * another consumer while the first is still working, then the first finishes too.
 */
const redelivery = async (): Promise<Promise<void>> => {
  let released!: () => void;
  const done = new Promise<void>((resolve) => {
    released = resolve;
  });
  fleet.proxy.onUpstreamResponse({ ...deploymentApply(slowApp), status: (s) => s < 300 }, async () => {
    await sleep(HOLD_SECONDS * 1000);
    released();
  });
  await sender.deliver(deployRequest(slowApp, 1));
  return done;
};

/** The proxied cluster refuses every connection for a while, and releases arrive meanwhile. */
const outage = async () => {
  const { back } = await fleet.proxy.down(profile.downSeconds * 1000);
  await Promise.all(downApps.map((name) => sender.deliver(deployRequest(name, 1))));
  await back;
};

/** Releases in flight, then DynamoDB Local and ElasticMQ stopped and started again on their data. */
const emulatorRestart = async () => {
  await Promise.all(restartApps.map((name) => sender.deliver(deployRequest(name, 1))));
  await sleep(1500);
  const before = await readTable(fleet.db);
  await fleet.restartEmulators(3000);
  urls = await fleet.queueUrls();
  sender.urls = urls;
  const after = await readTable(fleet.db);
  kept = {
    before: [before.releases.length, before.history.length],
    after: [after.releases.length, after.history.length],
  };
};

const terminal = new Set(['succeeded', 'failed', 'superseded']);

/** What is not settled yet: open releases, events without a trace, messages still queued. */
const unsettled = async (): Promise<{ state: TableState; stuck: string[] }> => {
  const [state, inFlight] = await Promise.all([readTable(fleet.db), messagesInFlight(fleet, urls)]);
  const traced = new Set([...state.releases.map((r) => r.eventId), ...state.history.map((e) => e.eventId)]);
  const stuck = [
    ...state.releases
      .filter((r) => !terminal.has(r.status))
      .map((r) => `release ${r.app}#${r.revision} ${r.status} at wave ${r.wave + 1}: ${JSON.stringify(r.clusters)}`),
    ...sender.accepted.filter((e) => !traced.has(e.id)).map((e) => `no trace of ${e.data.app} ${e.id}`),
    ...Object.entries(inFlight.total)
      .filter(([, n]) => n > 0)
      .map(([q, n]) => `${n} message(s) still on ${q}: ${JSON.stringify(inFlight.detail[q as QueueName])}`),
  ];
  return { state, stuck };
};

/** Waits until the newest release of each app finished (or the profile's bound passed). */
const settledApps = async (apps: readonly string[]) => {
  const deadline = Date.now() + profile.settleSeconds * 1000;
  while (Date.now() < deadline) {
    const { releases } = await readTable(fleet.db);
    const open = apps.filter((a) => {
      const mine = releases.filter((r) => r.app === a);
      return mine.length === 0 || mine.some((r) => !terminal.has(r.status));
    });
    if (open.length === 0) return;
    await sleep(2000);
  }
};

/** Waits until everything settled, or the profile's bound; what is still open then is reported. */
const settle = async () => {
  const deadline = Date.now() + profile.settleSeconds * 1000;
  for (;;) {
    const now = await unsettled();
    if (now.stuck.length === 0 || Date.now() > deadline) return now;
    await sleep(2000);
  }
};

beforeAll(async () => {
  if (!proxiedCluster || !directCluster) throw new Error('the fault suite needs the harness two clusters');
  const started = Date.now();
  dir = await mkdtemp(join(tmpdir(), 'capstan-faults-'));
  fleet = await Fleet.start({
    dir,
    clusters: [proxiedCluster, directCluster],
    consumers: profile.consumers,
    prefix: `faults-${tag}`,
    log,
  });
  urls = await fleet.queueUrls();
  sender = new Sender(fleet, urls);
  mark(`${profile.consumers} runtimes up`, started);

  await storm();
  mark('storm sent', started);
  await settledApps(stormApps);
  mark('storm settled', started);
  // The crash, while the storm's last rollout checks may still run; its message was received with the
  // deploy queue's 65 s visibility, so it comes back after its idempotency record expired (60 s).
  await crash();
  mark('runtimes killed mid-apply and started again', started);
  // Meanwhile, with 45 s: the held apply sees its message come back to another consumer.
  await fleet.setDeployVisibility(45);
  const held = await redelivery();
  await held;
  mark(`held apply released after ${HOLD_SECONDS} s`, started);
  await settledApps([crashApp, slowApp]);
  mark('crash and redelivery settled', started);
  await outage();
  mark(`cluster back after ${profile.downSeconds} s down`, started);
  await emulatorRestart();
  mark('DynamoDB Local and ElasticMQ restarted on their data, runtimes with them', started);
  ({ state: table, stuck } = await settle());
  if (stuck.length) console.log(`not settled after ${profile.settleSeconds} s:\n  ${stuck.join('\n  ')}`);
  mark('settled', started);

  deadLetters = await drainDeadLetters(fleet.sqs, urls);
  const kube = await Promise.all(localClusters().map((c) => connect(c)));
  const live = await readDeployments(kube, [...stormApps, crashApp, slowApp, ...downApps, ...restartApps]);
  figures = computeFigures(
    { accepted: sender.accepted, deliveries: sender.deliveries, poison: sender.poison },
    table,
    live,
    deadLetters,
    {
      consumerRetries: fleet.counters.willRetry,
      injected: {
        ...fleet.proxy.counts.injected,
        ...(fleet.proxy.counts.downs ? { [`down ${profile.downSeconds}s`]: fleet.proxy.counts.downs } : {}),
      },
    },
  );
  console.log(
    `\nfault suite (${profile.name} profile)\n${formatFigures(figures, {
      clusters: `${proxiedCluster.name} (through the fault proxy, wave 1), ${directCluster.name} (wave 2)`,
      consumers: `${profile.consumers} capstan up processes, started ${fleet.starts} times`,
      ...Object.fromEntries(timeline),
    })}\n`,
  );
  if (figures.lost.length) console.log(`lost:\n  ${figures.lost.join('\n  ')}`);
  if (figures.doubled.length) console.log(`doubled:\n  ${figures.doubled.join('\n  ')}`);
}, 900_000);

afterAll(async () => {
  await fleet?.stop();
  if (dir && !process.env.CAPSTAN_KEEP_DIRS) await rm(dir, { recursive: true, force: true });
  else if (dir) log(`runtime logs kept in ${dir}`);
}, 120_000);

const releasesOf = (name: string) => table.releases.filter((r) => r.app === name);
const appliesOf = (name: string, cluster: string) =>
  table.history.filter((e) => e.app === name && e.action === 'apply' && e.cluster === cluster);

describe(`fault suite (${profile.name})`, () => {
  it('settles: every release finished, no message left on any queue', () => {
    expect(stuck).toEqual([]);
  });

  it('loses no accepted event: each has a release or a history entry', () => {
    expect(sender.accepted.length).toBe(profile.apps * profile.versions + 2 + profile.downApps + profile.restartApps);
    expect(figures.lost).toEqual([]);
  });

  it('doubles nothing: one release per event, one changing apply per cluster and revision', () => {
    expect(figures.doubled).toEqual([]);
  });

  it('the injected cluster errors were all used, retried, and the releases still succeeded', () => {
    expect(fleet.proxy.pendingInjections()).toBe(0);
    expect(fleet.proxy.counts.injected).toMatchObject({ '429': 2, '409': 1, '500': 2, reset: 2 });
    expect(figures.retries.consumers).toBeGreaterThanOrEqual(5);
    for (const name of stormApps) {
      const [newest] = releasesOf(name).sort((x, y) => y.revision - x.revision);
      expect(newest?.status, name).toBe('succeeded');
    }
  });

  it('a crash between a cluster apply and its record: the release completes, exactly once', () => {
    const releases = releasesOf(crashApp);
    expect(releases.map((r) => [r.revision, r.status])).toEqual([[1, 'succeeded']]);
    const applied = appliesOf(crashApp, proxiedCluster?.name ?? '').filter((e) => e.outcome !== 'failed');
    // The killed runtime never recorded its apply; the redelivery found it done.
    expect(applied.map((e) => e.details?.objects)).toEqual([
      expect.arrayContaining([`Deployment/${crashApp}: unchanged`]),
    ]);
  });

  it('redelivery while the first consumer still works: one release, one change, nothing left queued', () => {
    // The first consumer's apply was held 52 s, past the 45 s visibility timeout: SQS handed the message
    // to another consumer meanwhile, which found the event in progress (idempotency) and retried until
    // the first finished, then got its stored result. So: one release, one changing apply, no second.
    expect(releasesOf(slowApp).map((r) => [r.revision, r.status])).toEqual([[1, 'succeeded']]);
    const outcomes = appliesOf(slowApp, proxiedCluster?.name ?? '').map((e) => e.outcome);
    expect(outcomes).toEqual(['created']);
    expect(stuck).toEqual([]);
  });

  it('a cluster down for a while: every release that met it is settled and recorded', () => {
    for (const name of downApps) {
      const releases = releasesOf(name);
      expect(releases).toHaveLength(1);
      expect(['succeeded', 'failed']).toContain(releases[0]?.status);
      if (profile.downSeconds < 20)
        expect(releases[0]?.status, `${name} after ${profile.downSeconds} s down`).toBe('succeeded');
    }
  });

  it('DynamoDB Local and ElasticMQ restarted mid-run: everything kept, the releases in flight finish', () => {
    expect(fleet.starts).toBe(3);
    expect(kept.after[0]).toBeGreaterThanOrEqual(kept.before[0]);
    expect(kept.after[1]).toBeGreaterThanOrEqual(kept.before[1]);
    for (const name of restartApps) {
      expect(
        releasesOf(name).map((r) => [r.revision, r.status]),
        name,
      ).toEqual([[1, 'succeeded']]);
    }
  });

  it('poison on every queue ends in its DLQ with a reason, and in the history where it has an id', () => {
    expect(sender.poison.map((p) => p.queue).sort()).toEqual([
      'deploy',
      'deploy',
      'deploy',
      'registry',
      'registry',
      'registry',
      'rollout',
      'rollout',
      'rollout',
    ]);
    expect(figures.poisonUnaccounted).toEqual([]);
    for (const d of deadLetters) expect(d.reason, d.body.slice(0, 80)).toBeTruthy();
  });

  it('every failure, refusal and skip in the history carries a code', () => {
    expect(figures.failuresWithoutCode).toEqual([]);
  });
});
