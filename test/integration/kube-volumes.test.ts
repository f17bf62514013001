import { PatchStrategy } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterRejectedError } from '../../lib/errors.ts';
import { rbdVolumeOf } from '../../lib/heal/decisions/rbd-volume.ts';
import { networkFence, networkFenceName } from '../../lib/heal/render/network-fence.ts';
import { connector } from '../../lib/kube/connect.ts';
import { gatewayOf, type KubeGateway } from '../../lib/kube/gateway.ts';
import { NETWORK_FENCE_TYPE } from '../../lib/kube/network-fences.ts';
import { type VolumeFixture, volumeVerbsContract } from '../contract/kube-volumes.ts';
import { installNetworkFenceCrd } from '../support/crds.ts';
import { type HealCluster, startHealCluster, statefulPod } from '../support/heal-cluster.ts';
import { eventually } from '../support/kube.ts';
import {
  createRbdVolume,
  letControllerAttach,
  statefulSetWithClaim,
  untilAttached,
  volumeAttachmentOf,
} from '../support/rbd-volumes.ts';

// The gateway's verbs for freeing RBD images (issue 11) on a local cluster of this file's own, as capstan's
// service account (`capstan rbac`): a ceph-csi RBD volume bound by the real PV controller, mounted by a
// StatefulSet's pod on a kwok node, attached by the real attach/detach controller (its VolumeAttachment
// marked attached as ceph-csi's external-attacher would: test/support/rbd-volumes.ts); csi-addons'
// NetworkFence with the CRD written from upstream's types; and an in-tree `spec.rbd` volume, which nothing
// attaches on Kubernetes 1.34.

const NAMESPACE = 'rbd';
let cluster: HealCluster;
let asCapstan: KubeGateway;
let fixture: VolumeFixture;
const figures: Record<string, string> = {};
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

beforeAll(async () => {
  cluster = await startHealCluster('volumes', 2);
  const clients = await connector()({
    ...cluster.record('staging'),
    name: 'as-capstan',
    credentials: { kind: 'kubeconfig', path: cluster.asCapstan.kubeconfigPath, context: cluster.asCapstan.context },
  });
  asCapstan = gatewayOf(clients);
  for (const node of cluster.nodes) await letControllerAttach(cluster.kube, node);
  await cluster.kube.core.createNamespace({ body: { metadata: { name: NAMESPACE } } });
});

afterAll(async () => {
  console.log(`kube-volumes figures: ${JSON.stringify(figures)}`);
  await cluster?.stop();
});

const refusedForGood = async (call: () => Promise<unknown>, message: RegExp) => {
  const error = await call().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ClusterRejectedError);
  expect((error as Error).message).toMatch(message);
};

const CEPH_CSI = { driver: 'rbd.csi.ceph.com', secret: { name: 'csi-rbd-provisioner', namespace: 'ceph-csi' } };

describe('a cluster without csi-addons (no NetworkFence CRD)', () => {
  it('has no NetworkFence to read or delete, and refuses to apply one for good', async () => {
    const node = cluster.nodes[0] ?? '';
    expect(await asCapstan.readNetworkFence(networkFenceName(node))).toBeUndefined();
    expect(await asCapstan.deleteNetworkFence(networkFenceName(node))).toBe('unchanged');
    await refusedForGood(() => asCapstan.apply([networkFence(node, ['127.0.0.10'], 'Fenced', CEPH_CSI)]), /HTTP 404/);
  });
});

describe('the NetworkFence CRD', () => {
  it('installs twice (the second unchanged) and validates as upstream: driver or class, secret, immutable driver', async () => {
    const started = Date.now();
    expect((await installNetworkFenceCrd(cluster.kube))?.outcome).toBe('created');
    figures['CRD established and discoverable'] = seconds(Date.now() - started);
    expect((await installNetworkFenceCrd(cluster.kube))?.outcome).toBe('unchanged');

    const node = 'validation';
    const fence = networkFence(node, ['127.0.0.200'], 'Fenced', CEPH_CSI);
    const neither = { ...fence, spec: { fenceState: 'Fenced', cidrs: ['127.0.0.200/32'] } };
    const noSecret = { ...fence, spec: { fenceState: 'Fenced', cidrs: ['127.0.0.200/32'], driver: CEPH_CSI.driver } };
    const halfway = { ...fence, spec: { ...fence.spec, fenceState: 'Halfway' } };
    const otherDriver = { ...fence, spec: { ...fence.spec, driver: 'other.csi.example.com' } };
    await refusedForGood(() => asCapstan.apply([neither]), /one of driver or networkFenceClassName must be present/);
    await refusedForGood(
      // A driver with no secret, as upstream's rule sees it (capstan's own settings always carry one).
      () => asCapstan.apply([noSecret]),
      /secret must be present when networkFenceClassName is not specified/,
    );
    await refusedForGood(() => asCapstan.apply([halfway]), /Unsupported value: "Halfway"/);
    expect((await asCapstan.apply([fence]))[0]?.outcome).toBe('created');
    await refusedForGood(() => asCapstan.apply([otherDriver]), /driver is immutable/);
    expect(await asCapstan.deleteNetworkFence(networkFenceName(node))).toBe('changed');
  });
});

