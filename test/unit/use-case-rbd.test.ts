import { describe, expect, it } from 'vitest';
import type { HealCheck, NodeLost, NodeRecovered, RbdLockDetected } from '../../events/index.ts';
import { OUT_OF_SERVICE_TAINT } from '../../lib/heal/decisions/fencing.ts';
import { sweptNodeRecovered } from '../../lib/heal/render/events.ts';
import { networkFenceName } from '../../lib/heal/render/network-fence.ts';
import { heal } from '../../lib/heal/use-cases/heal.ts';
import type { NodeView } from '../../lib/kube/nodes.ts';
import type { Freeing } from '../../lib/store/freeing.ts';
import { healSteps, healthyNode, silentNode, type TestHeal, testHeal } from '../doubles/heal-deps.ts';

// Freeing an RBD image a lost node holds (issue 11), through the use case with the in-memory doubles: what
// each verdict does to Ceph (the double keeps what a real Pacific cluster does) and to the cluster.

const CLUSTER = 'dc1';
const LOST = 'worker-a';
const NEW = 'worker-b';
const IP = {
  [LOST]: '127.0.0.11',
  [NEW]: '127.0.0.12',
  'worker-c': '127.0.0.13',
  'worker-d': '127.0.0.14',
  'worker-e': '127.0.0.15',
};
const HOLDER = '127.0.0.11:0/2950601841';
const CEPH: Freeing = {
  via: 'ceph',
  ceph: { restfulUrl: 'https://127.0.0.1:8003', credentials: { kind: 'file', path: '/dev/null' } },
  blocklistExpireSeconds: 3600,
};
const FENCE: Freeing = { via: 'network-fence', networkFence: { networkFenceClassName: 'ceph-rbd' } };

const addresses = (name: keyof typeof IP) => [{ type: 'InternalIP', address: IP[name] }];

interface Options {
  readonly freeing?: Freeing | null;
  /** How long the holder has been silent (default 120 s: past both thresholds). */
  readonly silentFor?: number;
  readonly holder?: Partial<NodeView>;
  /** Fenced by part 1 already (default): cordoned, tainted out-of-service, its heal in fencing. */
  readonly fenced?: boolean;
}

/** Five nodes; worker-a holds rbd/img-1 for shop/db-0, whose new pod runs on worker-b and cannot mount it. */
const setUp = async (o: Options = {}) => {
  const t = testHeal();
  await t.db.seed.cluster({
    name: CLUSTER,
    environment: 'staging',
    ...(o.freeing === null ? {} : { freeing: o.freeing ?? CEPH }),
  });
  const now = t.clock.now();
  const state = t.kube.nodes(CLUSTER);
  for (const name of [NEW, 'worker-c', 'worker-d', 'worker-e'] as const) {
    state.nodes.set(name, healthyNode(name, now, 3600, { addresses: addresses(name) }));
  }
  const fenced = o.fenced ?? true;
  state.nodes.set(
    LOST,
    o.silentFor === 0
      ? healthyNode(LOST, now, 3600, { addresses: addresses(LOST), ...o.holder })
      : silentNode(LOST, now, o.silentFor ?? 120, {
          addresses: addresses(LOST),
          ...(fenced ? { unschedulable: true, taints: [{ ...OUT_OF_SERVICE_TAINT }] } : {}),
          ...o.holder,
        }),
  );
  if (fenced && o.silentFor !== 0) {
    const { record } = await t.deps.store.heals.start({
      cluster: CLUSTER,
      node: LOST,
      mode: 'auto',
      eventId: 'lost-0',
      suspectedAt: new Date(now.getTime() - 60_000).toISOString(),
    });
    const at = new Date(now.getTime() - 30_000).toISOString();
    await t.deps.store.heals.advance(record, ['suspected'], 'fencing', {
      fencingAt: at,
      cordonedByCapstan: true,
      cordonedAt: at,
      taintedAt: at,
      podsGoneAt: at,
      updatedAt: at,
    });
  }
  state.pods.set('db-0', { namespace: 'shop', name: 'db-0', node: NEW, deleting: false, claims: ['data-db-0'] });
  state.claims.set('shop/data-db-0', { namespace: 'shop', name: 'data-db-0', volumeName: 'pv-1', phase: 'Bound' });
  state.persistentVolumes.set('pv-1', {
    metadata: { name: 'pv-1' },
    spec: {
      csi: { driver: 'rbd.csi.ceph.com', volumeHandle: 'h-1', volumeAttributes: { pool: 'rbd', imageName: 'img-1' } },
    },
  });
  state.volumeAttachments.set('csi-a', {
    name: 'csi-a',
    attacher: 'rbd.csi.ceph.com',
    node: LOST,
    persistentVolume: 'pv-1',
    attached: true,
    deleting: false,
  });
  t.ceph.create(CLUSTER, 'rbd', 'img-1');
  t.ceph.hold(CLUSTER, 'rbd', 'img-1', HOLDER);
  return t;
};

