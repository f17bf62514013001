import type { ReasonCode } from '../../reasons.ts';
import type { Release, ReplicaCounts } from '../../store/releases.ts';
import { failedThere } from './failed-there.ts';

/**
 * The fleet matrix of the dashboard (issue 14): every app by environment and cluster, each cell saying what
 * runs there and how it is doing, read from the release records alone (rollout checks fill them in), so the
 * page needs no cluster credentials. Pure: the use case lists the records, this decides the cells.
 */
/**
 * `unknown`: the newest release there was superseded or failed elsewhere before its rollout here settled,
 * and rollout checks stop at a release's end, so its state there was never learned.
 */
export type CellState = 'healthy' | 'progressing' | 'failed' | 'unknown' | 'none';

export interface Version {
  readonly revision: number;
  readonly image: string;
  /** The tag the image was asked by, when it names one (`1.4.2`); the digest is what runs. */
  readonly tag?: string;
  readonly digest?: string;
}

export interface Cell {
  readonly cluster: string;
  readonly state: CellState;
  /** What runs: the newest release Ready there (absent: nothing capstan released is Ready there). */
  readonly running?: Version;
  /** A newer release on its way there, or the one that failed there. */
  readonly next?: Version;
  readonly code?: ReasonCode;
  readonly reason?: string;
  /** The release a rollback brought back (its `rollbackOf`), when what runs is a rollback: the cell says so. */
  readonly rolledBackTo?: number;
  /** The replicas the newest release's last rollout check saw there (ready ones: `available`). */
  readonly replicas?: ReplicaCounts;
}

export interface MatrixRow {
  readonly app: string;
  readonly environment: string;
  readonly cells: readonly Cell[];
}

/** `registry/acme/api:1.4.2@sha256:…`: the tag of the last path segment, and the digest. */
export const versionOf = (r: Pick<Release, 'revision' | 'image'>): Version => {
  const [ref = '', digest] = r.image.split('@');
  const last = ref.slice(ref.lastIndexOf('/') + 1);
  const colon = last.indexOf(':');
  return {
    revision: r.revision,
    image: r.image,
    ...(colon >= 0 ? { tag: last.slice(colon + 1) } : {}),
    ...(digest ? { digest } : {}),
  };
};

/**
 * One cluster's cell from the app's releases into its environment (any order). The newest release that
 * reached the cluster decides: Ready there is healthy, pending or progressing is on its way (with what
 * still runs), failed is failed with its reason. A release that never reached the cluster (a later wave,
 * stopped before it) leaves the cell to the ones before.
 */
export const cellOf = (cluster: string, releases: readonly Release[]): Cell => {
  const reached = [...releases].filter((r) => r.clusters[cluster]).sort((a, b) => b.revision - a.revision);
  const [newest] = reached;
  if (!newest) return { cluster, state: 'none' };
  const here = newest.clusters[cluster];
  const ready = reached.find((r) => r.clusters[cluster]?.rollout === 'ready');
  const running = {
    ...(ready ? { running: versionOf(ready) } : {}),
    ...(here?.replicas ? { replicas: here.replicas } : {}),
  };
  const rolledBack = ready?.rollbackOf !== undefined ? { rolledBackTo: ready.rollbackOf } : {};
  if (ready === newest) return { cluster, state: 'healthy', ...running, ...rolledBack };
  const inFlight = newest.status === 'applying' || newest.status === 'progressing';
  if (here && failedThere(here, inFlight)) {
    return {
      cluster,
      state: 'failed',
      ...running,
      next: versionOf(newest),
      ...(here.code ? { code: here.code } : {}),
      ...(here.message ? { reason: here.message } : {}),
    };
  }
  if (newest.status === 'superseded' || newest.status === 'failed') {
    const reason = `release ${newest.revision} was ${newest.status} before its rollout here settled`;
    return { cluster, state: 'unknown', ...running, next: versionOf(newest), reason };
  }
  // On its way; an apply tried again says why it is being tried again (a held lease, an unreachable cluster).
  const why =
    here?.apply === 'failed'
      ? { ...(here.code ? { code: here.code } : {}), ...(here.message ? { reason: here.message } : {}) }
      : {};
  return { cluster, state: 'progressing', ...running, next: versionOf(newest), ...why };
};

/** The rows of one app and environment: a cell per cluster, in wave order as registered. */
export const matrixRow = (
  app: string,
  environment: string,
  clusters: readonly string[],
  releases: readonly Release[],
): MatrixRow => ({ app, environment, cells: clusters.map((c) => cellOf(c, releases)) });
