import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppsV1Api, KubeConfig } from '@kubernetes/client-node';
import { repoRoot } from '../../runtime/state.ts';
import { up } from '../../runtime/up.ts';
import { createDb } from '../../store/db.ts';
import { queryHistory } from '../../store/history.ts';
import { listReleases, type Release } from '../../store/releases.ts';
import { progress } from '../log.ts';
import { renderHistory } from './history.ts';
import { send } from './send.ts';

const SAMPLE = join(repoRoot, 'events/samples/deploy.requested.json');

/**
 * `capstan demo` (npm run demo): the whole flow on a fresh machine. Emulators, two local clusters and
 * the runtime come up, the sample deploy goes in through the HTTP edge, the release rolls out on both
 * clusters, the history is printed, and everything is stopped again.
 */
export const demoCommand = async (o: { timeout: string }) => {
  const log = progress('demo');
  const runtime = await up({
    clusters: 2,
    environment: 'staging',
    port: 0,
    prefix: 'capstan-demo',
    retryDelaySeconds: 1,
    writeState: false,
    log,
  });
  let failed = false;
  try {
    // The sample as CI would send it now: the current time and an id of its own.
    const sample = JSON.parse(await readFile(SAMPLE, 'utf8'));
    const event = join(runtime.workDir, 'deploy.requested.json');
    await writeFile(event, JSON.stringify({ ...sample, id: randomUUID(), time: new Date().toISOString() }));
    await send(event, { url: runtime.state.httpUrl, token: runtime.state.ingestToken }, log);
    const db = createDb(runtime.state.table);
    const release = await waitForRelease(db, 'hello', 'staging', Number(o.timeout) * 1000, log);
    failed = release.status !== 'succeeded';
    log(`release #${release.revision} ${release.status}`);
    for (const c of runtime.state.clusters) {
      const kc = new KubeConfig();
      kc.loadFromFile(c.kubeconfigPath);
      kc.setCurrentContext(c.context);
      const d = await kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: 'hello', namespace: 'demo' });
      const image = d.spec?.template.spec?.containers[0]?.image;
      log(`${c.name}: deployment demo/hello ${d.status?.readyReplicas ?? 0}/${d.spec?.replicas} ready, image ${image}`);
    }
    process.stdout.write(
      `\nHistory of hello (newest first):\n${renderHistory(await queryHistory(db, { app: 'hello' }))}\n\n`,
    );
  } finally {
    log('shutting down');
    await runtime.stop();
    log('stopped cleanly');
  }
  if (failed) process.exitCode = 1;
};

const waitForRelease = async (
  db: ReturnType<typeof createDb>,
  app: string,
  environment: string,
  timeoutMs: number,
  log: (line: string) => void,
): Promise<Release> => {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const [release] = await listReleases(db, app, environment, 1);
    if (release) {
      const line = `release #${release.revision}: ${release.status}; ${Object.entries(release.clusters)
        .map(([c, s]) => `${c} ${s.apply}/${s.rollout}`)
        .join(', ')}`;
      if (line !== last) log(line);
      last = line;
      if (release.status === 'succeeded' || release.status === 'failed') return release;
    }
    await sleep(500);
  }
  throw new Error(`release of ${app} to ${environment} did not finish within ${timeoutMs / 1000}s`);
};
