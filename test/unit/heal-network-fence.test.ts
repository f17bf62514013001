import { describe, expect, it } from 'vitest';
import { fenceResult, hostCidrs, networkFence, networkFenceName } from '../../lib/heal/render/network-fence.ts';

describe('NetworkFence', () => {
  it('fences the lost node’s addresses as one-host CIDRs, through a NetworkFenceClass or a driver', () => {
    expect(
      networkFence('worker-1', ['127.0.0.11', '127.0.0.11', 'fd00::5'], 'Fenced', { networkFenceClassName: 'ceph' }),
    ).toEqual({
      apiVersion: 'csiaddons.openshift.io/v1alpha1',
      kind: 'NetworkFence',
      metadata: {
        name: 'capstan-worker-1',
        labels: { 'app.kubernetes.io/managed-by': 'capstan' },
        annotations: { 'capstan.dev/node': 'worker-1' },
      },
      spec: { fenceState: 'Fenced', cidrs: ['127.0.0.11/32', 'fd00::5/128'], networkFenceClassName: 'ceph' },
    });
    const byDriver = networkFence('worker-1', ['10.0.0.5'], 'Unfenced', {
      driver: 'rook-ceph.rbd.csi.ceph.com',
      secret: { name: 'rook-csi-rbd-provisioner', namespace: 'rook-ceph' },
      parameters: { clusterID: 'rook-ceph' },
    });
    expect(byDriver.spec).toEqual({
      fenceState: 'Unfenced',
      cidrs: ['10.0.0.5/32'],
      driver: 'rook-ceph.rbd.csi.ceph.com',
      secret: { name: 'rook-csi-rbd-provisioner', namespace: 'rook-ceph' },
      parameters: { clusterID: 'rook-ceph' },
    });
  });

  it('one name per node, a valid object name however long the node name', () => {
    expect(networkFenceName('a.b')).toBe('capstan-a.b');
    const long = networkFenceName(`${'x'.repeat(240)}.y-z`);
    expect(long.length).toBeLessThanOrEqual(253);
    expect(long).toMatch(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
    expect(hostCidrs([])).toEqual([]);
  });

  it.each([
    ['Succeeded', undefined, 5, { result: 'succeeded' }],
    ['Failed', 'no such client', 5, { result: 'failed', message: 'no such client' }],
    [undefined, undefined, 5, { result: 'pending', silent: false }],
    [undefined, undefined, 120, { result: 'pending', silent: true }],
  ])('status.result %s after %ss: %o', (result, message, waited, expected) => {
    expect(fenceResult({ status: { result, message } }, waited as number, 60)).toEqual(expected);
  });
});
