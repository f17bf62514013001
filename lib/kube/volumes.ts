import type { V1PersistentVolume } from '@kubernetes/client-node';
import type { KubeClients } from './connect.ts';
import { isNotFound, translateKubeError } from './errors.ts';
import { type VolumeAttachmentView, volumeAttachmentView } from './workloads.ts';

// The way from a pod to its Ceph RBD image and to the node that holds it (issue 11): pod -> its claim ->
// the PersistentVolume bound to it (pool and image, lib/heal/decisions/rbd-volume.ts) -> the volume's
// VolumeAttachments (which node it is attached to).

/** A PersistentVolumeClaim as freeing needs it: which volume it is bound to. */
export interface ClaimView {
  readonly namespace: string;
  readonly name: string;
  /** spec.volumeName: the PV it is bound (or being bound) to; absent while unbound. */
  readonly volumeName?: string;
  /** status.phase: `Pending`, `Bound` or `Lost` (the PV it was bound to is gone). */
  readonly phase: string;
}

/** One claim, fresh; undefined when it does not exist. */
export const readPersistentVolumeClaim = async (
  kube: KubeClients,
  namespace: string,
  name: string,
): Promise<ClaimView | undefined> => {
  try {
    const claim = await kube.core.readNamespacedPersistentVolumeClaim({ namespace, name });
    return {
      namespace,
      name,
      ...(claim.spec?.volumeName ? { volumeName: claim.spec.volumeName } : {}),
      phase: claim.status?.phase ?? 'Pending',
    };
  } catch (error) {
    if (isNotFound(error)) return undefined;
    return translateKubeError(kube.cluster, error);
  }
};

/**
 * One PersistentVolume as the cluster has it (rbdVolumeOf reads its pool and image); undefined when it does
 * not exist. Whole, since where the image is named depends on the volume source (CSI or in-tree).
 */
export const readPersistentVolume = async (
  kube: KubeClients,
  name: string,
): Promise<V1PersistentVolume | undefined> => {
  try {
    return await kube.core.readPersistentVolume({ name });
  } catch (error) {
    if (isNotFound(error)) return undefined;
    return translateKubeError(kube.cluster, error);
  }
};

/**
 * Every VolumeAttachment of the PV, to any node, in any state (holderOf picks the attached ones). No field
 * selector exists on spec.source, so all are listed and filtered here, as for a node's.
 */
export const listVolumeAttachmentsOfVolume = async (
  kube: KubeClients,
  persistentVolume: string,
): Promise<VolumeAttachmentView[]> => {
  try {
    const list = await kube.storage.listVolumeAttachment();
    return list.items
      .filter((va) => va.spec.source.persistentVolumeName === persistentVolume)
      .map(volumeAttachmentView);
  } catch (error) {
    return translateKubeError(kube.cluster, error);
  }
};
