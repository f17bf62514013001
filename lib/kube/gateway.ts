import type { KubernetesObject, V1Deployment, V1PersistentVolume, V1ResourceQuota } from '@kubernetes/client-node';
import { type ApplyResult, applyAll, applyObject } from './apply.ts';
import type { Connect, KubeClients } from './connect.ts';
import type { ClusterAccess } from './credentials.ts';
import { diffApplied } from './diff.ts';
import { isNotFound, translateKubeError } from './errors.ts';
import { type EventView, listWarningEvents } from './events.ts';
import { deleteNetworkFence, type NetworkFenceView, readNetworkFence } from './network-fences.ts';
import { addTaint, cordon, removeTaint, uncordon } from './node-actions.ts';
import { listNodes, type NodeTaint, type NodeView, readNode, type TaintRef } from './nodes.ts';
import type { Change } from './optimistic.ts';
import { deleteHpa, type HpaView, type ReplicaBounds, readHpa, scaleDeployment, setHpaBounds } from './scaling.ts';
import {
  type ClaimView,
  listVolumeAttachmentsOfVolume,
  readPersistentVolume,
  readPersistentVolumeClaim,
} from './volumes.ts';
import {
  deleteVolumeAttachment,
  listPodsOnNode,
  listVolumeAttachmentsOnNode,
  type PodView,
  readPod,
  type VolumeAttachmentView,
} from './workloads.ts';

/**
 * The one port through which capstan's use cases touch a cluster: a few verbs in capstan's words, every
 * client error already translated (lib/kube/errors.ts), absent objects as `undefined` rather than 404s.
 * Like flux's ssa ResourceManager: apply and dry-run with a typed change set, and reads of live state.
 * Its real adapter is `gatewayOf` below; unit tests of the use cases use an in-memory double
 * (test/doubles/kube.ts).
 */
export interface KubeGateway {
  readonly cluster: string;
  /** Server-side apply, cluster-scoped objects first; one result per object, in the order given. */
  apply(objects: readonly KubernetesObject[]): Promise<readonly ApplyResult[]>;
  /** What applying the objects would change, as `Kind/name path: old -> new` lines (server-side dry run). */
  dryRun(objects: readonly KubernetesObject[]): Promise<readonly string[]>;
  /** A Deployment as the cluster has it now; undefined when it does not exist. */
  readDeployment(namespace: string, name: string): Promise<V1Deployment | undefined>;
  /** The namespace's ResourceQuotas; none when the namespace does not exist yet. */
  listResourceQuotas(namespace: string): Promise<readonly V1ResourceQuota[]>;
  /** The API server's version (`v1.33.1`): whether the cluster answers at all. */
  version(): Promise<string>;

  // Nodes, for healing (lib/kube/nodes.ts, node-actions.ts). Every action is idempotent: `unchanged` when
  // there was nothing to do, and concurrent writers of the same node never lose each other's change.
  /** A Node with its Lease, read fresh; undefined when it does not exist. */
  readNode(name: string): Promise<NodeView | undefined>;
  /** Every Node with its Lease. */
  listNodes(): Promise<readonly NodeView[]>;
  /** Sets spec.unschedulable; `changed` means this call wrote it (see node-actions.ts for what it cannot tell). */
  cordon(node: string): Promise<Change>;
  uncordon(node: string): Promise<Change>;
  /** Adds a taint, or sets its value (a taint is its key and effect); e.g. healing's out-of-service taint. */
  addTaint(node: string, taint: NodeTaint): Promise<Change>;
  removeTaint(node: string, taint: TaintRef): Promise<Change>;

  // What still references a node (lib/kube/workloads.ts): fencing waits for these to go.
  /** One pod (the node it is bound to, its claims); undefined when it does not exist. */
  readPod(namespace: string, name: string): Promise<PodView | undefined>;
  /** Pods bound to the node, in every namespace, terminating ones included. */
  listPodsOnNode(node: string): Promise<readonly PodView[]>;
  /** VolumeAttachments to the node. */
  listVolumeAttachments(node: string): Promise<readonly VolumeAttachmentView[]>;
  /** Deletes a stale VolumeAttachment; `unchanged` when it is gone or going already. */
  deleteVolumeAttachment(name: string): Promise<Change>;

  // Symptoms (lib/kube/events.ts): the sweep reads what pods could not mount.
  /** Warning Events with one of the reasons, in every namespace, as their JSON form. */
  listWarningEvents(reasons: readonly string[]): Promise<readonly EventView[]>;

