import type { V1PersistentVolume, V1StatefulSet, V1VolumeAttachment } from '@kubernetes/client-node';
import type { KubeClients } from '../../lib/kube/connect.ts';
import { mergePatch } from '../../lib/kube/optimistic.ts';
import { pinnedStatefulSet } from './heal-cluster.ts';
import { eventually } from './kube.ts';

// RBD-backed volumes on a local cluster, as ceph-csi (or the old in-tree plugin) would have them, with the
// real PV controller binding them and the real attach/detach controller attaching them:
// - the attach/detach controller (kube-controller-manager) handles a Node's volumes only when the Node
//   carries CONTROLLER_MANAGED_ATTACH = "true", which a kubelet sets at registration by default
//   (--enable-controller-attach-detach) and kwok's Nodes lack: without it no VolumeAttachment ever appears;
// - for a CSI PV it then creates the VolumeAttachment (`csi-<sha256>`, attacher = the PV's driver) within
//   about a second of the pod's binding; no CSIDriver object is needed (absent, attach is required);
// - nothing here runs ceph-csi's external-attacher, which marks it attached (ceph-csi's RBD controller has
//   no ControllerPublishVolume, so that is all it does), so markAttached does exactly its write: status
//   `attached: true` through the status subresource. Its finalizer is left out: the attacher would take it
//   off at once for a detach that calls nothing, so a deletion goes through here as it would there;
// - an in-tree `spec.rbd` PV (the plugin is gone from Kubernetes since 1.31, the API field stays) binds and
//   its pod schedules, but no controller attaches it: no VolumeAttachment, ever. Its holder is only known
//   from the pods that mount its claim.

export const CONTROLLER_MANAGED_ATTACH = 'volumes.kubernetes.io/controller-managed-attach-detach';

export const CEPH_CSI_RBD = 'rbd.csi.ceph.com';

/** As a kubelet annotates its Node: the attach/detach controller attaches and detaches its volumes. */
export const letControllerAttach = async (kube: KubeClients, node: string): Promise<void> => {
  await kube.core.patchNode(
    { name: node, body: { metadata: { annotations: { [CONTROLLER_MANAGED_ATTACH]: 'true' } } } },
    mergePatch,
  );
};

export type RbdSource = 'csi' | 'in-tree';

export interface RbdVolume {
  readonly namespace: string;
  /** The claim's name; the PV is `<namespace>-<claim>` (PVs are cluster-wide). */
  readonly claim: string;
  readonly volume: string;
  readonly pool: string;
  readonly image: string;
  readonly source: RbdSource;
}

const rbdSource = (source: RbdSource, pool: string, image: string): Partial<V1PersistentVolume['spec']> =>
  source === 'csi'
    ? {
        csi: {
          driver: CEPH_CSI_RBD,
          volumeHandle: `0001-0024-local-0000000000000001-${image}`,
          fsType: 'ext4',
          volumeAttributes: { clusterID: 'local', pool, imageName: image, imageFeatures: 'layering' },
        },
      }
    : { rbd: { monitors: ['127.0.0.1:6789'], pool, image, user: 'admin', fsType: 'ext4' } };

/**
 * A PersistentVolume for the image, pre-bound to the claim, and the claim naming it; both Bound by the
 * real PV controller (usually at once, sometimes only at its 15 s resync). Returns once the claim is Bound.
 */
export const createRbdVolume = async (
  kube: KubeClients,
  o: { namespace: string; claim: string; pool: string; image: string; source: RbdSource },
): Promise<RbdVolume> => {
  const volume = `${o.namespace}-${o.claim}`;
  await kube.core.createPersistentVolume({
    body: {
      metadata: { name: volume },
      spec: {
        capacity: { storage: '1Gi' },
        accessModes: ['ReadWriteOnce'],
        persistentVolumeReclaimPolicy: 'Retain',
        storageClassName: '',
        claimRef: { namespace: o.namespace, name: o.claim },
        ...rbdSource(o.source, o.pool, o.image),
      },
    },
  });
  await kube.core.createNamespacedPersistentVolumeClaim({
    namespace: o.namespace,
    body: {
      metadata: { name: o.claim },
      spec: {
        accessModes: ['ReadWriteOnce'],
        storageClassName: '',
        volumeName: volume,
        resources: { requests: { storage: '1Gi' } },
      },
    },
  });
  await eventually(
    `claim ${o.namespace}/${o.claim} Bound`,
    async () => {
      const claim = await kube.core.readNamespacedPersistentVolumeClaim({ namespace: o.namespace, name: o.claim });
      return claim.status?.phase === 'Bound' ? claim : undefined;
    },
    60_000,
  );
  return { namespace: o.namespace, claim: o.claim, volume, pool: o.pool, image: o.image, source: o.source };
};

/** heal-cluster's pinnedStatefulSet (one replica, preferring `node`) with the claim mounted at /data. */
export const statefulSetWithClaim = (namespace: string, name: string, node: string, claim: string): V1StatefulSet => {
  const set = pinnedStatefulSet(namespace, name, node);
  const pod = set.spec?.template.spec;
  if (!pod) throw new Error('pinnedStatefulSet has no pod template');
  pod.volumes = [{ name: 'data', persistentVolumeClaim: { claimName: claim } }];
  for (const container of pod.containers) container.volumeMounts = [{ name: 'data', mountPath: '/data' }];
  return set;
};

/** The external-attacher's one write for a driver with nothing to call: the attachment is attached. */
export const markAttached = async (kube: KubeClients, name: string): Promise<void> => {
  await kube.storage.patchVolumeAttachmentStatus({ name, body: { status: { attached: true } } }, mergePatch);
};

/** The attach/detach controller's VolumeAttachment of the volume to the node, once it exists. */
export const volumeAttachmentOf = async (
  kube: KubeClients,
  volume: string,
  node: string,
): Promise<V1VolumeAttachment | undefined> =>
  (await kube.storage.listVolumeAttachment()).items.find(
    (va) => va.spec.source.persistentVolumeName === volume && va.spec.nodeName === node,
  );

/**
 * Waits for the real VolumeAttachment of the volume to the node, marks it attached as the external-attacher
 * would, and waits until the attach/detach controller has seen it (the Node's status.volumesAttached lists
 * the volume). Returns its name and how long each took.
 */
export const untilAttached = async (
  kube: KubeClients,
  volume: string,
  node: string,
): Promise<{ name: string; createdAfterMs: number; attachedAfterMs: number }> => {
  const started = Date.now();
  const va = await eventually(`a VolumeAttachment of ${volume} to ${node}`, () =>
    volumeAttachmentOf(kube, volume, node),
  );
  const createdAfterMs = Date.now() - started;
  const name = va.metadata?.name ?? '';
  await markAttached(kube, name);
  const handle = (await kube.core.readPersistentVolume({ name: volume })).spec?.csi?.volumeHandle;
  await eventually(`node ${node} to report ${volume} attached`, async () => {
    const attached = (await kube.core.readNode({ name: node })).status?.volumesAttached ?? [];
    return attached.some((v) => v.name.endsWith(`^${handle}`)) ? attached : undefined;
  });
  return { name, createdAfterMs, attachedAfterMs: Date.now() - started };
};
