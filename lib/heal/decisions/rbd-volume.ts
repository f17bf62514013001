import type { V1PersistentVolume } from '@kubernetes/client-node';
import { CephNameSchema } from '../../../events/rbd-lock-detected.ts';
import type { VolumeAttachmentView } from '../../kube/workloads.ts';

/** The Ceph image a PV is, read from the PV itself: never from the event that named it. */
export interface RbdVolume {
  readonly pool: string;
  readonly image: string;
  /** The CSI driver (`rbd.csi.ceph.com`, `<ns>.rbd.csi.ceph.com`), the VolumeAttachments' `spec.attacher`. */
  readonly attacher?: string;
}

export type RbdVolumeReading = { readonly rbd: RbdVolume } | { readonly reason: string };

/** ceph-csi's RBD driver, as installed plain or by Rook (prefixed with the operator's namespace). */
const RBD_CSI_DRIVER = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)?rbd\.csi\.ceph\.com$/;

/** The in-tree plugin's default pool (`RBDPersistentVolumeSource.pool`: "Default is rbd"). */
const IN_TREE_DEFAULT_POOL = 'rbd';

/**
 * Pool and image of an RBD-backed PV: ceph-csi's `spec.csi.volumeAttributes.pool` + `.imageName`, or the in-tree
 * `spec.rbd.pool` + `.image`. Both end up as `rbd` arguments, so each must be a plain Ceph name; anything else
 * (another driver, a RADOS namespace in the pool attribute, a name reading as an option) is a reason, not a guess.
 */
export const rbdVolumeOf = (pv: V1PersistentVolume): RbdVolumeReading => {
  const name = pv.metadata?.name ?? '(unnamed)';
  const csi = pv.spec?.csi;
  if (csi) {
    if (!RBD_CSI_DRIVER.test(csi.driver)) return { reason: `PV ${name}: CSI driver ${csi.driver} is not ceph-csi RBD` };
    const attributes = csi.volumeAttributes ?? {};
    const where = 'spec.csi.volumeAttributes';
    const pool = { path: `${where}.pool`, value: attributes.pool };
    return named(name, pool, { path: `${where}.imageName`, value: attributes.imageName }, csi.driver);
  }
  const rbd = pv.spec?.rbd;
  if (rbd) {
    const pool = { path: 'spec.rbd.pool', value: rbd.pool || IN_TREE_DEFAULT_POOL };
    return named(name, pool, { path: 'spec.rbd.image', value: rbd.image });
  }
  return { reason: `PV ${name}: not an RBD volume` };
};

/** A field of the PV, named by its path so a reason points at it. */
interface Field {
  readonly path: string;
  readonly value: string | undefined;
}

const named = (pvName: string, pool: Field, image: Field, attacher?: string): RbdVolumeReading => {
  const why = whyNotACephName(pool) ?? whyNotACephName(image);
  if (why || !pool.value || !image.value) return { reason: `PV ${pvName}: ${why}` };
  return { rbd: { pool: pool.value, image: image.value, ...(attacher ? { attacher } : {}) } };
};

const whyNotACephName = ({ path, value }: Field): string | undefined => {
  if (!value) return `${path} is missing`;
  const result = CephNameSchema.safeParse(value);
  return result.success ? undefined : `${path} ${JSON.stringify(value)} ${result.error.issues[0]?.message}`;
};

export interface Holders {
  /** Every VolumeAttachment of the PV, whichever node and state. */
  readonly attachments: readonly VolumeAttachmentView[];
  /**
   * Nodes the volume is attached to, sorted: `status.attached` true, including an attachment being deleted
   * (detach is not confirmed until it is gone). A node still waiting to attach it does not hold it.
   */
  readonly nodes: readonly string[];
}

/** Who holds a PV, from the cluster's VolumeAttachments (storage.k8s.io/v1, `spec.source.persistentVolumeName`). */
export const holderOf = (attachments: readonly VolumeAttachmentView[], persistentVolume: string): Holders => {
  const mine = attachments.filter((va) => va.persistentVolume === persistentVolume);
  const nodes = [...new Set(mine.filter((va) => va.attached).map((va) => va.node))].sort();
  return { attachments: mine, nodes };
};