const detected = (t: TestHeal, id = 'rbd-1', data: Partial<RbdLockDetected['data']> = {}): RbdLockDetected => ({
  specversion: '1.0',
  id,
  type: 'rbd.lock.detected',
  source: 'test/forwarder',
  time: t.clock.now().toISOString(),
  subject: `${CLUSTER}/shop/db-0`,
  schemaversion: '1',
  data: {
    cluster: CLUSTER,
    namespace: 'shop',
    pod: 'db-0',
    symptom: 'still-in-use',
    message: 'MountVolume.MountDevice failed: rbd image rbd/img-1 is still being used',
    observedAt: t.clock.now().toISOString(),
    ...data,
  },
});

const lostEvent = (t: TestHeal, id: string): NodeLost => ({
  specversion: '1.0',
  id,
  type: 'node.lost',
  source: 'test/forwarder',
  time: t.clock.now().toISOString(),
  subject: `${CLUSTER}/${LOST}`,
  schemaversion: '1',
  data: { cluster: CLUSTER, node: LOST, readyStatus: 'Unknown', observedAt: t.clock.now().toISOString() },
});

const checks = (t: TestHeal) =>
  t.queue
    .take()
    .filter((s) => s.event.type === 'heal.check')
    .map((s) => ({ check: s.event as HealCheck, delay: s.delaySeconds ?? 0 }));

const runChecks = async (t: TestHeal, rounds = 1, meanwhile = () => {}) => {
  for (let i = 0; i < rounds; i++) {
    for (const { check, delay } of checks(t)) {
      t.clock.advance(delay);
      meanwhile();
      await heal(check, t.deps);
    }
  }
};

const image = (t: TestHeal) => t.deps.store.images.get({ cluster: CLUSTER, pool: 'rbd', image: 'img-1' });
const rbdSteps = (t: TestHeal) => healSteps(t).filter((s) => s.startsWith('rbd.'));
const untouched = (t: TestHeal) => {
  expect(t.ceph.blocklisted(CLUSTER)).toEqual([]);
  expect(t.ceph.status(CLUSTER, 'rbd', 'img-1')?.watchers.map((w) => w.address)).toEqual([HOLDER]);
  expect(t.ceph.status(CLUSTER, 'rbd', 'img-1')?.locks.map((l) => l.address)).toEqual([HOLDER]);
};

