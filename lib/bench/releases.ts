import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { SCHEMA_VERSION } from '../../events/envelope.ts';
import { type DeployRequested, parseEvent } from '../../events/index.ts';
import { postEvent } from '../cli/post-event.ts';
import { renderManifests, stampRevision } from '../deploy/render/manifests.ts';
import { applyAll } from '../kube/apply.ts';
import { connector } from '../kube/connect.ts';
import { up } from '../runtime/up.ts';
import { listClusters, putCluster } from '../store/clusters.ts';
import { createDb, type Db } from '../store/db.ts';
import { listReleases } from '../store/releases.ts';

const IMAGE = `registry.local:5000/acme/bench@sha256:${'d'.repeat(64)}`;

export interface BenchOptions {
  readonly clusters: number;
  /** Releases measured one at a time, for latency. */
  readonly samples: number;
  /** Releases sent at once, for throughput. */
  readonly burst: number;
  readonly log: (line: string) => void;
}

/**
 * The release pipeline against a bare client, in one run on the same clusters (machines are noisy: only
 * the ratio is worth comparing): latency from enqueueing deploy.requested to the last cluster applied,
 * and sustained releases per second. Every cluster is in one wave, so rollout time is not counted.
 */
export const benchReleases = async (o: BenchOptions) => {
  const runtime = await up({
    clusters: o.clusters,
    environment: 'bench',
    port: 0,
    prefix: `capstan-bench-${randomUUID().slice(0, 8)}`,
    retryDelaySeconds: 1,
    writeState: false,
    log: o.log,
  });
  try {
    const db = createDb(runtime.state.table);
    for (const c of await listClusters(db)) await putCluster(db, { ...c, wave: 0 });
    const connect = connector();
    const clusters = await listClusters(db);
    const send = (event: DeployRequested) =>
      postEvent(JSON.stringify(event), { url: runtime.state.httpUrl, token: runtime.state.ingestToken });

    o.log(`warming up`);
    await timeRelease(db, send, 'warmup');

    o.log(`latency: ${o.samples} releases through capstan, one at a time`);
    const pipeline: number[] = [];
    for (let i = 0; i < o.samples; i++) pipeline.push(await timeRelease(db, send, `p${i}`));

    o.log(`latency: ${o.samples} releases by a bare client applying the same objects`);
    const direct: number[] = [];
    for (let i = 0; i < o.samples; i++) {
      const objects = stampRevision(renderManifests(deployEvent(`d${i}`).data), 1);
      const start = performance.now();
      await Promise.all(clusters.map(async (c) => applyAll(await connect(c), objects)));
      direct.push(performance.now() - start);
    }

    o.log(`throughput: ${o.burst} releases sent at once`);
    const start = performance.now();
    const apps = Array.from({ length: o.burst }, (_, i) => `t${i}`);
    await Promise.all(apps.map((app) => send(deployEvent(app))));
    await Promise.all(apps.map((app) => appliedEverywhere(db, app, clusters.length)));
    const seconds = (performance.now() - start) / 1000;

    return {
      clusters: clusters.length,
      pipeline: summary(pipeline),
      direct: summary(direct),
      throughput: { releases: o.burst, seconds, perSecond: o.burst / seconds },
    };
  } finally {
    await runtime.stop();
  }
};

const deployEvent = (app: string): DeployRequested => {
  const parsed = parseEvent({
    specversion: '1.0',
    id: randomUUID(),
    type: 'deploy.requested',
    source: 'capstan/bench',
    time: new Date().toISOString(),
    schemaversion: SCHEMA_VERSION,
    data: { app: `bench-${app}`, environment: 'bench', image: IMAGE, namespace: `bench-${app}`, replicas: 1 },
  });
  if (!parsed.ok || parsed.event.type !== 'deploy.requested')
    throw new Error(parsed.ok ? 'wrong type' : parsed.issues.join('; '));
  return parsed.event;
};

const timeRelease = async (db: Db, send: (e: DeployRequested) => Promise<unknown>, app: string) => {
  const start = performance.now();
  await send(deployEvent(app));
  await appliedEverywhere(db, app, (await listClusters(db)).length);
  return performance.now() - start;
};

/** Polled every 20 ms: figures carry up to that much of it. */
const appliedEverywhere = async (db: Db, app: string, clusters: number) => {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const [release] = await listReleases(db, `bench-${app}`, 'bench', 1);
    const applied = Object.values(release?.clusters ?? {}).filter((c) => c.apply !== 'failed').length;
    if (applied === clusters) return;
    await sleep(20);
  }
  throw new Error(`release of bench-${app} was not applied everywhere within 120 s`);
};

const summary = (ms: number[]) => {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
  return { p50: at(0.5), p95: at(0.95), samples: ms.length };
};
