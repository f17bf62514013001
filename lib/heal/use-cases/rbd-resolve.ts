import type { RbdLockDetectedData } from '../../../events/rbd-lock-detected.ts';
import type { KubeGateway } from '../../kube/gateway.ts';
import type { NodeView } from '../../kube/nodes.ts';
import type { ReasonCode } from '../../reasons.ts';
import type { NodeHeal } from '../../store/heals.ts';
import { isActiveHeal } from '../../store/ports.ts';
import { ipOf } from '../decisions/rbd-free.ts';
import { holderOf, type RbdVolume, rbdVolumeOf } from '../decisions/rbd-volume.ts';

/** The image a pod cannot mount, found from the cluster itself: what the event says is only where to look. */
export interface ResolvedImage {
  readonly persistentVolume: string;
  readonly rbd: RbdVolume;
  readonly requester: { readonly namespace: string; readonly pod: string; readonly node?: string };
  /** Nodes other than the requester's that the volume's VolumeAttachments say hold it. */
  readonly attachedTo: readonly string[];
}

export type Resolution =
  | { readonly found: ResolvedImage }
  | { readonly code: ReasonCode; readonly reason: string; readonly persistentVolume?: string };

/**
 * Pod -> its claims -> their PVs -> the RBD image (../decisions/rbd-volume.ts) -> who attached it. An event
 * naming a pool and image must name one of the pod's own volumes: an event forged for an image no PV of the
 * pod uses frees nothing. With no image named, the pod's first RBD volume attached elsewhere is the one.
 */
export const resolveImage = async (gateway: KubeGateway, data: RbdLockDetectedData): Promise<Resolution> => {
  const pod = await gateway.readPod(data.namespace, data.pod);
  if (!pod) return { code: 'not-found', reason: `pod ${data.namespace}/${data.pod} does not exist` };
  const requester = { namespace: pod.namespace, pod: pod.name, ...(pod.node ? { node: pod.node } : {}) };

  const volumes: ResolvedImage[] = [];
  const why: string[] = [];
  for (const claim of pod.claims) {
    const pvc = await gateway.readPersistentVolumeClaim(pod.namespace, claim);
    if (!pvc?.volumeName) {
      why.push(`claim ${claim} is ${pvc ? 'bound to no PV' : 'missing'}`);
      continue;
    }
    const pv = await gateway.readPersistentVolume(pvc.volumeName);
    if (!pv) {
      why.push(`PV ${pvc.volumeName} is missing`);
      continue;
    }
    const reading = rbdVolumeOf(pv);
    if (!('rbd' in reading)) {
      why.push(reading.reason);
      continue;
    }
    const attachments = await gateway.listVolumeAttachmentsOfVolume(pvc.volumeName);
    const attachedTo = holderOf(attachments, pvc.volumeName).nodes.filter((n) => n !== pod.node);
    volumes.push({ persistentVolume: pvc.volumeName, rbd: reading.rbd, requester, attachedTo });
  }

  const named = data.pool !== undefined && data.image !== undefined;
  const match = named
    ? volumes.find((v) => v.rbd.pool === data.pool && v.rbd.image === data.image)
    : (volumes.find((v) => v.attachedTo.length > 0) ?? volumes[0]);
  if (match) return { found: match };
  const of = `pod ${data.namespace}/${data.pod}`;
  if (named) {
    const uses = volumes.map((v) => `${v.rbd.pool}/${v.rbd.image}`).join(', ') || 'no RBD image';
    return { code: 'no-such-volume', reason: `${of} uses ${uses}, not ${data.pool}/${data.image}: nothing is freed` };
  }
  return { code: 'no-such-volume', reason: `${of} mounts no RBD volume${why.length ? ` (${why.join('; ')})` : ''}` };
};

/**
 * The node holding the image, other than the requester's: its VolumeAttachment says so. Once fencing has
 * let the attach/detach controller remove that attachment, the node whose heal noted the volume when it
 * was tainted; for an in-tree volume, which has none, the node whose address a watcher or lock comes from. Either way only a candidate: it must
 * still be proven lost and fenced, and the address blocked is read from its Node, never from the watcher.
 */
export const holderCandidate = (
  image: ResolvedImage,
  nodes: readonly NodeView[],
  holderAddresses: readonly string[],
  heals: readonly Pick<NodeHeal, 'node' | 'phase' | 'attachedVolumes'>[] = [],
): { readonly node: string; readonly from: 'volume-attachment' | 'heal-record' | 'watcher-address' } | undefined => {
  const attached = image.attachedTo[0];
  if (attached) return { node: attached, from: 'volume-attachment' };
  // The node capstan is fencing noted the volume among its attachments when it tainted it.
  const healed = heals.find(
    (h) =>
      isActiveHeal(h.phase) && h.node !== image.requester.node && h.attachedVolumes?.includes(image.persistentVolume),
  );
  if (healed) return { node: healed.node, from: 'heal-record' };
  const ips = new Set(holderAddresses.map(ipOf).filter((ip) => ip !== undefined));
  const owner = nodes.find(
    (n) => n.name !== image.requester.node && n.addresses.some((a) => a.type === 'InternalIP' && ips.has(a.address)),
  );
  return owner ? { node: owner.name, from: 'watcher-address' } : undefined;
};
