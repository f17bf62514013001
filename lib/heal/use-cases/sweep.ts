import { messageOf } from '../../errors.ts';
import type { Cluster } from '../../store/clusters.ts';
import { isActiveHeal } from '../../store/ports.ts';
import { sweepFindings } from '../decisions/sweep.ts';
import type { HealDeps } from '../ports.ts';
import { sweptNodeLost, sweptNodeRecovered } from '../render/events.ts';

export interface NodeSweep {
  readonly cluster: string;
  readonly lost?: readonly string[];
  readonly recovered?: readonly string[];
  readonly error?: string;
}

/**
 * capstan's own detection, no agent in the cluster needed: every registered cluster's Nodes and their
 * Leases are read (two calls each), and a node not Ready becomes a node.lost candidate, a node being healed
 * that is Ready again a node.recovered one, on the heal queue. One event per outage and per return (their
 * ids, ../render/events.ts), so a sweep a minute adds nothing while one outage lasts. A cluster that does not
 * answer is skipped (the probe records it); the others are swept all the same.
 */
export const sweepNodes = async (deps: HealDeps, clusters?: readonly Cluster[]): Promise<NodeSweep[]> => {
  const all = clusters ?? (await deps.store.clusters.list());
  return Promise.all(all.map((cluster) => sweepCluster(deps, cluster)));
};

const sweepCluster = async (deps: HealDeps, cluster: Cluster): Promise<NodeSweep> => {
  try {
    const gateway = await deps.kube(cluster);
    const [nodes, heals] = await Promise.all([gateway.listNodes(), deps.store.heals.list(cluster.name)]);
    const healing = new Set(heals.filter((h) => isActiveHeal(h.phase)).map((h) => h.node));
    const now = deps.now();
    const findings = sweepFindings(nodes, healing);
    for (const f of findings) {
      await deps.enqueue(
        f.kind === 'lost' ? sweptNodeLost(cluster.name, f.node, now) : sweptNodeRecovered(cluster.name, f.node, now),
      );
    }
    const names = (kind: 'lost' | 'recovered') => findings.filter((f) => f.kind === kind).map((f) => f.node.name);
    return { cluster: cluster.name, lost: names('lost'), recovered: names('recovered') };
  } catch (error) {
    return { cluster: cluster.name, error: messageOf(error) };
  }
};