describe('freeing an RBD image held by a lost, fenced node: directly through Ceph', () => {
  it("blocklists exactly the lost node's address, confirms the watch is gone, breaks its lock, records every step", async () => {
    const t = await setUp();
    expect(await heal(detected(t), t.deps)).toMatchObject({ outcome: 'succeeded' });
    expect(t.ceph.blocklisted(CLUSTER)).toEqual(['127.0.0.11:0/0']);
    expect(t.ceph.status(CLUSTER, 'rbd', 'img-1')).toEqual({ watchers: [], locks: [] });
    expect(await image(t)).toMatchObject({
      phase: 'freed',
      via: 'ceph',
      holderNode: LOST,
      blocked: ['127.0.0.11'],
      requester: { namespace: 'shop', pod: 'db-0', node: NEW },
    });
    expect((await t.deps.store.heals.get(CLUSTER, LOST))?.blocked).toMatchObject({
      via: 'ceph',
      addresses: ['127.0.0.11'],
    });
    expect(rbdSteps(t)).toEqual([
      'rbd.detect accepted -',
      'rbd.verdict succeeded -',
      'rbd.blocklist configured -',
      'rbd.unlock configured -',
      'rbd.free succeeded -',
    ]);
    const entries = t.db.history('_nodes').filter((e) => e.image === 'rbd/img-1');
    expect(entries.every((e) => e.node === LOST && e.cluster === CLUSTER)).toBe(true);
    expect(entries.find((e) => e.action === 'rbd.verdict')?.details).toMatchObject({
      holderAddresses: ['InternalIP=127.0.0.11'],
      watchers: [HOLDER],
      requesterNode: NEW,
    });
  });

  it('the same event three times, and another event for the same image: one blocklist entry, one unlock', async () => {
    const t = await setUp();
    for (const id of ['rbd-1', 'rbd-1', 'rbd-1', 'rbd-2']) await heal(detected(t, id), t.deps);
    expect(t.ceph.calls.filter((c) => c.startsWith('blocklistAdd'))).toEqual(['blocklistAdd 127.0.0.11']);
    expect(t.ceph.calls.filter((c) => c.startsWith('removeLock'))).toHaveLength(1);
    expect(t.ceph.blocklisted(CLUSTER)).toEqual(['127.0.0.11:0/0']);
    expect(await image(t)).toMatchObject({ phase: 'freed' });
  });

  it('a holder not fenced yet is proven lost and fenced first (part 1), then its image freed', async () => {
    const t = await setUp({ fenced: false });
    await heal(detected(t), t.deps);
    const node = t.kube.nodes(CLUSTER).nodes.get(LOST);
    expect(node?.unschedulable).toBe(true);
    expect(node?.taints).toContainEqual(expect.objectContaining(OUT_OF_SERVICE_TAINT));
    expect(healSteps(t, LOST).slice(0, 4)).toEqual([
      'rbd.detect accepted -',
      'heal.prove succeeded -',
      'heal.start accepted -',
      'heal.cordon configured -',
    ]);
    expect(await image(t)).toMatchObject({ phase: 'freed' });
    expect(t.ceph.blocklisted(CLUSTER)).toEqual(['127.0.0.11:0/0']);
  });

  it('when the node returns and its pods are gone: the blocklist entry is lifted, then the taint and cordon', async () => {
    const t = await setUp();
    await heal(detected(t), t.deps);
    const state = t.kube.nodes(CLUSTER);
    await t.deps.store.heals.advance({ cluster: CLUSTER, node: LOST }, ['fencing'], 'fenced', {
      fencedAt: t.clock.now().toISOString(),
      updatedAt: t.clock.now().toISOString(),
    });
    state.volumeAttachments.delete('csi-a');
    const back = healthyNode(LOST, t.clock.now(), 0, {
      addresses: addresses(LOST),
      unschedulable: true,
      taints: [{ ...OUT_OF_SERVICE_TAINT }],
    });
    state.nodes.set(LOST, back);
    const recovered: NodeRecovered = { ...sweptNodeRecovered(CLUSTER, back, t.clock.now()), id: 'back-1' };
    await heal(recovered, t.deps);
    // Its kubelet renews the Lease all along; the looks wait out CAPSTAN_HEAL_STABLE_SECONDS.
    const renew = () => state.nodes.set(LOST, { ...back, leaseRenewedAt: t.clock.now().toISOString() });
    await runChecks(t, 4, renew);
    expect(t.ceph.blocklisted(CLUSTER)).toEqual([]);
    const healed = await t.deps.store.heals.get(CLUSTER, LOST);
    expect(healed).toMatchObject({ phase: 'restored', unblockedAt: expect.any(String) });
    expect(state.nodes.get(LOST)).toMatchObject({ unschedulable: false, taints: [] });
    const steps = healSteps(t, LOST);
    expect(steps.indexOf('rbd.unblock configured -')).toBeLessThan(steps.indexOf('heal.untaint configured -'));
  });
});

describe("freeing and the holder heal's own course", () => {
  it('a holder in an observe-mode cluster is never fenced: the image is refused at once, Ceph unchanged', async () => {
    const t = await setUp({ fenced: false });
    await t.db.seed.cluster({ name: CLUSTER, environment: 'staging', healMode: 'observe', freeing: CEPH });
    await heal(detected(t), t.deps);
    untouched(t);
    expect(await image(t)).toMatchObject({ phase: 'refused', code: 'observe-mode' });
  });

  it('a freed node whose Node is deleted keeps its block (the machine may live), and its next heal carries it', async () => {
    const t = await setUp();
    await heal(detected(t), t.deps);
    t.kube.nodes(CLUSTER).nodes.delete(LOST);
    await heal(lostEvent(t, 'rbd-9'), t.deps);
    expect(await t.deps.store.heals.get(CLUSTER, LOST)).toMatchObject({
      phase: 'cancelled',
      blocked: { addresses: ['127.0.0.11'] },
    });
    expect(healSteps(t, LOST)).toContain('rbd.unblock skipped node-absent');
    expect(t.ceph.blocklisted(CLUSTER)).toEqual(['127.0.0.11:0/0']);
    // The node registers again and is lost again: the new heal has the block, to lift on its return.
    t.kube.nodes(CLUSTER).nodes.set(LOST, silentNode(LOST, t.clock.now(), 120, { addresses: addresses(LOST) }));
    await heal(lostEvent(t, 'rbd-10'), t.deps);
    expect(await t.deps.store.heals.get(CLUSTER, LOST)).toMatchObject({
      phase: 'fencing',
      blocked: { addresses: ['127.0.0.11'] },
    });
  });
});

