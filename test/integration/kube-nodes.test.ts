import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterRejectedError } from '../../lib/errors.ts';
import { OUT_OF_SERVICE_TAINT } from '../../lib/heal/decisions/fencing.ts';
import { connector, type KubeClients } from '../../lib/kube/connect.ts';
import { gatewayOf, type KubeGateway } from '../../lib/kube/gateway.ts';
import { NODE_LEASE_NAMESPACE } from '../../lib/kube/nodes.ts';
import { mergePatch } from '../../lib/kube/optimistic.ts';
import { fakeNode } from '../../lib/local/nodes.ts';
import { nodeVerbsContract } from '../contract/kube-nodes.ts';
import { uniqueName } from '../support/aws.ts';
import { connect, eventually, localClusters } from '../support/kube.ts';
import { createKwokNode, deleteKwokNode } from '../support/kwok-node.ts';

// The healing verbs of the gateway against a real kube-apiserver, on a kwok Node of this file's own (kwok
// manages every Node with its annotation): cordons, taints and out-of-service never touch the harness's
// Nodes that other files schedule on.
const [cluster] = localClusters();
let kube: KubeClients;
let gateway: KubeGateway;
let node: string;

beforeAll(async () => {
  kube = await connect(cluster!);
  gateway = gatewayOf(kube);
  node = await createKwokNode(kube);
  // Ready, and no taint left by the node lifecycle controller from before kwok reported it Ready.
  await eventually('kwok to make the node Ready', async () => {
    const view = await gateway.readNode(node);
    return view?.ready === 'True' && view.leaseRenewedAt && view.taints.length === 0 ? view : undefined;
  });
});

afterAll(async () => {
  if (kube && node) await deleteKwokNode(kube, node);
});

const liveNode = () => kube.core.readNode({ name: node });

const UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';

/** Until the node's taints are exactly these keys (in any order). */
const untilTaints = (keys: readonly string[]) =>
  eventually(`taints ${keys.join(', ') || 'none'}`, async () => {
    const live = ((await liveNode()).spec?.taints ?? []).map((t) => t.key).sort();
    return JSON.stringify(live) === JSON.stringify([...keys].sort()) ? live : undefined;
  });

describe('reading nodes', () => {
  it('a kwok node: Ready, its Lease renewed by kwok, schedulable, its addresses and zone', async () => {
    const view = await gateway.readNode(node);
    expect(view).toMatchObject({
      name: node,
      ready: 'True',
      unschedulable: false,
      taints: [],
      zone: 'local-b',
      controlPlane: false,
      addresses: [
        { type: 'InternalIP', address: '127.0.0.50' },
        { type: 'Hostname', address: fakeNode(cluster!.name, 40).metadata.name },
      ],
    });
    expect(view?.leaseHolder).toBeTruthy();
    expect(view?.leaseDurationSeconds).toBe(40);
    expect(Date.parse(view?.lastHeartbeat ?? '')).toBeGreaterThan(Date.now() - 300_000);
    // A heartbeat, not a stamp: kwok renews the Lease every quarter of its 40 s duration.
    const renewed = await eventually(
      'the Lease to be renewed',
      async () => {
        const again = await gateway.readNode(node);
        return again?.leaseRenewedAt !== view?.leaseRenewedAt ? again : undefined;
      },
      30_000,
      1_000,
    );
    expect(Date.parse(renewed.leaseRenewedAt ?? '')).toBeGreaterThan(Date.parse(view?.leaseRenewedAt ?? ''));
  });

  it('every node with its Lease', async () => {
    const nodes = await gateway.listNodes();
    expect(nodes.map((n) => n.name)).toContain(node);
    const harness = nodes.filter((n) => n.name.startsWith(`${cluster!.name}-worker-`));
    expect(harness.length).toBeGreaterThanOrEqual(3);
    for (const n of harness) expect(n).toMatchObject({ ready: 'True', leaseRenewedAt: expect.any(String) });
  });

  it('an absent node reads as undefined; acting on it is a terminal error naming the cluster', async () => {
    expect(await gateway.readNode('no-such-node')).toBeUndefined();
    const error = await gateway.cordon('no-such-node').catch((e) => e);
    expect(error).toBeInstanceOf(ClusterRejectedError);
    expect(error.message).toMatch(new RegExp(`^cluster ${cluster!.name}: HTTP 404`));
  });
});

