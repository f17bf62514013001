import { describe, expect, it } from 'vitest';
import { holderOf, rbdVolumeOf } from '../../lib/heal/decisions/rbd-volume.ts';
import { networkFence, networkFenceName } from '../../lib/heal/render/network-fence.ts';
import type { KubeGateway } from '../../lib/kube/gateway.ts';

// What the gateway's verbs for freeing RBD images promise (issue 11), run against the real adapter on a
// real kube-apiserver with the real attach/detach controller and the NetworkFence CRD
// (test/integration/kube-volumes.test.ts) and against the in-memory double (test/unit/kube-contract.test.ts).

/** A claim bound to a ceph-csi RBD volume that a pod on `node` uses, its VolumeAttachment attached. */
export interface VolumeFixture {
  readonly gateway: KubeGateway;
  readonly namespace: string;
  readonly claim: string;
  readonly volume: string;
  readonly pool: string;
  readonly image: string;
  readonly node: string;
}

/** How ceph-csi is named in a NetworkFence without a NetworkFenceClass: driver and its secret. */
const CEPH_CSI = { driver: 'rbd.csi.ceph.com', secret: { name: 'csi-rbd-provisioner', namespace: 'ceph-csi' } };

export const volumeVerbsContract = (fixture: () => VolumeFixture) =>
  describe('volume verbs (contract)', () => {
    it('a bound claim names its volume, the volume reads as its RBD image; absent ones are undefined', async () => {
      const { gateway, namespace, claim, volume, pool, image } = fixture();
      expect(await gateway.readPersistentVolumeClaim(namespace, claim)).toEqual({
        namespace,
        name: claim,
        volumeName: volume,
        phase: 'Bound',
      });
      const pv = await gateway.readPersistentVolume(volume);
      expect(pv && rbdVolumeOf(pv)).toEqual({ rbd: { pool, image, attacher: 'rbd.csi.ceph.com' } });
      expect(await gateway.readPersistentVolumeClaim(namespace, 'no-such-claim')).toBeUndefined();
      expect(await gateway.readPersistentVolume('no-such-volume')).toBeUndefined();
    });

    it("the volume's VolumeAttachments: attached to the pod's node, which holderOf names", async () => {
      const { gateway, volume, node } = fixture();
      const attachments = await gateway.listVolumeAttachmentsOfVolume(volume);
      expect(attachments).toEqual([
        expect.objectContaining({ attacher: 'rbd.csi.ceph.com', node, persistentVolume: volume, attached: true }),
      ]);
      expect(holderOf(attachments, volume).nodes).toEqual([node]);
      expect(await gateway.listVolumeAttachmentsOfVolume('no-such-volume')).toEqual([]);
    });

    it('a NetworkFence: Fenced applied twice (the second unchanged), Unfenced, deleted twice (the second unchanged)', async () => {
      const { gateway, node } = fixture();
      const name = networkFenceName(node);
      const fenced = networkFence(node, ['127.0.0.99'], 'Fenced', CEPH_CSI);
      expect((await gateway.apply([fenced])).map((r) => r.outcome)).toEqual(['created']);
      expect((await gateway.apply([fenced])).map((r) => r.outcome)).toEqual(['unchanged']);
      // No csi-addons controller here: nobody answers, and the status stays empty.
      expect(await gateway.readNetworkFence(name)).toEqual({
        name,
        spec: { fenceState: 'Fenced', cidrs: ['127.0.0.99/32'], ...CEPH_CSI },
        deleting: false,
      });
      const unfenced = networkFence(node, ['127.0.0.99'], 'Unfenced', CEPH_CSI);
      expect((await gateway.apply([unfenced])).map((r) => r.outcome)).toEqual(['configured']);
      expect((await gateway.apply([unfenced])).map((r) => r.outcome)).toEqual(['unchanged']);
      expect((await gateway.readNetworkFence(name))?.spec.fenceState).toBe('Unfenced');
      expect(await gateway.deleteNetworkFence(name)).toBe('changed');
      expect(await gateway.deleteNetworkFence(name)).toBe('unchanged');
      expect(await gateway.readNetworkFence(name)).toBeUndefined();
    });

    it('a VolumeAttachment deleted twice: the second is unchanged', async () => {
      const { gateway, volume } = fixture();
      const [attachment] = await gateway.listVolumeAttachmentsOfVolume(volume);
      expect(attachment).toBeDefined();
      expect(await gateway.deleteVolumeAttachment(attachment?.name ?? '')).toBe('changed');
      expect(await gateway.deleteVolumeAttachment(attachment?.name ?? '')).toBe('unchanged');
    });
  });
