import { type LostPolicy, type LostVerdict, lostVerdict } from '../../heal/decisions/node-lost.ts';
import { isFencePhase, isSettledPhase } from '../../heal/decisions/operator.ts';
import type { NodeTaint, NodeView } from '../../kube/nodes.ts';
import type { HealMode, HealPhase, NodeHeal } from '../../store/heals.ts';
import { duration, renderTable } from '../format.ts';

/** One node as `capstan nodes` shows it: what was just read, and what capstan makes of it. */
export interface NodeRow {
  readonly node: string;
  readonly ready: NodeView['ready'];
  readonly readySince?: string;
  readonly readyForSeconds?: number;
  readonly leaseHolder?: string;
  readonly leaseRenewedAt?: string;
  readonly leaseAgeSeconds?: number;
  readonly cordoned: boolean;
  readonly taints: readonly string[];
  /** lostVerdict on this very read, with the cluster's fenced nodes counted against the storm guard. */
  readonly verdict: LostVerdict;
  /** The node's active heal, if it has one. */
  readonly heal?: { readonly phase: HealPhase; readonly mode: HealMode; readonly suspectedAt: string };
}

/** What `capstan nodes` says about one cluster: its nodes, or why it could not be read. */
export type ClusterNodes =
  | {
      readonly cluster: string;
      readonly environment: string;
      readonly healMode: HealMode;
      readonly reachable: true;
      readonly nodes: readonly NodeRow[];
    }
  | {
      readonly cluster: string;
      readonly environment: string;
      readonly healMode: HealMode;
      readonly reachable: false;
      readonly error: string;
    };

const secondsSince = (now: Date, iso: string | undefined) =>
  iso === undefined ? undefined : Math.max(0, Math.floor((now.getTime() - Date.parse(iso)) / 1000));

/** As `kubectl describe node` writes a taint. */
export const taintText = (t: NodeTaint): string => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`;

/**
 * Each node of a cluster with capstan's verdict on it, judged exactly as the heal use case judges a
 * candidate: on the nodes just read and the nodes it is fencing or has fenced (heals in a fence phase).
 */
export const nodeRows = (
  nodes: readonly NodeView[],
  heals: readonly NodeHeal[],
  now: Date,
  policy: LostPolicy,
): NodeRow[] => {
  const active = new Map(heals.filter((h) => !isSettledPhase(h.phase)).map((h) => [h.node, h]));
  const fenced = [...active.values()].filter((h) => isFencePhase(h.phase)).map((h) => h.node);
  return [...nodes]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((n) => {
      const heal = active.get(n.name);
      const readyFor = secondsSince(now, n.readySince);
      const leaseAge = secondsSince(now, n.leaseRenewedAt);
      return {
        node: n.name,
        ready: n.ready,
        ...(n.readySince === undefined ? {} : { readySince: n.readySince }),
        ...(readyFor === undefined ? {} : { readyForSeconds: readyFor }),
        ...(n.leaseHolder === undefined ? {} : { leaseHolder: n.leaseHolder }),
        ...(n.leaseRenewedAt === undefined ? {} : { leaseRenewedAt: n.leaseRenewedAt }),
        ...(leaseAge === undefined ? {} : { leaseAgeSeconds: leaseAge }),
        cordoned: n.unschedulable,
        taints: n.taints.map(taintText),
        verdict: lostVerdict({ now, node: n, nodes, fenced }, policy),
        ...(heal ? { heal: { phase: heal.phase, mode: heal.mode, suspectedAt: heal.suspectedAt } } : {}),
      };
    });
};

/** `ok` for a Ready node, `lost` for one proven lost, else the code that says why it is not. */
export const verdictText = (v: LostVerdict): string => (v.lost ? 'lost' : v.code === 'node-ready' ? 'ok' : v.code);

/** One table for every cluster that answered, then one line for each that did not. */
export const renderNodes = (clusters: readonly ClusterNodes[]): string => {
  const rows = clusters.flatMap((c) =>
    c.reachable
      ? c.nodes.map((n) => [
          c.cluster,
          n.node,
          `${n.ready}${n.readyForSeconds === undefined ? '' : ` ${duration(n.readyForSeconds)}`}`,
          n.leaseAgeSeconds === undefined ? 'none' : `${n.leaseHolder ?? '-'} ${duration(n.leaseAgeSeconds)} ago`,
          n.cordoned ? 'yes' : 'no',
          n.taints.join(',') || '-',
          verdictText(n.verdict),
          n.heal ? `${n.heal.phase} (${n.heal.mode})` : '-',
        ])
      : [],
  );
  const lines =
    rows.length > 0
      ? [renderTable(['CLUSTER', 'NODE', 'READY', 'LEASE', 'CORDONED', 'TAINTS', 'VERDICT', 'HEAL'], rows)]
      : [];
  for (const c of clusters) {
    if (c.reachable && c.nodes.length === 0) lines.push(`cluster ${c.cluster}: no nodes`);
    // The gateway's errors name their cluster already.
    if (!c.reachable)
      lines.push(`cluster ${c.cluster}: did not answer: ${c.error.replace(`cluster ${c.cluster}: `, '')}`);
  }
  return lines.join('\n');
};
