import type { V1Pod, V1VolumeAttachment } from '@kubernetes/client-node';
import type { KubeClients } from './connect.ts';
import { isNotFound, translateKubeError } from './errors.ts';
import { type Change, retryOnConflict } from './optimistic.ts';

// What still references a node: the pods bound to it and the volumes attached to it. Fencing waits for
// both to go (the pod GC and the attach/detach controller do it), and recovery removes the out-of-service
// taint only once nothing is left.

export interface PodView {
  readonly namespace: string;
  readonly name: string;
  readonly phase?: string;
  /** Deletion requested (graceful, or waiting on the pod GC for a node that is gone). */
  readonly deleting: boolean;
  /** Its controller, as `Kind/name` (`StatefulSet/db`), when it has one. */
  readonly owner?: string;
  /** The PersistentVolumeClaims it mounts: the way from a pod to its RBD image. */
  readonly claims: readonly string[];
  /** The node it is bound to (spec.nodeName); absent while it is not scheduled. */
  readonly node?: string;
}

/** Every pod bound to the node, in any namespace (a field selector: the API server filters). */
export const listPodsOnNode = async (kube: KubeClients, node: string): Promise<PodView[]> => {
  try {
    const pods = await kube.core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node}` });
    return pods.items.map(podView);
  } catch (error) {
    return translateKubeError(kube.cluster, error);
  }
};

/** One pod, fresh; undefined when it does not exist. */
export const readPod = async (kube: KubeClients, namespace: string, name: string): Promise<PodView | undefined> => {
  try {
    return podView(await kube.core.readNamespacedPod({ namespace, name }));
  } catch (error) {
    if (isNotFound(error)) return undefined;
    return translateKubeError(kube.cluster, error);
  }
};

const podView = (pod: V1Pod): PodView => {
  const owner = pod.metadata?.ownerReferences?.find((o) => o.controller);
  return {
    namespace: pod.metadata?.namespace ?? '',
    name: pod.metadata?.name ?? '',
    phase: pod.status?.phase,
    deleting: pod.metadata?.deletionTimestamp !== undefined,
    owner: owner ? `${owner.kind}/${owner.name}` : undefined,
    claims: (pod.spec?.volumes ?? []).flatMap((v) =>
      v.persistentVolumeClaim ? [v.persistentVolumeClaim.claimName] : [],
    ),
    ...(pod.spec?.nodeName ? { node: pod.spec.nodeName } : {}),
  };
};

export interface VolumeAttachmentView {
  readonly name: string;
  /** The CSI driver that attaches it (`rbd.csi.ceph.com`). */
  readonly attacher: string;
  readonly node: string;
  readonly persistentVolume?: string;
  readonly attached: boolean;
  readonly deleting: boolean;
}

/**
 * The VolumeAttachments to the node. VolumeAttachments have no field selector on spec.nodeName, so all of
 * them are listed and filtered here (one call; a cluster has about one per mounted CSI volume).
 */
export const listVolumeAttachmentsOnNode = async (kube: KubeClients, node: string): Promise<VolumeAttachmentView[]> => {
  try {
    const list = await kube.storage.listVolumeAttachment();
    return list.items.filter((va) => va.spec.nodeName === node).map(volumeAttachmentView);
  } catch (error) {
    return translateKubeError(kube.cluster, error);
  }
};

/**
 * Deletes a stale VolumeAttachment (the attach/detach controller has not, after the node was fenced).
 * `unchanged` when it is gone already or its deletion is under way (a finalizer of the CSI attacher holds
 * it): a second call never deletes anything the first did not.
 */
export const deleteVolumeAttachment = async (kube: KubeClients, name: string): Promise<Change> => {
  try {
    return await retryOnConflict(async () => {
      const current = await kube.storage.readVolumeAttachment({ name });
      if (current.metadata?.deletionTimestamp) return 'unchanged';
      // Exactly the attachment that was read (a 409 otherwise: read again): names are derived from the
      // volume and the node, so a new attachment of the same name may have appeared since.
      const preconditions = { uid: current.metadata?.uid, resourceVersion: current.metadata?.resourceVersion };
      await kube.storage.deleteVolumeAttachment({ name, body: { preconditions } });
      return 'changed';
    });
  } catch (error) {
    if (isNotFound(error)) return 'unchanged';
    return translateKubeError(kube.cluster, error);
  }
};

export const volumeAttachmentView = (va: V1VolumeAttachment): VolumeAttachmentView => ({
  name: va.metadata?.name ?? '',
  attacher: va.spec.attacher,
  node: va.spec.nodeName,
  persistentVolume: va.spec.source.persistentVolumeName,
  attached: va.status?.attached === true,
  deleting: va.metadata?.deletionTimestamp !== undefined,
});
