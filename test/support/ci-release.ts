import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import type { Db } from '../../lib/store/db.ts';
import { queryHistory } from '../../lib/store/history.ts';
import { listReleases, type Release } from '../../lib/store/releases.ts';
import { connect, eventually, localClusters } from './kube.ts';

const bin = join(import.meta.dirname, '../../lib/cli/bin.js');

/** capstan's own CLI against a runtime's table: what people read. */
export const capstanOn =
  (table: string, env: Record<string, string> = {}) =>
  async (...args: string[]): Promise<string> =>
    (await promisify(execFile)('node', [bin, ...args], { env: { ...process.env, CAPSTAN_TABLE: table, ...env } }))
      .stdout;

/**
 * The newest release of the app in the environment, once it succeeded on every local cluster, after its
 * history's release and apply steps, `capstan releases` and `capstan history` all name `by` (a CI requester).
 */
export const releasedBy = async (
  db: Db,
  table: string,
  where: { app: string; environment: string },
  by: string,
): Promise<Release> => {
  const { app, environment } = where;
  const release = await eventually('the release succeeded', async () => {
    const [r] = await listReleases(db, app, environment);
    return r?.status === 'succeeded' ? r : undefined;
  });
  expect(Object.keys(release.clusters).sort()).toEqual(
    localClusters()
      .map((x) => x.name)
      .sort(),
  );
  const history = await queryHistory(db, { app, limit: 50 });
  const steps = history.filter((h) => h.action === 'release' || h.action === 'apply');
  expect(steps.length).toBeGreaterThan(0);
  for (const h of steps) expect(h.by).toBe(by);
  const capstan = capstanOn(table);
  const named = by.replace(/ \(run .*\)$/, '');
  expect(await capstan('releases', app)).toContain(named);
  expect(await capstan('history', app, '--env', environment)).toContain(named);
  return release;
};

/** Seconds after the refused requests, neither a release nor a history entry mentions `marker`. */
export const neverReleased = async (db: Db, where: { app: string; environment: string }, marker: string) => {
  await new Promise((r) => setTimeout(r, 3000));
  const [releases, history] = await Promise.all([
    listReleases(db, where.app, where.environment),
    queryHistory(db, { app: where.app, limit: 200 }),
  ]);
  expect(JSON.stringify(releases)).not.toContain(marker);
  expect(JSON.stringify(history)).not.toContain(marker);
};

/** The app's namespace gone from every local cluster, once a file's cases are done. */
export const removeNamespaces = async (app: string) => {
  for (const c of localClusters()) {
    const kube = await connect(c);
    await kube.core.deleteNamespace({ name: app }).catch(() => undefined);
  }
};