  // Freeing RBD images (issue 11, lib/kube/volumes.ts, network-fences.ts): pod -> claim -> PV -> holder.
  /** A PersistentVolumeClaim: the volume it is bound to; undefined when it does not exist. */
  readPersistentVolumeClaim(namespace: string, name: string): Promise<ClaimView | undefined>;
  /** A PersistentVolume, whole (rbdVolumeOf reads its pool and image); undefined when it does not exist. */
  readPersistentVolume(name: string): Promise<V1PersistentVolume | undefined>;
  /** Every VolumeAttachment of the PV, to any node, attached or not (holderOf picks). */
  listVolumeAttachmentsOfVolume(persistentVolume: string): Promise<readonly VolumeAttachmentView[]>;
  /**
   * A csi-addons NetworkFence (applied with `apply`, lib/heal/render/network-fence.ts); undefined when it
   * does not exist or the cluster has no NetworkFence CRD.
   */
  readNetworkFence(name: string): Promise<NetworkFenceView | undefined>;
  /** Deletes a NetworkFence; `unchanged` when it is gone or going already. */
  deleteNetworkFence(name: string): Promise<Change>;

  // Scaling (lib/kube/scaling.ts).
  /** An autoscaling/v2 HPA; undefined when there is none. */
  readHpa(namespace: string, name: string): Promise<HpaView | undefined>;
  /** Sets minReplicas and/or maxReplicas in one write; terminal error when the HPA is gone or min > max. */
  setHpaBounds(namespace: string, name: string, bounds: Partial<ReplicaBounds>): Promise<Change>;
  /** Deletes the HPA if capstan made it (its managed-by label); `unchanged` when absent or someone else's. */
  deleteHpa(namespace: string, name: string): Promise<Change>;
  /** Sets a Deployment's replicas through the scale subresource; `unchanged` when so already, terminal when absent. */
  scaleDeployment(namespace: string, name: string, replicas: number): Promise<Change>;
}

export type ConnectGateway = (cluster: ClusterAccess) => Promise<KubeGateway>;

/** The gateway over one cluster's API clients. */
export const gatewayOf = (kube: KubeClients): KubeGateway => {
  const fail = (error: unknown) => translateKubeError(kube.cluster, error);
  const orAbsent = (error: unknown) => (isNotFound(error) ? undefined : fail(error));
  return {
    cluster: kube.cluster,
    apply: (objects) => applyAll(kube, objects),
    dryRun: (objects) => dryRunDiff(kube, objects),
    readDeployment: (namespace, name) => kube.apps.readNamespacedDeployment({ name, namespace }).catch(orAbsent),
    listResourceQuotas: async (namespace) => {
      const list = await kube.core.listNamespacedResourceQuota({ namespace }).catch(orAbsent);
      return list?.items ?? [];
    },
    version: async () => (await kube.version.getCode().catch(fail)).gitVersion,

    readNode: (name) => readNode(kube, name),
    listNodes: () => listNodes(kube),
    cordon: (node) => cordon(kube, node),
    uncordon: (node) => uncordon(kube, node),
    addTaint: (node, taint) => addTaint(kube, node, taint),
    removeTaint: (node, taint) => removeTaint(kube, node, taint),

    readPod: (namespace, name) => readPod(kube, namespace, name),
    listPodsOnNode: (node) => listPodsOnNode(kube, node),
    listVolumeAttachments: (node) => listVolumeAttachmentsOnNode(kube, node),
    deleteVolumeAttachment: (name) => deleteVolumeAttachment(kube, name),
    listWarningEvents: (reasons) => listWarningEvents(kube, reasons),

    readPersistentVolumeClaim: (namespace, name) => readPersistentVolumeClaim(kube, namespace, name),
    readPersistentVolume: (name) => readPersistentVolume(kube, name),
    listVolumeAttachmentsOfVolume: (persistentVolume) => listVolumeAttachmentsOfVolume(kube, persistentVolume),
    readNetworkFence: (name) => readNetworkFence(kube, name),
    deleteNetworkFence: (name) => deleteNetworkFence(kube, name),

    readHpa: (namespace, name) => readHpa(kube, namespace, name),
    setHpaBounds: (namespace, name, bounds) => setHpaBounds(kube, namespace, name, bounds),
    deleteHpa: (namespace, name) => deleteHpa(kube, namespace, name),
    scaleDeployment: (namespace, name, replicas) => scaleDeployment(kube, namespace, name, replicas),
  };
};

/** Gateways for the clusters `connect` reaches (its client cache is kept). */
export const gatewayConnector =
  (connect: Connect): ConnectGateway =>
  async (cluster) =>
    gatewayOf(await connect(cluster));

/** In a namespace that does not exist yet nothing namespaced can be dry-run: all of it would be created. */
const dryRunDiff = async (kube: KubeClients, objects: readonly KubernetesObject[]): Promise<string[]> => {
  const lines: string[] = [];
  let newNamespace = false;
  for (const object of objects) {
    if (newNamespace && object.metadata?.namespace) {
      lines.push(`${object.kind}/${object.metadata.name}: created`);
      continue;
    }
    const result = await applyObject(kube, object, { dryRun: true });
    if (object.kind === 'Namespace' && result.outcome === 'created') newNamespace = true;
    lines.push(...diffApplied(object, result.before, result.object));
  }
  return lines;
};
