import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HealCheck, NodeRecovered, RbdLockDetected } from '../../events/index.ts';
import type { HealDeps } from '../../lib/heal/ports.ts';
import { sweptNodeLost, sweptNodeRecovered } from '../../lib/heal/render/events.ts';
import { networkFenceName } from '../../lib/heal/render/network-fence.ts';
import { defaultHealSettings, type HealSettings } from '../../lib/heal/settings.ts';
import { heal } from '../../lib/heal/use-cases/heal.ts';
import { applyAll } from '../../lib/kube/apply.ts';
import { connector } from '../../lib/kube/connect.ts';
import { gatewayConnector, gatewayOf, type KubeGateway } from '../../lib/kube/gateway.ts';
import { mergePatch } from '../../lib/kube/optimistic.ts';
import { tellVia } from '../../lib/notify/tell.ts';
import { putCluster } from '../../lib/store/clusters.ts';
import type { Db } from '../../lib/store/db.ts';
import { dynamoStore } from '../../lib/store/dynamo.ts';
import { getHeal } from '../../lib/store/heals.ts';
import { queryHistory } from '../../lib/store/history.ts';
import { getImageHeal } from '../../lib/store/image-heals.ts';
import { memoryCeph } from '../doubles/ceph.ts';
import { recordingQueue } from '../doubles/queue.ts';
import { awsClients, freshDb } from '../support/aws.ts';
import { installNetworkFenceCrd } from '../support/crds.ts';
import { type HealCluster, loseNode, returnNode, startHealCluster, statefulPod } from '../support/heal-cluster.ts';
import { eventually } from '../support/kube.ts';
import { createRbdVolume, letControllerAttach, statefulSetWithClaim, untilAttached } from '../support/rbd-volumes.ts';

// The csi-addons path of freeing (issue 11) through the use case, on a local cluster of this file's own
// with the real NetworkFence CRD and no csi-addons controller: the CR is created for the lost node,
// re-applied unchanged, and when nobody answers capstan says so and frees nothing; a Succeeded answer
// (written as the controller writes it, through the status subresource) frees the image; on the node's
// return the CR goes Unfenced, then is deleted. capstan runs in-process as its ServiceAccount against the
// real API server and DynamoDB Local; its delayed looks are handed on by the test, with the clock moved
// past csi-addons' patience instead of waiting a minute. Ceph is never called on this path (the double
// records every call, and none is made).

const NAMESPACE = 'pay';
const CLASS = 'ceph-rbd-fence';
let cluster: HealCluster;
let admin: KubeGateway;
let db: Db;
let deps: HealDeps;
const queue = recordingQueue('heal');
const ceph = memoryCeph();
const settings: HealSettings = {
  ...defaultHealSettings,
  lost: { ...defaultHealSettings.lost, notReadyForSeconds: 5, leaseSilentForSeconds: 5 },
  fence: { recheckSeconds: 2 },
  recovery: { ...defaultHealSettings.recovery, stableForSeconds: 5, recheckSeconds: 2 },
  fencePatienceSeconds: 8,
};

beforeAll(async () => {
  cluster = await startHealCluster('rbdfence', 5);
  for (const n of cluster.nodes) await letControllerAttach(cluster.kube, n);
  await installNetworkFenceCrd(cluster.kube);
  await cluster.kube.core.createNamespace({ body: { metadata: { name: NAMESPACE } } });
  db = await freshDb(awsClients().ddb);
  const record = cluster.record('staging');
  const { kubeconfigPath, context } = cluster.asCapstan;
  await putCluster(db, {
    ...record,
    credentials: { kind: 'kubeconfig', path: kubeconfigPath, context },
    freeing: { via: 'network-fence', networkFence: { networkFenceClassName: CLASS } },
  });
  admin = gatewayOf(cluster.kube);
  deps = {
    store: dynamoStore(db),
    kube: gatewayConnector(connector()),
    enqueue: queue.enqueue,
    tell: tellVia(queue.enqueue, (message, fields) => console.warn(message, fields)),
    now: () => new Date(),
    settings,
    ceph: ceph.connect,
    selfAddresses: ['127.0.0.1'],
  };
}, 240_000);

afterAll(async () => {
  await cluster?.stop();
}, 60_000);

// A failed case shows what capstan recorded, oldest first.
afterEach(async (context) => {
  if (context.task.result?.state !== 'fail' || !db) return;
  const entries = (await queryHistory(db, { cluster: cluster.name, limit: 400 })).reverse();
  console.log(
    entries
      .map((e) => `${e.node ?? '-'} ${e.image ?? '-'} ${e.action} ${e.outcome} ${e.code ?? '-'}: ${e.reason ?? ''}`)
      .join('\n'),
  );
});

/** Hands every delayed look on, as the queue would once its delay passed (the clock moved, not waited). */
const deliverLooks = async (rounds = 1) => {
  for (let i = 0; i < rounds; i++) {
    for (const sent of queue.take()) if (sent.event.type === 'heal.check') await heal(sent.event as HealCheck, deps);
  }
};

const detected = (id: string, pod: string): RbdLockDetected => ({
  specversion: '1.0',
  id,
  type: 'rbd.lock.detected',
  source: 'test/forwarder',
  time: new Date().toISOString(),
  subject: `${cluster.name}/${NAMESPACE}/${pod}`,
  schemaversion: '1',
  data: {
    cluster: cluster.name,
    namespace: NAMESPACE,
    pod,
    symptom: 'multi-attach',
    message: 'Multi-Attach error for volume "pv" Volume is already exclusively attached to one node',
    observedAt: new Date().toISOString(),
  },
});