describe('what references a node', () => {
  it('pods bound to the node, with their claims, and only those', async () => {
    const namespace = uniqueName('on-node');
    await kube.core.createNamespace({ body: { metadata: { name: namespace } } });
    const pod = (name: string, nodeName: string) => ({
      metadata: { name, namespace },
      spec: {
        nodeName,
        containers: [{ name: 'app', image: 'registry.local/app:1' }],
        volumes: [{ name: 'data', persistentVolumeClaim: { claimName: `data-${name}` } }],
      },
    });
    await kube.core.createNamespacedPod({ namespace, body: pod('here', node) });
    await kube.core.createNamespacedPod({ namespace, body: pod('elsewhere', `${cluster!.name}-worker-1`) });

    const pods = await gateway.listPodsOnNode(node);
    expect(pods).toEqual([
      expect.objectContaining({ namespace, name: 'here', deleting: false, owner: undefined, claims: ['data-here'] }),
    ]);
    await kube.core.deleteNamespace({ name: namespace });
    await eventually('the pod to go', async () =>
      (await gateway.listPodsOnNode(node)).length === 0 ? true : undefined,
    );
  });

  it('VolumeAttachments to the node; deleting one twice: the second is unchanged', async () => {
    const attachment = (name: string, nodeName: string) => ({
      metadata: { name },
      spec: { attacher: 'rbd.csi.ceph.com', nodeName, source: { persistentVolumeName: `pv-${name}` } },
    });
    const mine = uniqueName('va');
    const other = uniqueName('va');
    await kube.storage.createVolumeAttachment({ body: attachment(mine, node) });
    await kube.storage.createVolumeAttachment({ body: attachment(other, `${cluster!.name}-worker-1`) });
    try {
      expect(await gateway.listVolumeAttachments(node)).toEqual([
        {
          name: mine,
          attacher: 'rbd.csi.ceph.com',
          node,
          persistentVolume: `pv-${mine}`,
          attached: false,
          deleting: false,
        },
      ]);
      expect(await gateway.deleteVolumeAttachment(mine)).toBe('changed');
      expect(await gateway.deleteVolumeAttachment(mine)).toBe('unchanged');
      expect(await gateway.listVolumeAttachments(node)).toEqual([]);
    } finally {
      await gateway.deleteVolumeAttachment(other);
    }
  });
});

