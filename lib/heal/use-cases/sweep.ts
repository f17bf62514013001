import { messageOf } from '../../errors.ts';
import type { NodeView } from '../../kube/nodes.ts';
import type { Cluster } from '../../store/clusters.ts';
import type { NodeHeal } from '../../store/heals.ts';
import { isActiveHeal } from '../../store/ports.ts';
import { sweepFindings } from '../decisions/sweep.ts';
import type { HealDeps } from '../ports.ts';
import { healCheck, sweptNodeLost, sweptNodeRecovered } from '../render/events.ts';
import { isStuck } from './carry-on.ts';

export interface NodeSweep {
  readonly cluster: string;
  readonly lost?: readonly string[];
  readonly recovered?: readonly string[];
  /** Heals nudged on: their chain of looks was lost, or their Node is gone. */
  readonly nudged?: readonly string[];
  readonly error?: string;
}

/**
 * capstan's own detection, no agent in the cluster needed: every registered cluster's Nodes and their
 * Leases are read (two calls each), and a node not Ready becomes a node.lost candidate, a node being healed
 * that is Ready again a node.recovered one, on the heal queue; one event per outage and per return
 * (../render/events.ts). The sweep also nudges heals that stopped moving (./carry-on.ts isStuck) or whose Node
 * is gone, so no heal waits forever on a look that was lost. A cluster that does not answer is skipped (the
 * probe records it); the others are swept all the same.
 */
export const sweepNodes = async (deps: HealDeps, clusters?: readonly Cluster[]): Promise<NodeSweep[]> => {
  const all = clusters ?? (await deps.store.clusters.list());
  return Promise.all(all.map((cluster) => sweepCluster(deps, cluster)));
};

const sweepCluster = async (deps: HealDeps, cluster: Cluster): Promise<NodeSweep> => {
  try {
    const gateway = await deps.kube(cluster);
    const [nodes, heals] = await Promise.all([gateway.listNodes(), deps.store.heals.list(cluster.name)]);
    const active = heals.filter((h) => isActiveHeal(h.phase));
    const now = deps.now();
    const findings = sweepFindings(nodes, new Set(active.map((h) => h.node)));
    for (const f of findings) {
      await deps.enqueue(
        f.kind === 'lost' ? sweptNodeLost(cluster.name, f.node, now) : sweptNodeRecovered(cluster.name, f.node, now),
      );
    }
    const nudged = active.filter((h) => needsNudge(deps, h, nodes));
    // One nudge per state of the heal: its id names the record's last change.
    for (const h of nudged)
      await deps.enqueue(healCheck(cluster.name, h.node, `nudge:${h.updatedAt}`, 0, now, 'prove'));
    const names = (kind: 'lost' | 'recovered') => findings.filter((f) => f.kind === kind).map((f) => f.node.name);
    return {
      cluster: cluster.name,
      lost: names('lost'),
      recovered: names('recovered'),
      nudged: nudged.map((h) => h.node),
    };
  } catch (error) {
    return { cluster: cluster.name, error: messageOf(error) };
  }
};

/** A heal stuck (./carry-on.ts isStuck), or one whose Node is gone (its next look ends it). */
const needsNudge = (deps: HealDeps, heal: NodeHeal, nodes: readonly NodeView[]): boolean =>
  !nodes.some((n) => n.name === heal.node) || isStuck(deps, heal);
