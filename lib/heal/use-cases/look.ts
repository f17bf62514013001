import type { NodeView } from '../../kube/nodes.ts';
import type { NodeHeal } from '../../store/heals.ts';
import { type LostVerdict, lostVerdict } from '../decisions/node-lost.ts';
import type { HealDeps } from '../ports.ts';
import type { NodeContext } from './record.ts';

/** Heals that count against the storm guard: capstan is fencing the node, has fenced it, or is restoring it. */
const FENCING_PHASES: readonly NodeHeal['phase'][] = ['fencing', 'fenced', 'recovering'];

export interface Proof {
  readonly verdict: LostVerdict;
  /** The node as just read; undefined when the API server has no such node. */
  readonly node: NodeView | undefined;
  /** Every Node of the cluster, read in the same list. */
  readonly nodes: readonly NodeView[];
}

/**
 * Is the node lost, judged on a fresh read: every Node of the cluster with its Lease (one list each), and
 * the nodes capstan is fencing there that still exist (a heal whose Node was deleted holds nothing). Throws
 * what the gateway throws: a cluster that does not answer is never judged, and the step is retried.
 */
export const proveLost = async (
  deps: Pick<HealDeps, 'store' | 'now' | 'settings'>,
  ctx: NodeContext,
): Promise<Proof> => {
  const [nodes, heals] = await Promise.all([ctx.gateway.listNodes(), deps.store.heals.list(ctx.cluster.name)]);
  const names = new Set(nodes.map((n) => n.name));
  const fenced = heals
    .filter((h) => h.node !== ctx.node && names.has(h.node) && FENCING_PHASES.includes(h.phase))
    .map((h) => h.node);
  const node = nodes.find((n) => n.name === ctx.node);
  return { verdict: lostVerdict({ now: deps.now(), node, nodes, fenced }, deps.settings.lost), node, nodes };
};

/** The verdict as the history keeps it: what it was judged on. */
export const verdictDetails = (verdict: LostVerdict) => ({ ...verdict.figures });

/** The key of the chain of looks at one outage of a node: every candidate for it shares one chain. */
export const outageOf = (node: NodeView | undefined): string => `outage:${node?.readySince ?? 'unknown'}`;
