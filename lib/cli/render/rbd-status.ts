import type { BlocklistEntry, ImageStatus } from '../../ceph/ports.ts';
import type { RbdFreeVerdict } from '../../heal/decisions/rbd-free.ts';
import type { VolumeAttachmentView } from '../../kube/workloads.ts';
import type { ImageHeal } from '../../store/image-heals.ts';
import { renderTable, stamp } from '../format.ts';

/** The NetworkFence CR capstan names after the holder (lib/heal/render/network-fence.ts), as read now. */
export type NetworkFenceView =
  | { readonly name: string; readonly found: false }
  | {
      readonly name: string;
      readonly found: true;
      readonly fenceState?: string;
      readonly cidrs: readonly string[];
      readonly result?: string;
      readonly message?: string;
    };

/**
 * `capstan rbd status`: one image as capstan sees it now. What Ceph says (when the cluster frees through
 * Ceph), or the NetworkFence (through csi-addons), next to the Kubernetes side and capstan's verdict.
 */
export interface RbdStatusView {
  readonly cluster: string;
  readonly image: string;
  /** How the cluster frees images (`ceph <url>`, `network-fence <class>`, `-`). */
  readonly freeing: string;
  readonly via: 'ceph' | 'network-fence' | 'none';
  readonly record: ImageHeal | null;
  /** The node holding it, and where that comes from. */
  readonly holder: { readonly node: string; readonly from: 'record' | 'volume-attachment' } | null;
  readonly attachments: readonly VolumeAttachmentView[];
  /** Ceph's side; null when Ceph is not read. `image: null`: Ceph has no such image. */
  readonly ceph: { readonly image: ImageStatus | null; readonly blocklist: readonly BlocklistEntry[] } | null;
  readonly networkFence: NetworkFenceView | null;
  /** judgeImage's verdict now; null when there is no holder to judge. */
  readonly verdict: RbdFreeVerdict | null;
  readonly evidence: Record<string, unknown> | null;
}

const verdictLine = (v: RbdFreeVerdict | null, via: RbdStatusView['via']) => {
  if (!v) return 'verdict: none (no holder node known: nothing to judge)';
  const where = via === 'none' ? ' (this cluster frees no image: nothing would be done)' : '';
  return v.free
    ? `verdict: free, blocking ${v.block.join(', ')}: ${v.reason}${where}`
    : `verdict: ${v.code}: ${v.reason}${where}`;
};

const cephLines = (view: RbdStatusView): string[] => {
  if (view.via === 'network-fence') return ['ceph: not read (this cluster frees images through csi-addons)'];
  if (view.via === 'none')
    return ['ceph: not read (this cluster frees no RBD image: see `capstan clusters add --help`)'];
  if (!view.ceph) return [];
  const { image, blocklist } = view.ceph;
  return [
    image === null
      ? `ceph: no image ${view.image}`
      : image.watchers.length === 0
        ? 'watchers: none'
        : `watchers:\n${renderTable(
            ['ADDRESS', 'CLIENT', 'COOKIE'],
            image.watchers.map((w) => [w.address, w.client, w.cookie]),
          )}`,
    ...(image === null
      ? []
      : [
          image.locks.length === 0
            ? 'locks: none'
            : `locks:\n${renderTable(
                ['ID', 'LOCKER', 'ADDRESS'],
                image.locks.map((l) => [l.id, l.locker, l.address]),
              )}`,
        ]),
    blocklist.length === 0
      ? 'blocklist: empty'
      : `blocklist:\n${renderTable(
          ['ENTITY', 'UNTIL'],
          blocklist.map((b) => [b.entity, b.until]),
        )}`,
  ];
};

const fenceLine = (f: NetworkFenceView | null): string[] => {
  if (!f) return [];
  if (!f.found) return [`network fence ${f.name}: none`];
  return [
    `network fence ${f.name}: ${f.fenceState ?? '?'} ${f.cidrs.join(', ') || '(no CIDRs)'}; ` +
      `result: ${f.result ?? 'no answer yet'}${f.message ? ` (${f.message})` : ''}`,
  ];
};

export const renderRbdStatus = (view: RbdStatusView): string =>
  [
    `image ${view.image} of cluster ${view.cluster}; frees images: ${view.freeing}`,
    view.record
      ? `capstan's record: ${view.record.phase}${view.record.code ? ` (${view.record.code})` : ''} since ${stamp(view.record.updatedAt)}, PV ${view.record.persistentVolume}, wanted by pod ${view.record.requester.namespace}/${view.record.requester.pod}`
      : "capstan's record: none (no pod has been seen failing to mount it)",
    view.holder ? `holder: node ${view.holder.node} (from the ${view.holder.from})` : 'holder: unknown',
    ...(view.attachments.length
      ? [
          `volume attachments:\n${renderTable(
            ['NAME', 'NODE', 'ATTACHED', 'DELETING'],
            view.attachments.map((a) => [a.name, a.node, String(a.attached), String(a.deleting)]),
          )}`,
        ]
      : []),
    ...cephLines(view),
    ...fenceLine(view.networkFence),
    verdictLine(view.verdict, view.via),
  ].join('\n');