describe('a NetworkFence held by a finalizer', () => {
  it('reads as deleting once deleted, and a second delete is unchanged until the finalizer lets go', async () => {
    const node = 'finalized';
    const name = networkFenceName(node);
    const fence = networkFence(node, ['127.0.0.201'], 'Unfenced', CEPH_CSI);
    // As the csi-addons controller holds a fence until it has unfenced (its finalizer, here the admin's).
    const held = { ...fence, metadata: { ...fence.metadata, finalizers: ['csiaddons.openshift.io/network-fence'] } };
    await cluster.kube.objects.create(held);
    expect(await asCapstan.deleteNetworkFence(name)).toBe('changed');
    expect(await asCapstan.readNetworkFence(name)).toMatchObject({ name, deleting: true });
    expect(await asCapstan.deleteNetworkFence(name)).toBe('unchanged');
    await cluster.kube.objects.patch(
      { ...NETWORK_FENCE_TYPE, metadata: { name, finalizers: [] } },
      undefined,
      undefined,
      undefined,
      undefined,
      PatchStrategy.MergePatch,
    );
    await eventually('the fence gone', async () => ((await asCapstan.readNetworkFence(name)) ? undefined : true));
    expect(await asCapstan.deleteNetworkFence(name)).toBe('unchanged');
  });
});

describe('a ceph-csi RBD volume of a StatefulSet pod on a kwok node', () => {
  beforeAll(async () => {
    const node = cluster.nodes[0] ?? '';
    const t0 = Date.now();
    const volume = await createRbdVolume(cluster.kube, {
      namespace: NAMESPACE,
      claim: 'data-db',
      pool: 'replicapool',
      image: 'csi-vol-0001',
      source: 'csi',
    });
    figures['CSI claim Bound'] = seconds(Date.now() - t0);
    const t1 = Date.now();
    await cluster.kube.apps.createNamespacedStatefulSet({
      namespace: NAMESPACE,
      body: statefulSetWithClaim(NAMESPACE, 'db', node, volume.claim),
    });
    await eventually('db-0 on the node', async () => {
      const pod = await statefulPod(cluster.kube, NAMESPACE, 'db');
      return pod?.node === node ? pod : undefined;
    });
    figures['pod bound'] = seconds(Date.now() - t1);
    const attached = await untilAttached(cluster.kube, volume.volume, node);
    figures['VolumeAttachment created after pod bound'] = seconds(attached.createdAfterMs);
    figures['attached seen by the controller after pod bound'] = seconds(attached.attachedAfterMs);
    await installNetworkFenceCrd(cluster.kube);
    fixture = {
      gateway: asCapstan,
      namespace: NAMESPACE,
      claim: volume.claim,
      volume: volume.volume,
      pool: volume.pool,
      image: volume.image,
      node,
    };
  });

  it('the pod names its claim: the way from a stuck pod to its volume', async () => {
    expect((await asCapstan.readPod(NAMESPACE, 'db-0'))?.claims).toEqual(['data-db']);
  });

  volumeVerbsContract(() => fixture);

  it('a deleted attachment of a pod still on its node comes back: the attach/detach controller re-attaches it', async () => {
    const { volume, node } = fixture;
    const started = Date.now();
    const again = await eventually(
      'the VolumeAttachment back',
      () => volumeAttachmentOf(cluster.kube, volume, node),
      150_000,
      1_000,
    );
    figures['deleted VolumeAttachment recreated after'] = seconds(Date.now() - started);
    expect(again.status?.attached).not.toBe(true);
  });
});

describe('an in-tree rbd volume (spec.rbd) on Kubernetes 1.34', () => {
  it('binds and its pod runs, but nothing attaches it: no VolumeAttachment; its holder is the pod using the claim', async () => {
    const node = cluster.nodes[1] ?? '';
    const t0 = Date.now();
    const volume = await createRbdVolume(cluster.kube, {
      namespace: NAMESPACE,
      claim: 'data-legacy',
      pool: 'rbd',
      image: 'legacy-0001',
      source: 'in-tree',
    });
    figures['in-tree claim Bound'] = seconds(Date.now() - t0);
    await cluster.kube.apps.createNamespacedStatefulSet({
      namespace: NAMESPACE,
      body: statefulSetWithClaim(NAMESPACE, 'legacy', node, volume.claim),
    });
    await eventually('legacy-0 Running on the node', async () => {
      const pod = await statefulPod(cluster.kube, NAMESPACE, 'legacy');
      return pod?.node === node && pod.phase === 'Running' ? pod : undefined;
    });
    // A CSI volume's attachment appears within about a second; give this one ten.
    await new Promise((r) => setTimeout(r, 10_000));
    expect(await asCapstan.listVolumeAttachmentsOfVolume(volume.volume)).toEqual([]);
    const pv = await asCapstan.readPersistentVolume(volume.volume);
    expect(pv && rbdVolumeOf(pv)).toEqual({ rbd: { pool: 'rbd', image: 'legacy-0001' } });
    expect(await asCapstan.readPod(NAMESPACE, 'legacy-0')).toMatchObject({ node, claims: ['data-legacy'] });
  });
});
