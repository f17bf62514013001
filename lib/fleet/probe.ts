import { messageOf } from '../errors.ts';
import type { Connect } from '../kube/connect.ts';
import { translateKubeError } from '../kube/errors.ts';
import { type Cluster, listClusters, recordClusterHealth } from '../store/clusters.ts';
import type { Db } from '../store/db.ts';

/** Asks each cluster for its version, in parallel, and records the health on its table item. */
export const probeClusters = async (deps: { db: Db; connect: Connect; now: () => Date }) => {
  const clusters = await listClusters(deps.db);
  return Promise.all(clusters.map((c) => probe(c, deps)));
};

const probe = async (cluster: Cluster, deps: { db: Db; connect: Connect; now: () => Date }) => {
  const checkedAt = deps.now().toISOString();
  try {
    const kube = await deps.connect(cluster);
    const info = await kube.version.getCode().catch((error) => translateKubeError(cluster.name, error));
    await recordClusterHealth(deps.db, cluster.name, { status: 'reachable', checkedAt, version: info.gitVersion });
    return { cluster: cluster.name, status: 'reachable' as const, version: info.gitVersion };
  } catch (error) {
    const message = messageOf(error);
    await recordClusterHealth(deps.db, cluster.name, { status: 'unreachable', checkedAt, message });
    return { cluster: cluster.name, status: 'unreachable' as const, message };
  }
};
