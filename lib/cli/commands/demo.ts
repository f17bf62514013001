import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { approvalView } from '../../approvals/render/approval-view.ts';
import { parseAppSpec } from '../../apps/load.ts';
import { describePolicy } from '../../deploy/decisions/push.ts';
import { appStatus } from '../../deploy/use-cases/status.ts';
import { messageOf } from '../../errors.ts';
import { hookSecret } from '../../ingest/hook-secret.ts';
import { connector } from '../../kube/connect.ts';
import { gatewayConnector } from '../../kube/gateway.ts';
import { pushImage } from '../../local/push-image.ts';
import { startRegistry } from '../../local/registry.ts';
import { repoRoot } from '../../runtime/state.ts';
import { up } from '../../runtime/up.ts';
import { putApp } from '../../store/apps.ts';
import { createDb, type Db } from '../../store/db.ts';
import { dynamoStore } from '../../store/dynamo.ts';
import { queryHistory } from '../../store/history.ts';
import { listApprovals } from '../../store/release-approvals.ts';
import { listReleases, type Release } from '../../store/releases.ts';
import { progress } from '../log.ts';
import { renderApprovals } from '../render/approvals.ts';
import { renderHistory } from '../render/history.ts';
import { renderStatus } from '../render/status.ts';
import { requestRollback } from '../rollback-request.ts';
import { signInLink } from '../sign-in-link.ts';

const EXAMPLE = join(repoRoot, 'lib/apps/examples/hello.yaml');
const APP = 'hello';
const ENV = 'staging';

/**
 * `capstan demo` (npm run demo): the main job on a fresh machine, on real parts only. Emulators, two
 * local clusters, the runtime and a Distribution registry come up; the example app is registered to
 * track its repository in that registry; two images are pushed, each becoming a release by digest on
 * both clusters, wave by wave; release #1 is brought back with a rollback; then the status table, the
 * approvals the pushes opened in production (which does not deploy by itself) and the history are printed
 * and everything is stopped again (with `--keep`, on Ctrl-C). The dashboard's sign-in link is printed first:
 * its fleet matrix and the app's page show the releases going out while the demo runs.
 */
export const demoCommand = async (o: { timeout: number; keep?: boolean }) => {
  const log = progress('demo');
  const timeoutMs = o.timeout * 1000;
  const runtime = await up({
    clusters: 2,
    environment: ENV,
    port: 0,
    prefix: 'capstan-demo',
    retryDelaySeconds: 1,
    writeState: false,
    log,
  });
  const endpoint = { url: runtime.state.httpUrl, token: runtime.state.ingestToken };
  const registry = await startRegistry({
    dir: join(runtime.workDir, 'registry'),
    log,
    notify: {
      url: `${runtime.state.httpUrl}/hooks/distribution`,
      token: hookSecret(runtime.state.ingestToken, 'distribution'),
    },
  }).catch(async (error) => {
    await runtime.stop();
    throw error;
  });
  const db = createDb(runtime.state.table);
  let failed = false;
  try {
    // Best effort, like `capstan up`: the demo is worth running without it.
    await signInLink(db, runtime.state.httpUrl)
      .then((link) => log(`dashboard: open ${link.url} to sign in and watch the releases (until ${link.expiresAt})`))
      .catch((error: unknown) => log(`no dashboard link now (${messageOf(error)})`));
    const example = parseAppSpec(await readFile(EXAMPLE, 'utf8'), EXAMPLE);
    const repository = `${registry.host}/acme/${APP}`;
    const spec = { ...example, containers: example.containers.map((c) => ({ ...c, repository })) };
    await putApp(db, spec, new Date());
    const policy = spec.environments[ENV]?.track?.tags;
    log(
      `registered app ${APP} (${EXAMPLE}): ${ENV} deploys pushes of ${repository}${policy ? ` matching ${describePolicy(policy)}` : ''}`,
    );

    for (const [revision, tag] of [
      [1, '1.0.0'],
      [2, '1.1.0'],
    ] as const) {
      const pushed = await pushImage(registry.url, `acme/${APP}`, tag);
      log(`pushed ${repository}:${tag} (${pushed.digest.slice(0, 19)}...); the registry notifies capstan`);
      failed ||= (await waitForRelease(db, revision, timeoutMs, log)).status !== 'succeeded';
    }
    await requestRollback(APP, { env: ENV, to: 1, reason: 'demo', ...endpoint }, log);
    failed ||= (await waitForRelease(db, 3, timeoutMs, log)).status !== 'succeeded';

    process.stdout.write(
      `\nStatus of ${APP}:\n${renderStatus(await appStatus({ store: dynamoStore(db), kube: gatewayConnector(connector()) }, APP, [ENV]))}\n`,
    );
    // production does not deploy by itself: each push asked it to wait, and the newer superseded the older.
    const approvals = (await listApprovals(db, APP, 'production')).map(approvalView);
    process.stdout.write(`\nApprovals of ${APP} in production:\n${renderApprovals(approvals)}\n`);
    const history = await queryHistory(db, { app: APP });
    process.stdout.write(`\nHistory of ${APP} (newest first):\n${renderHistory(history)}\n\n`);
    if (o.keep) {
      log(
        `still serving ${runtime.state.httpUrl} (the dashboard: \`capstan dashboard link\` signs in again); Ctrl-C stops`,
      );
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
    }
  } finally {
    log('shutting down');
    await registry.stop();
    await runtime.stop();
    log('stopped cleanly');
  }
  if (failed) process.exitCode = 1;
};

/** Waits for release `revision` to settle, printing each change of its per-cluster progress. */
const waitForRelease = async (
  db: Db,
  revision: number,
  timeoutMs: number,
  log: (line: string) => void,
): Promise<Release> => {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const [release] = await listReleases(db, APP, ENV, 1);
    if (release?.revision === revision) {
      const line = `release #${release.revision} ${release.status}: ${Object.entries(release.clusters)
        .map(([c, s]) => `${c} ${s.apply}/${s.rollout}`)
        .join(', ')}`;
      if (line !== last) log(line);
      last = line;
      if (release.status === 'succeeded' || release.status === 'failed') return release;
    }
    await sleep(500);
  }
  throw new Error(`release #${revision} of ${APP} in ${ENV} did not finish within ${timeoutMs / 1000}s`);
};
