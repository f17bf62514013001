import type { KubeGateway } from '../../kube/gateway.ts';
import type { NodeHeal } from '../../store/heals.ts';
import { type LostVerdict, lostVerdict } from '../decisions/node-lost.ts';
import type { HealDeps } from '../ports.ts';

/** Heals that count against the storm guard: capstan is fencing the node, has fenced it, or is restoring it. */
const FENCING_PHASES: readonly NodeHeal['phase'][] = ['fencing', 'fenced', 'recovering'];

/**
 * Is the node lost, judged on a fresh read: every Node of the cluster with its Lease (one list each), and
 * the nodes capstan is fencing there. Throws what the gateway throws: a cluster that does not answer is
 * never judged, and the step is retried.
 */
export const proveLost = async (deps: HealDeps, gateway: KubeGateway, node: string): Promise<LostVerdict> => {
  const [nodes, heals] = await Promise.all([gateway.listNodes(), deps.store.heals.list(gateway.cluster)]);
  const fenced = heals.filter((h) => h.node !== node && FENCING_PHASES.includes(h.phase)).map((h) => h.node);
  return lostVerdict({ now: deps.now(), node: nodes.find((n) => n.name === node), nodes, fenced }, deps.settings.lost);
};

/** The verdict as the history keeps it: what it was judged on. */
export const verdictDetails = (verdict: LostVerdict) => ({ ...verdict.figures });
