import type { V1Lease, V1Node, V1Taint } from '@kubernetes/client-node';
import { type ConditionStatus, conditionStatus } from './condition.ts';
import type { KubeClients } from './connect.ts';
import { isNotFound, translateKubeError } from './errors.ts';

/** Where kubelets (and kwok) keep their heartbeat Leases, one per Node, named after it. */
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

export interface NodeTaint {
  readonly key: string;
  readonly value?: string;
  readonly effect: TaintEffect;
  /** When a NoExecute taint was added: pods' tolerationSeconds count from it. */
  readonly timeAdded?: string;
}

/** A taint is identified by key and effect (as `kubectl taint`): one value per key and effect. */
export type TaintRef = Pick<NodeTaint, 'key' | 'effect'>;

export interface NodeAddress {
  readonly type: string;
  readonly address: string;
}

/** A Node as healing judges it: its kubelet's two heartbeats (Ready condition, Lease) and what fences it. */
export interface NodeView {
  readonly name: string;
  /** The Ready condition; `Unknown` also when the node has none yet (just registered). */
  readonly ready: ConditionStatus;
  /** When Ready last changed status (how long it has been Unknown, say). */
  readonly readySince?: string;
  /** The last status heartbeat the node controller saw (rare: kubelets renew the Lease instead). */
  readonly lastHeartbeat?: string;
  /** The Lease: who holds it and when it was last renewed; absent when the node has no Lease. */
  readonly leaseHolder?: string;
  readonly leaseRenewedAt?: string;
  readonly leaseDurationSeconds?: number;
  readonly unschedulable: boolean;
  readonly taints: readonly NodeTaint[];
  readonly addresses: readonly NodeAddress[];
  readonly zone?: string;
  readonly controlPlane: boolean;
}

/** A Node and its Lease, fresh; undefined when the node does not exist. */
export const readNode = async (kube: KubeClients, name: string): Promise<NodeView | undefined> => {
  try {
    const [node, lease] = await Promise.all([
      kube.core.readNode({ name }),
      kube.coordination.readNamespacedLease({ name, namespace: NODE_LEASE_NAMESPACE }).catch(absentOnNotFound),
    ]);
    return nodeView(node, lease);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    return translateKubeError(kube.cluster, error);
  }
};

/** Every Node with its Lease: two calls for the whole cluster, as a sweep needs. */
export const listNodes = async (kube: KubeClients): Promise<NodeView[]> => {
  try {
    const [nodes, leases] = await Promise.all([
      kube.core.listNode(),
      kube.coordination.listNamespacedLease({ namespace: NODE_LEASE_NAMESPACE }),
    ]);
    const leaseOf = new Map(leases.items.map((lease) => [lease.metadata?.name, lease]));
    return nodes.items.map((node) => nodeView(node, leaseOf.get(node.metadata?.name)));
  } catch (error) {
    return translateKubeError(kube.cluster, error);
  }
};

const absentOnNotFound = (error: unknown): undefined => {
  if (isNotFound(error)) return undefined;
  throw error;
};

const TAINT_EFFECTS: readonly string[] = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] satisfies TaintEffect[];

const isEffect = (effect: string): effect is TaintEffect => TAINT_EFFECTS.includes(effect);

/** The API server admits only the three effects, so nothing is dropped here in practice. */
export const taintsOf = (taints: readonly V1Taint[] | undefined): NodeTaint[] =>
  (taints ?? []).flatMap(({ key, value, effect, timeAdded }) =>
    isEffect(effect) ? [{ key, value: value || undefined, effect, timeAdded: timeAdded?.toISOString() }] : [],
  );

/**
 * client-node (1.4) types a MicroTime as a Date but hands over the API server's string as it came (its
 * deserializer knows no MicroTime), so accept both; milliseconds are plenty for heartbeats.
 */
const microTime = (value: Date | string | undefined): string | undefined =>
  value === undefined ? undefined : new Date(value).toISOString();

const nodeView = (node: V1Node, lease: V1Lease | undefined): NodeView => {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  const labels = node.metadata?.labels ?? {};
  return {
    name: node.metadata?.name ?? '',
    ready: conditionStatus(ready?.status),
    readySince: ready?.lastTransitionTime?.toISOString(),
    lastHeartbeat: ready?.lastHeartbeatTime?.toISOString(),
    leaseHolder: lease?.spec?.holderIdentity,
    leaseRenewedAt: microTime(lease?.spec?.renewTime),
    leaseDurationSeconds: lease?.spec?.leaseDurationSeconds,
    unschedulable: node.spec?.unschedulable === true,
    taints: taintsOf(node.spec?.taints),
    addresses: (node.status?.addresses ?? []).map(({ type, address }) => ({ type, address })),
    zone: labels['topology.kubernetes.io/zone'],
    controlPlane: 'node-role.kubernetes.io/control-plane' in labels,
  };
};
