import type { V1PersistentVolume } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { holderOf, rbdVolumeOf } from '../../lib/heal/decisions/rbd-volume.ts';
import type { VolumeAttachmentView } from '../../lib/kube/workloads.ts';

const PV = 'pvc-3f6d2a1e-8b7c-4d5e-9f0a-1b2c3d4e5f60';

const csiPv = (driver: string, volumeAttributes?: Record<string, string>): V1PersistentVolume => ({
  metadata: { name: PV },
  spec: {
    csi: {
      driver,
      volumeHandle: '0001-0009-rook-ceph-0000000000000002-0c9e8d7a',
      ...(volumeAttributes ? { volumeAttributes } : {}),
    },
  },
});

const inTreePv = (rbd: { pool?: string; image: string }): V1PersistentVolume => ({
  metadata: { name: PV },
  spec: { rbd: { monitors: ['10.0.0.1:6789'], ...rbd } },
});

const ceph = { clusterID: 'rook-ceph', pool: 'replicapool', imageName: 'csi-vol-0c9e8d7a' };

describe('rbdVolumeOf', () => {
  it.each([
    [
      'ceph-csi, plain driver',
      csiPv('rbd.csi.ceph.com', ceph),
      { pool: 'replicapool', image: 'csi-vol-0c9e8d7a', attacher: 'rbd.csi.ceph.com' },
    ],
    [
      'ceph-csi installed by Rook (<ns>.rbd.csi.ceph.com)',
      csiPv('rook-ceph.rbd.csi.ceph.com', ceph),
      { pool: 'replicapool', image: 'csi-vol-0c9e8d7a', attacher: 'rook-ceph.rbd.csi.ceph.com' },
    ],
    [
      'in-tree rbd',
      inTreePv({ pool: 'kube', image: 'kubernetes-dynamic-pvc-5e1a' }),
      { pool: 'kube', image: 'kubernetes-dynamic-pvc-5e1a' },
    ],
    ['in-tree rbd, pool omitted: the API default "rbd"', inTreePv({ image: 'img-1' }), { pool: 'rbd', image: 'img-1' }],
    [
      'in-tree rbd, pool "": the API default "rbd"',
      inTreePv({ pool: '', image: 'img-1' }),
      { pool: 'rbd', image: 'img-1' },
    ],
  ] as const)('%s', (_, pv, rbd) => {
    expect(rbdVolumeOf(pv)).toEqual({ rbd });
  });

  it.each([
    ['CephFS CSI', csiPv('cephfs.csi.ceph.com', ceph), 'CSI driver cephfs.csi.ceph.com is not ceph-csi RBD'],
    ['a driver that only ends like ceph-csi', csiPv('evil-rbd.csi.ceph.com.example', ceph), 'is not ceph-csi RBD'],
    ['ceph-csi without attributes', csiPv('rbd.csi.ceph.com'), 'spec.csi.volumeAttributes.pool is missing'],
    [
      'ceph-csi without imageName',
      csiPv('rbd.csi.ceph.com', { pool: 'replicapool' }),
      'spec.csi.volumeAttributes.imageName is missing',
    ],
    [
      'an image name reading as an option',
      csiPv('rbd.csi.ceph.com', { ...ceph, imageName: '--force' }),
      'spec.csi.volumeAttributes.imageName "--force" must be a Ceph pool or image name',
    ],
    ['a pool with a path', inTreePv({ pool: 'a/b', image: 'img-1' }), 'spec.rbd.pool "a/b" must be a Ceph pool'],
    ['in-tree without image', inTreePv({ image: '' }), 'spec.rbd.image is missing'],
    ['a hostPath PV', { metadata: { name: PV }, spec: { hostPath: { path: '/data' } } }, `PV ${PV}: not an RBD volume`],
    ['no spec at all', { metadata: { name: PV } }, 'not an RBD volume'],
  ] as const)('%s: a reason', (_, pv, fragment) => {
    const reading = rbdVolumeOf(pv);
    expect(reading).toEqual({ reason: expect.stringContaining(fragment) });
  });
});

const va = (
  name: string,
  node: string,
  persistentVolume: string | undefined,
  attached: boolean,
  deleting = false,
): VolumeAttachmentView => ({
  name,
  attacher: 'rook-ceph.rbd.csi.ceph.com',
  node,
  ...(persistentVolume ? { persistentVolume } : {}),
  attached,
  deleting,
});

describe('holderOf', () => {
  const stale = va('csi-aaa', 'worker-3', PV, true);
  const waiting = va('csi-bbb', 'worker-5', PV, false);
  const other = va('csi-ccc', 'worker-3', 'pvc-other', true);
  const inline = va('csi-ddd', 'worker-4', undefined, true);

  it.each([
    ['the lost node holds it, the new node waits', [stale, waiting, other, inline], [stale, waiting], ['worker-3']],
    ['no attachment of this PV', [other, inline], [], []],
    [
      'being deleted but still attached: still held',
      [va('csi-aaa', 'worker-3', PV, true, true)],
      [va('csi-aaa', 'worker-3', PV, true, true)],
      ['worker-3'],
    ],
    [
      'detached, not yet deleted: not held',
      [va('csi-aaa', 'worker-3', PV, false, true)],
      [va('csi-aaa', 'worker-3', PV, false, true)],
      [],
    ],
    [
      'held from two nodes (RWX block), sorted and once each',
      [va('csi-2', 'worker-5', PV, true), va('csi-1', 'worker-3', PV, true), va('csi-3', 'worker-5', PV, true)],
      [va('csi-2', 'worker-5', PV, true), va('csi-1', 'worker-3', PV, true), va('csi-3', 'worker-5', PV, true)],
      ['worker-3', 'worker-5'],
    ],
  ] as const)('%s', (_, attachments, mine, nodes) => {
    expect(holderOf(attachments, PV)).toEqual({ attachments: mine, nodes });
  });
});
