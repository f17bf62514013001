import type { NodeView } from '../../kube/nodes.ts';

/**
 * Is a node lost, so that fencing it cannot hurt a holder that may be alive? Judged only on what was read
 * fresh from the cluster at decision time, never on the event that asked: a forwarded `NodeNotReady` or a
 * sweep's finding is a candidate, not proof. As cluster-api's MachineHealthCheck `needsRemediation` does,
 * the answer is a verdict with its reasons, the figures it used, and when to look again.
 */

export interface LostPolicy {
  /** Ready must have been Unknown or False at least this long. */
  readonly notReadyForSeconds: number;
  /** The node's Lease must not have been renewed for at least this long (its kubelet is not heartbeating). */
  readonly leaseSilentForSeconds: number;
  /** Control-plane nodes are left alone unless this says otherwise. */
  readonly allowControlPlane: boolean;
  /** Never more nodes not Ready (or fenced) at once than the larger of these: a storm is recorded, not fenced. */
  readonly maxUnhealthy: { readonly nodes: number; readonly share: number };
}

export const defaultLostPolicy: LostPolicy = {
  notReadyForSeconds: 60,
  leaseSilentForSeconds: 60,
  allowControlPlane: false,
  maxUnhealthy: { nodes: 1, share: 0.2 },
};

export interface LostObservation {
  readonly now: Date;
  /** The suspect, read fresh; undefined when the API server says it does not exist. */
  readonly node: NodeView | undefined;
  /** Every node of the cluster, read fresh at the same time (the suspect among them). */
  readonly nodes: readonly NodeView[];
  /** Nodes of this cluster capstan is fencing or has fenced, which count against the storm guard. */
  readonly fenced: readonly string[];
}

export type NotLostCode =
  | 'node-absent'
  | 'node-ready'
  | 'kubelet-reporting'
  | 'not-ready-too-briefly'
  | 'lease-renewed'
  | 'no-lease'
  | 'control-plane'
  | 'no-healthy-majority'
  | 'storm'
  | 'zone-storm';

/** What the verdict was judged on, recorded with it in the history. */
export interface LostFigures {
  readonly readyStatus?: NodeView['ready'];
  readonly notReadyForSeconds?: number;
  readonly leaseSilentForSeconds?: number;
  readonly nodes: number;
  readonly readyNodes: number;
  /** Nodes not Ready or fenced, the suspect included. */
  readonly unhealthyNodes: number;
  /** The storm guard's limit for this cluster. */
  readonly maxUnhealthy: number;
  readonly zone?: string;
}

export type LostVerdict =
  | { readonly lost: true; readonly reason: string; readonly figures: LostFigures }
  | {
      readonly lost: false;
      readonly code: NotLostCode;
      readonly reason: string;
      readonly figures: LostFigures;
      /** When another look may decide otherwise; absent when only a change in the cluster would. */
      readonly recheckAfterSeconds?: number;
    };

const secondsSince = (now: Date, time: string | undefined): number | undefined =>
  time === undefined ? undefined : Math.max(0, Math.floor((now.getTime() - Date.parse(time)) / 1000));

/** The storm guard's limit: at most this many nodes of the cluster unhealthy at once. */
export const unhealthyLimit = (nodes: number, policy: LostPolicy): number =>
  Math.max(policy.maxUnhealthy.nodes, Math.floor(nodes * policy.maxUnhealthy.share));

