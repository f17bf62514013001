import type { CephGateway, ImageStatus } from '../ceph/ports.ts';
import type { RbdFreeVerdict } from '../heal/decisions/rbd-free.ts';
import { networkFenceName } from '../heal/render/network-fence.ts';
import type { VolumeAttachmentView } from '../kube/workloads.ts';
import type { Cluster } from '../store/clusters.ts';
import type { ImageHeal } from '../store/image-heals.ts';
import type { NetworkFenceView, RbdStatusView } from './render/rbd-status.ts';

/** What `rbd status` reads, handed in so the assembly below is one idea and the command only wires it. */
export interface RbdStatusPorts {
  /** The VolumeAttachments of a PersistentVolume (the Kubernetes gateway's). */
  readonly attachments: (persistentVolume: string) => Promise<readonly VolumeAttachmentView[]>;
  /** The NetworkFence CR of that name, as the Kubernetes gateway reads it. */
  readonly networkFence: (name: string) => Promise<
    | {
        readonly spec: { readonly fenceState?: string; readonly cidrs?: readonly string[] };
        readonly status?: { readonly result?: string; readonly message?: string };
      }
    | undefined
  >;
  /** The cluster's Ceph (only asked for where it frees through Ceph). */
  readonly ceph: () => Promise<CephGateway>;
  /** judgeImage (lib/heal/use-cases/judge-image.ts) on that holder: what capstan would decide now. */
  readonly judge: (holder: string) => Promise<{
    readonly verdict: RbdFreeVerdict;
    readonly evidence: Record<string, unknown>;
    readonly ceph: CephGateway | undefined;
    readonly status: ImageStatus | undefined;
  }>;
}

/**
 * One image as capstan sees it now. The holder is the record's (the node whose VolumeAttachment held the
 * volume when a pod was first seen failing to mount it), its volume's VolumeAttachments are read now (gone
 * once fencing let the attach/detach controller remove them); capstan's verdict is judgeImage's, the very
 * function healing decides with, so what an operator reads is what capstan would do.
 */
export const rbdStatusView = async (
  ports: RbdStatusPorts,
  cluster: Pick<Cluster, 'name' | 'freeing'>,
  image: { readonly pool: string; readonly image: string },
  record: ImageHeal | undefined,
  freeing: string,
): Promise<RbdStatusView> => {
  const name = `${image.pool}/${image.image}`;
  const via = cluster.freeing?.via ?? 'none';
  const holder = record ? { node: record.holderNode, from: 'record' as const } : null;
  const [attachments, judgement] = await Promise.all([
    record ? ports.attachments(record.persistentVolume) : [],
    holder ? ports.judge(holder.node) : undefined,
  ]);

  let ceph: RbdStatusView['ceph'] = null;
  if (via === 'ceph') {
    const gateway = judgement?.ceph ?? (await ports.ceph());
    const [status, blocklist] = await Promise.all([
      judgement ? judgement.status : gateway.imageStatus(image.pool, image.image),
      gateway.blocklist(),
    ]);
    ceph = { image: status ?? null, blocklist };
  }

  let networkFence: NetworkFenceView | null = null;
  if (via === 'network-fence' && holder) {
    const fenceName = networkFenceName(holder.node);
    const cr = await ports.networkFence(fenceName);
    networkFence = cr
      ? {
          name: fenceName,
          found: true,
          cidrs: cr.spec.cidrs ?? [],
          ...(cr.spec.fenceState ? { fenceState: cr.spec.fenceState } : {}),
          ...(cr.status?.result ? { result: cr.status.result } : {}),
          ...(cr.status?.message ? { message: cr.status.message } : {}),
        }
      : { name: fenceName, found: false };
  }

  return {
    cluster: cluster.name,
    image: name,
    freeing,
    via,
    record: record ?? null,
    holder,
    attachments,
    ceph,
    networkFence,
    verdict: judgement?.verdict ?? null,
    evidence: judgement?.evidence ?? null,
  };
};