describe('fencing, each verb twice: the second is unchanged', () => {
  it('cordon and uncordon', async () => {
    expect(await gateway.cordon(node)).toBe('changed');
    expect(await gateway.cordon(node)).toBe('unchanged');
    expect((await liveNode()).spec?.unschedulable).toBe(true);
    expect((await gateway.readNode(node))?.unschedulable).toBe(true);

    // The node lifecycle controller answers a cordon with a taint of its own, in the same list capstan writes.
    await untilTaints([UNSCHEDULABLE]);

    expect(await gateway.uncordon(node)).toBe('changed');
    expect(await gateway.uncordon(node)).toBe('unchanged');
    // Removed, as kubectl uncordon leaves it, not `false`.
    expect((await liveNode()).spec?.unschedulable).toBeUndefined();
    await untilTaints([]);
  });

  it('the out-of-service taint, added and removed', async () => {
    expect(await gateway.addTaint(node, OUT_OF_SERVICE_TAINT)).toBe('changed');
    expect(await gateway.addTaint(node, OUT_OF_SERVICE_TAINT)).toBe('unchanged');
    const [taint] = (await liveNode()).spec?.taints ?? [];
    expect(taint).toMatchObject({
      key: 'node.kubernetes.io/out-of-service',
      value: 'nodeshutdown',
      effect: 'NoExecute',
    });
    // As kubectl sets it for NoExecute: the time pods' tolerationSeconds count from.
    expect(taint?.timeAdded?.getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect((await gateway.readNode(node))?.taints).toEqual([
      { ...OUT_OF_SERVICE_TAINT, timeAdded: taint?.timeAdded?.toISOString() },
    ]);

    expect(await gateway.removeTaint(node, OUT_OF_SERVICE_TAINT)).toBe('changed');
    expect(await gateway.removeTaint(node, OUT_OF_SERVICE_TAINT)).toBe('unchanged');
    expect((await liveNode()).spec?.taints).toBeUndefined();
  });

  it("concurrent writers of the taint list never lose each other's taint", async () => {
    // Separate clients, as two consumers (or capstan and the node lifecycle controller) would be.
    const writers = await Promise.all([0, 1, 2].map(() => connector()(cluster!)));
    const keys = writers.map((_, i) => `capstan.test/writer-${i}`);
    const added = await Promise.all(
      writers.map((w, i) => gatewayOf(w).addTaint(node, { key: keys[i]!, effect: 'NoSchedule' })),
    );
    expect(added).toEqual(['changed', 'changed', 'changed']);
    expect(((await liveNode()).spec?.taints ?? []).map((t) => t.key).sort()).toEqual(keys);

    const removed = await Promise.all(
      writers.map((w, i) => gatewayOf(w).removeTaint(node, { key: keys[i]!, effect: 'NoSchedule' })),
    );
    expect(removed).toEqual(['changed', 'changed', 'changed']);
    expect((await liveNode()).spec?.taints).toBeUndefined();
  });

  it("cordon and taint at once, by two writers, both land; neither touches a person's taint", async () => {
    await kube.core.patchNode({
      name: node,
      body: [{ op: 'add', path: '/spec/taints', value: [{ key: 'person/own', effect: 'NoSchedule' }] }],
    });
    const other = gatewayOf(await connector()(cluster!));
    const [cordoned, tainted] = await Promise.all([gateway.cordon(node), other.addTaint(node, OUT_OF_SERVICE_TAINT)]);
    expect([cordoned, tainted]).toEqual(['changed', 'changed']);
    expect((await gateway.readNode(node))?.unschedulable).toBe(true);
    // The controller's unschedulable taint, a third writer of the list, lands too.
    await untilTaints(['person/own', OUT_OF_SERVICE_TAINT.key, UNSCHEDULABLE]);

    expect(await other.removeTaint(node, OUT_OF_SERVICE_TAINT)).toBe('changed');
    expect(await gateway.uncordon(node)).toBe('changed');
    await untilTaints(['person/own']);
    expect((await liveNode()).spec?.taints).toEqual([{ key: 'person/own', effect: 'NoSchedule' }]);
    expect(await gateway.removeTaint(node, { key: 'person/own', effect: 'NoSchedule' })).toBe('changed');
  });
});

// The promises the in-memory double keeps too (test/contract/kube-nodes.ts), here on the real adapter.
nodeVerbsContract(() => ({ gateway, node }));

describe('a node that loses its heartbeat, as healing will see it', () => {
  it('Lease taken over: kwok stops renewing it, the controller marks the node Unknown and unreachable; it returns', async () => {
    // A foreign holder with a long lease: kwok leaves the Lease (and the node's status) alone, as when a
    // kubelet dies. MicroTime wants exactly six fractional digits.
    const now = new Date().toISOString().replace('Z', '000Z');
    await kube.coordination.patchNamespacedLease(
      {
        name: node,
        namespace: NODE_LEASE_NAMESPACE,
        body: { spec: { holderIdentity: 'capstan-test', leaseDurationSeconds: 3600, renewTime: now } },
      },
      mergePatch,
    );
    const lost = await eventually(
      'the node lifecycle controller to mark the node lost',
      async () => {
        const view = await gateway.readNode(node);
        const keys = view?.taints.map((t) => `${t.key}:${t.effect}`) ?? [];
        return view?.ready === 'Unknown' && keys.includes('node.kubernetes.io/unreachable:NoExecute')
          ? view
          : undefined;
      },
      150_000,
      1_000,
    );
    expect(lost).toMatchObject({ leaseHolder: 'capstan-test', leaseRenewedAt: new Date(now).toISOString() });
    expect(Date.parse(lost.readySince ?? '')).toBeGreaterThan(Date.parse(now));

    // The holder gives the Lease up: kwok takes it again and the node is Ready, its taints gone.
    await kube.coordination.deleteNamespacedLease({ name: node, namespace: NODE_LEASE_NAMESPACE });
    const back = await eventually(
      'the node to return',
      async () => {
        const view = await gateway.readNode(node);
        const unreachable = view?.taints.some((t) => t.key === 'node.kubernetes.io/unreachable');
        return view?.ready === 'True' && !unreachable && view.leaseHolder !== 'capstan-test' ? view : undefined;
      },
      90_000,
      1_000,
    );
    expect(Date.parse(back.leaseRenewedAt ?? '')).toBeGreaterThan(Date.parse(now));
  }, 300_000);
});