describe('freeing refuses whatever may be alive, leaving Ceph and the cluster as they were', () => {
  it('the holder is Ready (alive): refused, nothing blocked, not cordoned', async () => {
    const t = await setUp({ silentFor: 0 });
    await heal(detected(t), t.deps);
    untouched(t);
    expect(t.kube.nodes(CLUSTER).nodes.get(LOST)?.unschedulable).toBe(false);
    expect(await image(t)).toMatchObject({ phase: 'refused', code: 'node-ready' });
  });

  it('the holder is not yet proven lost: it waits, and looks again; nothing blocked meanwhile', async () => {
    const t = await setUp({ silentFor: 10, fenced: false });
    expect(await heal(detected(t), t.deps)).toMatchObject({ code: 'not-ready-too-briefly' });
    untouched(t);
    expect(await image(t)).toMatchObject({ phase: 'waiting', code: 'not-ready-too-briefly' });
    expect(checks(t).map((c) => c.check.data.step)).toContain('free');
  });

  it("a watcher at the new node's address (Rook's wrong-IP case): refused, nothing blocked", async () => {
    const t = await setUp();
    t.ceph.hold(CLUSTER, 'rbd', 'img-1', '127.0.0.12:0/7', { watchOnly: true });
    await heal(detected(t), t.deps);
    expect(t.ceph.blocklisted(CLUSTER)).toEqual([]);
    expect(await image(t)).toMatchObject({ phase: 'refused', code: 'watcher-elsewhere' });
  });

  it("the lost node's address is also a Ready node's: refused", async () => {
    const t = await setUp();
    t.kube
      .nodes(CLUSTER)
      .nodes.set('worker-c', healthyNode('worker-c', t.clock.now(), 3600, { addresses: addresses(LOST) }));
    await heal(detected(t), t.deps);
    untouched(t);
    expect(await image(t)).toMatchObject({ phase: 'refused', code: 'address-of-other-node' });
  });

  it("the lost node's address is a Ceph daemon's: refused", async () => {
    const t = await setUp();
    t.ceph.setDaemons(CLUSTER, ['v2:127.0.0.11:3300/0']); // as if a mon ran on the lost node's address
    await heal(detected(t), t.deps);
    untouched(t);
    expect(await image(t)).toMatchObject({ phase: 'refused', code: 'address-of-ceph' });
  });

  it('an event forged for an image no PV of the pod uses: nothing read from Ceph, nothing done', async () => {
    const t = await setUp();
    await heal(detected(t, 'forged', { pool: 'rbd', image: 'payroll' }), t.deps);
    untouched(t);
    expect(await t.deps.store.images.list(CLUSTER)).toEqual([]);
    expect(healSteps(t)).toEqual(['rbd.resolve skipped no-such-volume']);
  });

  it('3 of 5 nodes lost (a storm): waits, nothing blocked', async () => {
    const t = await setUp();
    const state = t.kube.nodes(CLUSTER);
    for (const name of ['worker-c', 'worker-d'] as const) {
      state.nodes.set(name, silentNode(name, t.clock.now(), 120, { addresses: addresses(name) }));
    }
    await heal(detected(t), t.deps);
    untouched(t);
    expect(await image(t)).toMatchObject({ phase: 'waiting', code: 'storm' });
  });

  it('a cluster that registers no way to free images: refused with its reason, nothing done', async () => {
    const t = await setUp({ freeing: null });
    await heal(detected(t), t.deps);
    untouched(t);
    expect(await image(t)).toMatchObject({ phase: 'refused', code: 'no-freeing' });
  });
});

describe('freeing through csi-addons: a NetworkFence', () => {
  it('is applied Fenced for the lost node; once Succeeded, its stale VolumeAttachment is deleted and the image freed', async () => {
    const t = await setUp({ freeing: FENCE });
    expect(await heal(detected(t), t.deps)).toMatchObject({ outcome: 'progressing' });
    const name = networkFenceName(LOST);
    const cr = t.kube.object(CLUSTER, 'csiaddons.openshift.io/v1alpha1', 'NetworkFence', undefined, name) as {
      spec: Record<string, unknown>;
    };
    expect(cr.spec).toMatchObject({
      fenceState: 'Fenced',
      cidrs: ['127.0.0.11/32'],
      networkFenceClassName: 'ceph-rbd',
    });
    t.kube.answerNetworkFence(CLUSTER, name, { result: 'Succeeded', message: 'fencing operation successful' });
    await runChecks(t);
    expect(t.kube.nodes(CLUSTER).volumeAttachments.has('csi-a')).toBe(false);
    expect(await image(t)).toMatchObject({ phase: 'freed', via: 'network-fence' });
    expect(t.ceph.calls).toEqual([]);
  });

  it('where no csi-addons controller answers, says so and does not pretend', async () => {
    const t = await setUp({ freeing: FENCE });
    await heal(detected(t), t.deps);
    t.clock.advance(200);
    await runChecks(t);
    expect(await image(t)).toMatchObject({ phase: 'refused', code: 'fence-unanswered' });
    expect(t.kube.nodes(CLUSTER).volumeAttachments.has('csi-a')).toBe(true);
  });
});
