import type { Cluster } from '../../store/clusters.ts';
import { type MatrixRow, matrixRow } from '../decisions/fleet-matrix.ts';
import type { DashboardReads } from '../ports.ts';

/** A cluster as the dashboard shows it: no credentials, no freeing set-up, only where it is and its health. */
export interface FleetCluster {
  readonly name: string;
  readonly environment: string;
  readonly wave: number;
  readonly health?: Cluster['health'];
}

export interface FleetView {
  readonly environments: readonly { readonly name: string; readonly protected: boolean; readonly clusters: string[] }[];
  readonly clusters: readonly FleetCluster[];
  /** One row per app and environment it runs in, a cell per cluster of that environment (wave order). */
  readonly rows: readonly MatrixRow[];
}

/** How many releases of one app and environment are read: enough to find what is Ready behind a failure. */
export const RELEASES_READ = 10;

/** Clusters in wave order (then by name), and the names of an environment's clusters in that order. */
export const inWaveOrder = (registered: readonly Cluster[]) => {
  const byWave = [...registered].sort((a, b) => a.wave - b.wave || a.name.localeCompare(b.name));
  return {
    byWave,
    clustersOf: (env: string) => byWave.filter((c) => c.environment === env).map((c) => c.name),
  };
};

/** `GET /api/fleet`: environments, clusters and the matrix of apps by environment and cluster. */
export const fleetView = async (reads: DashboardReads): Promise<FleetView> => {
  const [apps, registered, set] = await Promise.all([reads.apps(), reads.clusters(), reads.environmentNames()]);
  const { byWave, clustersOf } = inWaveOrder(registered);
  const names = [...new Set([...set, ...byWave.map((c) => c.environment)])].sort();
  const policies = await Promise.all(names.map((n) => reads.policy(n)));
  const rows = await Promise.all(
    apps.flatMap((a) =>
      Object.keys(a.spec.environments)
        .sort()
        .map(async (env) => matrixRow(a.spec.name, env, clustersOf(env), await reads.releases(a.spec.name, env))),
    ),
  );
  return {
    environments: policies.map((p) => ({ name: p.name, protected: p.protected, clusters: clustersOf(p.name) })),
    clusters: byWave.map((c) => ({
      name: c.name,
      environment: c.environment,
      wave: c.wave,
      ...(c.health ? { health: c.health } : {}),
    })),
    rows,
  };
};
