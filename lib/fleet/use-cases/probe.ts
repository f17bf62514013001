import { messageOf } from '../../errors.ts';
import type { Cluster } from '../../store/clusters.ts';
import type { ProbeDeps } from '../ports.ts';

/** Asks each cluster for its version, in parallel, and records the health on its table item. */
export const probeClusters = async (deps: ProbeDeps) => {
  const clusters = await deps.store.clusters.list();
  return Promise.all(clusters.map((c) => probe(c, deps)));
};

const probe = async (cluster: Cluster, deps: ProbeDeps) => {
  const checkedAt = deps.now().toISOString();
  try {
    const version = await (await deps.kube(cluster)).version();
    await deps.store.clusters.recordHealth(cluster.name, { status: 'reachable', checkedAt, version });
    return { cluster: cluster.name, status: 'reachable' as const, version };
  } catch (error) {
    const message = messageOf(error);
    await deps.store.clusters.recordHealth(cluster.name, { status: 'unreachable', checkedAt, message });
    return { cluster: cluster.name, status: 'unreachable' as const, message };
  }
};
