import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { progress } from '../../lib/cli/log.ts';
import { startClusters } from '../../lib/local/cluster.ts';
import { ensureComponents } from '../../lib/local/components.ts';
import { startEmulators } from '../../lib/local/emulators.ts';
import { serveControl } from './control-server.ts';
import type { Infra } from './infra.ts';

/** Two clusters: enough for "every release to every cluster" and "one cluster down, the other fine". */
const CLUSTERS = 2;

/**
 * Global setup of the `integration` project: real DynamoDB Local, ElasticMQ and two local clusters,
 * started once per run (they take ~10-20 s, far too long per file) and shared by every test file through
 * `inject('infra')`. Tests isolate themselves by unique names (tables, queues, namespaces).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const log = progress('harness');
  const started = Date.now();
  // First, so a cold cache prints its build progress before anything else starts.
  await ensureComponents({ log });
  const dir = await mkdtemp(join(tmpdir(), 'capstan-it-'));
  const cleanups: (() => Promise<unknown>)[] = [];
  const teardown = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((e) => log(`teardown: ${e}`));
    cleanups.length = 0;
    if (process.env.CAPSTAN_KEEP_DIRS) log(`logs kept in ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  };

  try {
    const [emulators, clusters] = await Promise.allSettled([
      startEmulators({ dir: join(dir, 'emulators'), log }),
      startClusters(CLUSTERS, { dir: join(dir, 'clusters'), log }),
    ]);
    if (emulators.status === 'fulfilled') cleanups.push(() => emulators.value.stop());
    if (clusters.status === 'fulfilled') cleanups.push(() => Promise.all(clusters.value.map((c) => c.stop())));
    if (emulators.status === 'rejected') throw emulators.reason;
    if (clusters.status === 'rejected') throw clusters.reason;

    const control = await serveControl(clusters.value);
    cleanups.push(() => control.close());

    const infra: Infra = {
      dynamodbEndpoint: emulators.value.dynamodbEndpoint,
      sqsEndpoint: emulators.value.sqsEndpoint,
      clusters: clusters.value.map(({ name, kubeconfigPath, context, server }) => ({
        name,
        kubeconfigPath,
        context,
        server,
      })),
      controlUrl: control.url,
    };
    project.provide('infra', infra);
    log(`emulators and ${CLUSTERS} clusters ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);
    return teardown;
  } catch (error) {
    await teardown();
    throw error;
  }
}
