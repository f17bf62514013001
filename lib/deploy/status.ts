import { messageOf } from '../errors.ts';
import type { Connect } from '../kube/connect.ts';
import { clustersOfEnvironment } from '../store/clusters.ts';
import type { Db } from '../store/db.ts';
import { listReleases, type Release } from '../store/releases.ts';
import { REVISION_ANNOTATION } from './manifests.ts';
import { rolloutStatus } from './rollout-status.ts';

export interface ClusterStatus {
  readonly environment: string;
  readonly cluster: string;
  /** The newest release applied to this cluster, as the table records it. */
  readonly release?: number;
  readonly releaseStatus?: Release['status'];
  readonly image?: string;
  /** What the cluster says now: the revision stamped on its Deployment and its rollout state. */
  readonly live: {
    readonly revision?: number;
    readonly state: 'ready' | 'progressing' | 'failed' | 'absent' | 'unreachable';
    readonly message: string;
  };
  /** Healthy: the cluster runs the release the table says it should, and it is ready. */
  readonly healthy: boolean;
}

/**
 * What runs where: for each cluster of each environment, the release the table says was applied there,
 * next to what the cluster's Deployment says right now (asked live, each cluster on its own, so one
 * unreachable cluster is reported, not fatal).
 */
export const appStatus = async (
  db: Db,
  connect: Connect,
  app: string,
  environments: readonly string[],
): Promise<ClusterStatus[]> => {
  const perEnvironment = await Promise.all(
    environments.map(async (environment) => {
      const [clusters, releases] = await Promise.all([
        clustersOfEnvironment(db, environment),
        listReleases(db, app, environment, 50),
      ]);
      return Promise.all(
        clusters.map(async (cluster): Promise<ClusterStatus> => {
          const release = releases.find((r) => {
            const applied = r.clusters[cluster.name];
            return applied !== undefined && applied.apply !== 'failed';
          });
          const live = await liveState(connect, cluster, release?.namespace, app, release);
          return {
            environment,
            cluster: cluster.name,
            release: release?.revision,
            releaseStatus: release?.status,
            image: release?.image,
            live,
            healthy: release !== undefined && live.state === 'ready' && live.revision === release.revision,
          };
        }),
      );
    }),
  );
  return perEnvironment.flat();
};

const liveState = async (
  connect: Connect,
  cluster: Parameters<Connect>[0],
  namespace: string | undefined,
  app: string,
  release: Release | undefined,
): Promise<ClusterStatus['live']> => {
  if (!namespace) return { state: 'absent', message: 'never released here' };
  const name = (release?.manifests.find((m) => m.kind === 'Deployment') as { metadata?: { name?: string } })?.metadata
    ?.name;
  try {
    const kube = await connect(cluster);
    const deployment = await kube.apps.readNamespacedDeployment({ name: name ?? app, namespace });
    const revision = Number(deployment.metadata?.annotations?.[REVISION_ANNOTATION]) || undefined;
    return { revision, ...rolloutStatus(deployment) };
  } catch (error) {
    const code = (error as { code?: number }).code;
    if (code === 404) return { state: 'absent', message: `deployment ${namespace}/${name ?? app} not found` };
    return { state: 'unreachable', message: messageOf(error).split('\n')[0] ?? 'unreachable' };
  }
};
