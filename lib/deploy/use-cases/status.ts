import { messageOf } from '../../errors.ts';
import type { ConnectGateway } from '../../kube/gateway.ts';
import type { Cluster } from '../../store/clusters.ts';
import type { Store } from '../../store/ports.ts';
import type { Release } from '../../store/releases.ts';
import { rolloutStatus } from '../decisions/rollout.ts';
import { REVISION_ANNOTATION } from '../render/manifests.ts';

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
  deps: { readonly store: Pick<Store, 'clusters' | 'releases'>; readonly kube: ConnectGateway },
  app: string,
  environments: readonly string[],
): Promise<ClusterStatus[]> => {
  const perEnvironment = await Promise.all(
    environments.map(async (environment) => {
      const [clusters, releases] = await Promise.all([
        deps.store.clusters.ofEnvironment(environment),
        deps.store.releases.list(app, environment, 50),
      ]);
      return Promise.all(
        clusters.map(async (cluster): Promise<ClusterStatus> => {
          const release = releases.find((r) => {
            const applied = r.clusters[cluster.name];
            return applied !== undefined && applied.apply !== 'failed';
          });
          const live = await liveState(deps.kube, cluster, release?.namespace, app, release);
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
  kube: ConnectGateway,
  cluster: Cluster,
  namespace: string | undefined,
  app: string,
  release: Release | undefined,
): Promise<ClusterStatus['live']> => {
  if (!namespace) return { state: 'absent', message: 'never released here' };
  const name =
    (release?.manifests.find((m) => m.kind === 'Deployment') as { metadata?: { name?: string } })?.metadata?.name ??
    app;
  try {
    const deployment = await (await kube(cluster)).readDeployment(namespace, name);
    if (!deployment) return { state: 'absent', message: `deployment ${namespace}/${name} not found` };
    const revision = Number(deployment.metadata?.annotations?.[REVISION_ANNOTATION]) || undefined;
    return { revision, ...rolloutStatus(deployment) };
  } catch (error) {
    return { state: 'unreachable', message: messageOf(error).split('\n')[0] ?? 'unreachable' };
  }
};