export const lostVerdict = (seen: LostObservation, policy: LostPolicy = defaultLostPolicy): LostVerdict => {
  const { node, nodes, now } = seen;
  const unhealthy = new Set([...nodes.filter((n) => n.ready !== 'True').map((n) => n.name), ...seen.fenced]);
  const base = {
    nodes: nodes.length,
    readyNodes: nodes.filter((n) => n.ready === 'True').length,
    unhealthyNodes: unhealthy.size,
    maxUnhealthy: unhealthyLimit(nodes.length, policy),
  };
  const no = (code: NotLostCode, reason: string, figures: LostFigures = base, recheckAfterSeconds?: number) =>
    ({
      lost: false,
      code,
      reason,
      figures,
      ...(recheckAfterSeconds === undefined ? {} : { recheckAfterSeconds }),
    }) as const;

  if (!node) return no('node-absent', 'the API server has no such node');
  const notReadyFor = secondsSince(now, node.readySince);
  const leaseSilentFor = secondsSince(now, node.leaseRenewedAt);
  const figures: LostFigures = {
    ...base,
    readyStatus: node.ready,
    ...(notReadyFor === undefined ? {} : { notReadyForSeconds: notReadyFor }),
    ...(leaseSilentFor === undefined ? {} : { leaseSilentForSeconds: leaseSilentFor }),
    ...(node.zone === undefined ? {} : { zone: node.zone }),
  };

  if (node.ready === 'True') return no('node-ready', `node ${node.name} is Ready`, figures);
  if (node.ready === 'False') {
    // False is posted by the kubelet itself: it is alive. Should it go silent, the node controller marks the
    // node Unknown after its grace period, measured on the controller's own clock; the Lease's renewTime is
    // the kubelet's clock, which may be skewed, so it is never the only sign of silence.
    const reason = `node ${node.name} is Ready=False: its kubelet still posts status (the node controller marks a silent one Unknown)`;
    return no('kubelet-reporting', reason, figures, policy.notReadyForSeconds);
  }
  if (node.controlPlane && !policy.allowControlPlane) {
    return no('control-plane', `node ${node.name} is a control-plane node, which healing leaves alone`, figures);
  }
  const readyFor = notReadyFor ?? 0;
  if (readyFor < policy.notReadyForSeconds) {
    const reason = `node ${node.name} has been ${node.ready} for ${readyFor}s, less than ${policy.notReadyForSeconds}s`;
    return no('not-ready-too-briefly', reason, figures, policy.notReadyForSeconds - readyFor);
  }
  if (node.leaseRenewedAt === undefined) {
    return no('no-lease', `node ${node.name} has no heartbeat Lease: its kubelet cannot be proven silent`, figures);
  }
  if ((leaseSilentFor ?? 0) < policy.leaseSilentForSeconds) {
    // Ready says Unknown while the kubelet still heartbeats: the node controller's view, not the node, is off.
    const reason = `node ${node.name}'s Lease was renewed ${leaseSilentFor}s ago (by ${node.leaseHolder ?? 'no holder'}): its kubelet may be alive`;
    return no('lease-renewed', reason, figures, policy.leaseSilentForSeconds - (leaseSilentFor ?? 0));
  }
  if (unhealthy.size > base.maxUnhealthy) {
    const reason = `${unhealthy.size} of ${nodes.length} nodes are not Ready or fenced, more than the ${base.maxUnhealthy} healing may fence at once`;
    return no('storm', reason, figures);
  }
  const others = nodes.filter((n) => n.name !== node.name);
  const readyOthers = others.filter((n) => n.ready === 'True').length;
  if (readyOthers * 2 <= others.length) {
    const reason = `only ${readyOthers} of the ${others.length} other nodes are Ready: the control plane's view may be what is sick`;
    return no('no-healthy-majority', reason, figures);
  }
  // Zones of one or two nodes are left to the cluster-wide limit: half of them is one node.
  const zone = node.zone === undefined ? [] : nodes.filter((n) => n.zone === node.zone);
  const zoneUnhealthy = zone.filter((n) => unhealthy.has(n.name)).length;
  if (zone.length >= 3 && zoneUnhealthy * 2 > zone.length) {
    const reason = `${zoneUnhealthy} of the ${zone.length} nodes of zone ${node.zone} are not Ready or fenced: a zone outage, not a lost node`;
    return no('zone-storm', reason, figures);
  }
  return {
    lost: true,
    reason: `node ${node.name} has been ${node.ready} for ${readyFor}s and its Lease silent for ${leaseSilentFor}s; ${readyOthers} of ${others.length} other nodes are Ready`,
    figures,
  };
};

/** Verdicts a change elsewhere in the cluster may overturn: the storm guards. */
export const OVERTURNABLE: readonly NotLostCode[] = ['storm', 'zone-storm', 'no-healthy-majority'];

/**
 * When to look at a node not proven lost again: when the verdict says (the threshold not yet passed, the
 * Lease still moving), or, for a storm, after `stormSeconds` (the others may have come back, and one event
 * per outage is all the sweep sends); never for a node that is Ready, absent or not healing's to fence.
 */
export const lookAgainAfter = (verdict: LostVerdict, stormSeconds: number): number | undefined => {
  if (verdict.lost) return undefined;
  if (verdict.recheckAfterSeconds !== undefined) return verdict.recheckAfterSeconds;
  return OVERTURNABLE.includes(verdict.code) ? stormSeconds : undefined;
};
