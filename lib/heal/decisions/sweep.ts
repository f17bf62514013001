import type { NodeView } from '../../kube/nodes.ts';

/**
 * What capstan's own sweep makes of one look at a cluster's nodes, no agent in the cluster needed: a
 * node whose Ready condition is not True is a node.lost candidate, a node being healed that is Ready again
 * a node.recovered one. Candidates only: the heal decision (./node-lost.ts, ./recovery.ts) reads the node
 * fresh before anything is done.
 */
export interface SweepFinding {
  readonly kind: 'lost' | 'recovered';
  readonly node: NodeView;
}

export const sweepFindings = (nodes: readonly NodeView[], healing: ReadonlySet<string>): SweepFinding[] =>
  nodes.flatMap((node): SweepFinding[] => {
    if (node.ready !== 'True') return [{ kind: 'lost', node }];
    return healing.has(node.name) ? [{ kind: 'recovered', node }] : [];
  });
