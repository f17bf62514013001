import type { V1PersistentVolume } from '@kubernetes/client-node';
import { ClusterRejectedError } from '../../lib/errors.ts';
import type { EventView } from '../../lib/kube/events.ts';
import type { KubeGateway } from '../../lib/kube/gateway.ts';
import type { NodeView } from '../../lib/kube/nodes.ts';
import type { Change } from '../../lib/kube/optimistic.ts';
import type { HpaView } from '../../lib/kube/scaling.ts';
import type { ClaimView } from '../../lib/kube/volumes.ts';
import type { PodView, VolumeAttachmentView } from '../../lib/kube/workloads.ts';

/**
 * The healing and scaling verbs of the KubeGateway in memory, for unit tests of those use cases: Nodes,
 * the pods on them, VolumeAttachments, claims and PersistentVolumes, and HPAs, as a test sets them up. The actions keep the real
 * adapter's promises: idempotent (`unchanged` when there was nothing to do), a taint is its key and effect,
 * a missing node or HPA and min > max are terminal refusals. Real-server behaviour is tested against
 * kube-apiservers (test/integration/kube-nodes.test.ts, kube-scaling.test.ts).
 */
export interface NodeState {
  readonly nodes: Map<string, NodeView>;
  readonly pods: Map<string, PodView & { readonly node: string }>;
  readonly volumeAttachments: Map<string, VolumeAttachmentView>;
  /** PersistentVolumeClaims by `namespace/name`. */
  readonly claims: Map<string, ClaimView>;
  readonly persistentVolumes: Map<string, V1PersistentVolume>;
  readonly hpas: Map<string, HpaView>;
  /** core/v1 Events by uid, in their JSON form, as the API server lists them. */
  readonly events: Map<string, EventView>;
}

export const emptyNodeState = (): NodeState => ({
  nodes: new Map(),
  pods: new Map(),
  volumeAttachments: new Map(),
  claims: new Map(),
  persistentVolumes: new Map(),
  hpas: new Map(),
  events: new Map(),
});

/** A Node as a healthy kubelet leaves it; `overrides` say what the test wants otherwise. */
export const readyNode = (name: string, overrides: Partial<NodeView> = {}): NodeView => ({
  name,
  ready: 'True',
  leaseRenewedAt: new Date().toISOString(),
  unschedulable: false,
  taints: [],
  addresses: [],
  controlPlane: false,
  ...overrides,
});

type NodeVerbs = Pick<
  KubeGateway,
  | 'readNode'
  | 'listNodes'
  | 'cordon'
  | 'uncordon'
  | 'addTaint'
  | 'removeTaint'
  | 'readPod'
  | 'listPodsOnNode'
  | 'listVolumeAttachments'
  | 'deleteVolumeAttachment'
  | 'listWarningEvents'
  | 'readPersistentVolumeClaim'
  | 'readPersistentVolume'
  | 'listVolumeAttachmentsOfVolume'
  | 'readHpa'
  | 'setHpaBounds'
>;

/** The verbs over one cluster's state; `answering` throws as the cluster would when it is down. */
export const nodeVerbs = (cluster: string, answering: () => NodeState): NodeVerbs => {
  const existing = (name: string): NodeView => {
    const node = answering().nodes.get(name);
    if (!node) throw new ClusterRejectedError(cluster, `HTTP 404: nodes "${name}" not found`);
    return node;
  };
  const update = (name: string, next: NodeView | undefined): Change => {
    if (!next) return 'unchanged';
    answering().nodes.set(name, next);
    return 'changed';
  };
  const hpaKey = (namespace: string, name: string) => `${namespace}/${name}`;

  return {
    readNode: async (name) => structuredClone(answering().nodes.get(name)),
    listNodes: async () => structuredClone([...answering().nodes.values()]),
    cordon: async (name) => {
      const node = existing(name);
      return update(name, node.unschedulable ? undefined : { ...node, unschedulable: true });
    },
    uncordon: async (name) => {
      const node = existing(name);
      return update(name, node.unschedulable ? { ...node, unschedulable: false } : undefined);
    },
    addTaint: async (name, taint) => {
      const node = existing(name);
      const same = (t: { key: string; effect: string }) => t.key === taint.key && t.effect === taint.effect;
      const present = node.taints.find(same);
      if (present && (present.value ?? '') === (taint.value ?? '')) return 'unchanged';
      const timeAdded = taint.effect === 'NoExecute' ? (taint.timeAdded ?? new Date().toISOString()) : undefined;
      return update(name, { ...node, taints: [...node.taints.filter((t) => !same(t)), { ...taint, timeAdded }] });
    },
    removeTaint: async (name, taint) => {
      const node = existing(name);
      const kept = node.taints.filter((t) => t.key !== taint.key || t.effect !== taint.effect);
      return update(name, kept.length === node.taints.length ? undefined : { ...node, taints: kept });
    },
    readPod: async (namespace, name) =>
      structuredClone([...answering().pods.values()].find((p) => p.namespace === namespace && p.name === name)),
    listPodsOnNode: async (node) => structuredClone([...answering().pods.values()].filter((p) => p.node === node)),
    listVolumeAttachments: async (node) =>
      structuredClone([...answering().volumeAttachments.values()].filter((va) => va.node === node)),
    deleteVolumeAttachment: async (name) => (answering().volumeAttachments.delete(name) ? 'changed' : 'unchanged'),
    listWarningEvents: async (reasons) =>
      structuredClone(
        [...answering().events.values()].filter((e) => e.type === 'Warning' && reasons.includes(e.reason ?? '')),
      ),
    readPersistentVolumeClaim: async (namespace, name) =>
      structuredClone(answering().claims.get(`${namespace}/${name}`)),
    readPersistentVolume: async (name) => structuredClone(answering().persistentVolumes.get(name)),
    listVolumeAttachmentsOfVolume: async (pv) =>
      structuredClone([...answering().volumeAttachments.values()].filter((va) => va.persistentVolume === pv)),
    readHpa: async (namespace, name) => structuredClone(answering().hpas.get(hpaKey(namespace, name))),
    setHpaBounds: async (namespace, name, bounds) => {
      const hpas = answering().hpas;
      const hpa = hpas.get(hpaKey(namespace, name));
      if (!hpa) throw new ClusterRejectedError(cluster, `HTTP 404: horizontalpodautoscalers "${name}" not found`);
      const next = {
        ...hpa,
        minReplicas: bounds.minReplicas ?? hpa.minReplicas,
        maxReplicas: bounds.maxReplicas ?? hpa.maxReplicas,
      };
      if (next.minReplicas > next.maxReplicas) {
        throw new ClusterRejectedError(
          cluster,
          'HTTP 422: spec.minReplicas: must be less than or equal to maxReplicas',
        );
      }
      if (next.minReplicas === hpa.minReplicas && next.maxReplicas === hpa.maxReplicas) return 'unchanged';
      hpas.set(hpaKey(namespace, name), next);
      return 'changed';
    },
  };
};