const fenceOf = (node: string) => admin.readNetworkFence(networkFenceName(node));
const steps = async (image: string) =>
  (await queryHistory(db, { cluster: cluster.name, limit: 500 }))
    .filter((e) => e.image === image)
    .reverse()
    .map((e) => `${e.action} ${e.outcome} ${e.code ?? '-'}`);

describe('freeing through csi-addons: a NetworkFence, on the real API server and CRD', () => {
  const lost = () => cluster.nodes[0] ?? '';

  it('fences the lost node with a NetworkFence, re-applies it unchanged, and with no controller says so and frees nothing', async () => {
    for (const name of ['wallet', 'ledger']) {
      const volume = await createRbdVolume(cluster.kube, {
        namespace: NAMESPACE,
        claim: name,
        pool: 'rbd',
        image: name,
        source: 'csi',
      });
      await applyAll(cluster.kube, [statefulSetWithClaim(NAMESPACE, name, lost(), name)]);
      await untilAttached(cluster.kube, volume.volume, lost());
    }
    await loseNode(cluster.kube, lost());
    // Part 1, as the sweep would drive it: node.lost until proven, then the fencing looks; the pod GC
    // then removes the pod and the StatefulSet controller makes it again elsewhere.
    await eventually(
      'the new wallet-0 elsewhere',
      async () => {
        const node = await admin.readNode(lost());
        if (node && node.ready !== 'True') await heal(sweptNodeLost(cluster.name, node, new Date()), deps);
        await deliverLooks();
        const pod = await statefulPod(cluster.kube, NAMESPACE, 'wallet');
        return pod && pod.node !== lost() ? pod : undefined;
      },
      150_000,
      2_000,
    );
    await heal(detected('wallet-1', 'wallet-0'), deps);
    const cr = await fenceOf(lost());
    expect(cr?.spec).toMatchObject({
      fenceState: 'Fenced',
      networkFenceClassName: CLASS,
      cidrs: [expect.stringMatching(/^127\.0\.0\.\d+\/32$/)],
    });
    expect(cr?.status).toBeUndefined();
    expect((await getHeal(db, cluster.name, lost()))?.blocked).toMatchObject({ via: 'network-fence' });

    await deliverLooks(2);
    expect(await steps('rbd/wallet')).toContain('rbd.fence unchanged -');
    await new Promise((r) => setTimeout(r, 9_000)); // past csi-addons' patience (8 s here)
    await deliverLooks(2);
    expect(await getImageHeal(db, { cluster: cluster.name, pool: 'rbd', image: 'wallet' })).toMatchObject({
      phase: 'refused',
      code: 'fence-unanswered',
    });
    expect(ceph.calls).toEqual([]);
  }, 240_000);

  it("a Succeeded answer frees the next image, and the node's return moves the fence to Unfenced, then deletes it", async () => {
    // What a csi-addons controller writes when ceph-csi has blocklisted the CIDRs.
    const ref = cluster.record('staging').credentials as { path: string; context: string };
    const kc = new KubeConfig();
    kc.loadFromFile(ref.path);
    kc.setCurrentContext(ref.context);
    await kc.makeApiClient(CustomObjectsApi).patchClusterCustomObjectStatus(
      {
        group: 'csiaddons.openshift.io',
        version: 'v1alpha1',
        plural: 'networkfences',
        name: networkFenceName(lost()),
        body: { status: { result: 'Succeeded', message: 'fencing operation successful' } },
      },
      mergePatch,
    );
    const pod = await eventually(
      'the new ledger-0 elsewhere',
      async () => {
        const p = await statefulPod(cluster.kube, NAMESPACE, 'ledger');
        return p && p.node !== lost() ? p : undefined;
      },
      120_000,
      1_000,
    );
    await heal(detected('ledger-1', 'ledger-0'), deps);
    await deliverLooks(3);
    expect(await getImageHeal(db, { cluster: cluster.name, pool: 'rbd', image: 'ledger' })).toMatchObject({
      phase: 'freed',
      via: 'network-fence',
    });
    void pod;

    await returnNode(cluster.kube, lost());
    const back = await eventually(
      'the node Ready again',
      async () => {
        const node = await admin.readNode(lost());
        return node?.ready === 'True' ? node : undefined;
      },
      60_000,
      1_000,
    );
    const recovered: NodeRecovered = { ...sweptNodeRecovered(cluster.name, back, new Date()), id: 'back-1' };
    await heal(recovered, deps);
    await eventually(
      'the fence Unfenced',
      async () => {
        await deliverLooks();
        return (await fenceOf(lost()))?.spec.fenceState === 'Unfenced' ? true : undefined;
      },
      60_000,
      2_000,
    );
    // No controller answers the Unfenced either: past its patience capstan deletes the CR and says so.
    await eventually(
      'the fence deleted and the node restored',
      async () => {
        await deliverLooks();
        const heal = await getHeal(db, cluster.name, lost());
        return heal?.phase === 'restored' && !(await fenceOf(lost())) ? heal : undefined;
      },
      60_000,
      2_000,
    );
    expect(ceph.calls).toEqual([]);
  }, 240_000);
});
