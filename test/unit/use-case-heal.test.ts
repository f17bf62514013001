import { describe, expect, it } from 'vitest';
import type { HealCheck, NodeLost, NodeRecovered } from '../../events/index.ts';
import { ClusterUnavailableError, ConflictError } from '../../lib/errors.ts';
import { OUT_OF_SERVICE_TAINT } from '../../lib/heal/decisions/fencing.ts';
import { sweptNodeLost, sweptNodeRecovered } from '../../lib/heal/render/events.ts';
import { defaultHealSettings } from '../../lib/heal/settings.ts';
import { heal } from '../../lib/heal/use-cases/heal.ts';
import { sweepNodes } from '../../lib/heal/use-cases/sweep.ts';
import type { NodeView } from '../../lib/kube/nodes.ts';
import { tellVia } from '../../lib/notify/tell.ts';
import { healSteps, healthyNode, silentNode, type TestHeal, testHeal } from '../doubles/heal-deps.ts';

const CLUSTER = 'dc1';
const LOST = 'worker-4';

/** A cluster of four nodes, the last one silent for two minutes (past both 60 s thresholds). */
const setUp = async (
  options: { environment?: string; healMode?: 'observe' | 'approve' | 'auto'; lost?: Partial<NodeView> } = {},
) => {
  const t = testHeal();
  await t.db.seed.cluster({
    name: CLUSTER,
    environment: options.environment ?? 'staging',
    ...(options.healMode ? { healMode: options.healMode } : {}),
  });
  const now = t.clock.now();
  const nodes = t.kube.nodes(CLUSTER).nodes;
  for (const name of ['worker-1', 'worker-2', 'worker-3']) nodes.set(name, healthyNode(name, now));
  nodes.set(LOST, silentNode(LOST, now, 120, options.lost));
  return t;
};

const node = (t: TestHeal, name = LOST) => t.kube.nodes(CLUSTER).nodes.get(name) as NodeView;
const heals = (t: TestHeal) => t.deps.store.heals.get(CLUSTER, LOST);

/** A node.lost as a forwarder or the sweep sends it; `id` tells deliveries of different events apart. */
const lostEvent = (t: TestHeal, id = 'lost-1', name = LOST): NodeLost => ({
  ...sweptNodeLost(CLUSTER, node(t, name), t.clock.now()),
  id,
});

/** The recorded delayed looks, handed on as the queue would deliver them (after their delay). */
const nextChecks = (t: TestHeal): { check: HealCheck; delay: number }[] =>
  t.queue
    .take()
    .filter((s) => s.event.type === 'heal.check')
    .map((s) => ({ check: s.event as HealCheck, delay: s.delaySeconds ?? 0 }));

const runChecks = async (t: TestHeal) => {
  for (const { check, delay } of nextChecks(t)) {
    t.clock.advance(delay);
    await heal(check, t.deps);
  }
};

describe('heal: a lost node, auto mode', () => {
  it('is proven lost, cordoned, tainted out-of-service, and fenced once its pods and VolumeAttachments are gone', async () => {
    const t = await setUp();
    const state = t.kube.nodes(CLUSTER);
    state.pods.set('db-0', { namespace: 'shop', name: 'db-0', node: LOST, deleting: true, claims: ['data-db-0'] });
    const attachment = { name: 'csi-1', attacher: 'rbd.csi.ceph.com', node: LOST, attached: true, deleting: false };
    state.volumeAttachments.set('csi-1', attachment);

    await heal(lostEvent(t), t.deps);
    expect(node(t).unschedulable).toBe(true);
    expect(node(t).taints).toContainEqual(expect.objectContaining(OUT_OF_SERVICE_TAINT));
    expect(await heals(t)).toMatchObject({ phase: 'fencing', cordonedByCapstan: true, mode: 'auto' });
    expect(healSteps(t)).toEqual([
      'heal.prove succeeded -',
      'heal.start accepted -',
      'heal.cordon configured -',
      'heal.taint configured -',
      'heal.wait progressing -',
    ]);

    // The pod GC removes the pod; then the attach/detach controller the VolumeAttachment.
    state.pods.delete('db-0');
    await runChecks(t);
    expect((await heals(t))?.phase).toBe('fencing');
    state.volumeAttachments.delete('csi-1');
    await runChecks(t);
    const record = await heals(t);
    expect(record).toMatchObject({ phase: 'fenced' });
    expect(record?.podsGoneAt).toBe('2026-12-01T10:00:10.000Z');
    expect(record?.fencedAt).toBe('2026-12-01T10:00:20.000Z');
    expect(healSteps(t).slice(5)).toEqual([
      'heal.pods succeeded -',
      'heal.wait progressing -',
      'heal.fenced succeeded -',
    ]);
    const fenced = t.db.history('_nodes').find((e) => e.action === 'heal.fenced');
    expect(fenced?.details).toMatchObject({ podsGoneSecondsAfterTaint: 10, attachmentsGoneSecondsAfterTaint: 20 });
    const proven = t.db.history('_nodes').find((e) => e.action === 'heal.prove');
    expect(proven?.details).toMatchObject({
      notReadyForSeconds: 120,
      leaseSilentForSeconds: 120,
      nodes: 4,
      readyNodes: 3,
    });
    expect(t.queue.sent).toEqual([]);
  });

  it('a second node.lost, and the same one again, change nothing while the node is being fenced', async () => {
    const t = await setUp();
    await heal(lostEvent(t, 'lost-1'), t.deps);
    const before = structuredClone(node(t));
    t.queue.take();
    await heal(lostEvent(t, 'lost-2'), t.deps);
    await heal(lostEvent(t, 'lost-1'), t.deps);
    expect(node(t)).toEqual(before);
    expect(healSteps(t).slice(-1)).toEqual(['heal.prove unchanged already-healing']);
    expect(t.queue.sent).toEqual([]);
  });

  it("keeps a person's cordon: fenced without cordoning, and recorded as not capstan's", async () => {
    const t = await setUp({ lost: { unschedulable: true } });
    await heal(lostEvent(t), t.deps);
    expect(await heals(t)).toMatchObject({ phase: 'fenced', cordonedByCapstan: false });
    expect(healSteps(t)).not.toContain('heal.cordon configured -');
  });
});

describe('heal: candidates that are not proof change nothing', () => {
  const untouched = (t: TestHeal) => {
    expect(node(t).unschedulable).toBe(false);
    expect(node(t).taints).toEqual([]);
  };

  it('a forged node.lost for a Ready node', async () => {
    const t = await setUp();
    t.kube.nodes(CLUSTER).nodes.set(LOST, healthyNode(LOST, t.clock.now()));
    await heal({ ...lostEvent(t), id: 'forged' }, t.deps);
    untouched(t);
    expect(healSteps(t)).toEqual(['heal.prove skipped node-ready']);
    expect(await heals(t)).toBeUndefined();
    expect(t.queue.sent).toEqual([]);
  });

  it('a node not Ready for long enough is looked at again, and left alone when it comes back in time', async () => {
    const t = await setUp({ lost: { readySince: '2026-12-01T09:59:40.000Z' } });
    await heal(lostEvent(t), t.deps);
    untouched(t);
    expect(healSteps(t)).toEqual(['heal.prove skipped not-ready-too-briefly']);
    const [look] = nextChecks(t);
    expect(look).toMatchObject({
      delay: 40,
      check: { data: { step: 'prove', cause: 'outage:2026-12-01T09:59:40.000Z', attempt: 1 } },
    });
    t.clock.advance(30);
    t.kube.nodes(CLUSTER).nodes.set(LOST, healthyNode(LOST, t.clock.now(), 1));
    await heal(look!.check, t.deps);
    untouched(t);
    expect(healSteps(t).slice(-1)).toEqual(['heal.prove skipped node-ready']);
    expect(t.queue.sent).toEqual([]);
  });

  it('a node whose Lease is still renewed while Ready is Unknown', async () => {
    const t = await setUp({ lost: { leaseRenewedAt: '2026-12-01T09:59:55.000Z' } });
    await heal(lostEvent(t), t.deps);
    untouched(t);
    expect(healSteps(t)).toEqual(['heal.prove skipped lease-renewed']);
  });

  it('three of three nodes lost: a storm, recorded, nothing fenced', async () => {
    const t = testHeal();
    await t.db.seed.cluster({ name: CLUSTER, environment: 'staging' });
    const now = t.clock.now();
    for (const name of ['a', 'b', 'c']) t.kube.nodes(CLUSTER).nodes.set(name, silentNode(name, now, 300));
    for (const name of ['a', 'b', 'c']) await heal(lostEvent(t, `lost-${name}`, name), t.deps);
    for (const name of ['a', 'b', 'c']) expect(node(t, name)).toMatchObject({ unschedulable: false, taints: [] });
    expect(healSteps(t)).toEqual(['heal.prove skipped storm', 'heal.prove skipped storm', 'heal.prove skipped storm']);
    const storm = t.db.history('_nodes')[0];
    expect(storm?.details).toMatchObject({ nodes: 3, unhealthyNodes: 3, maxUnhealthy: 1 });
  });

  it('a cluster whose API server does not answer: retried, nothing recorded as decided', async () => {
    const t = await setUp();
    t.kube.unreachable(CLUSTER);
    await expect(heal(lostEvent(t), t.deps)).rejects.toBeInstanceOf(ClusterUnavailableError);
    expect(await heals(t)).toBeUndefined();
    expect(healSteps(t)).toEqual([]);
  });

  it('a node another step holds the lease of: retried later', async () => {
    const t = await setUp();
    await t.deps.store.heals.acquireLease({ cluster: CLUSTER, node: LOST }, 'other', 60, t.clock.now().getTime());
    await expect(heal(lostEvent(t), t.deps)).rejects.toBeInstanceOf(ConflictError);
    expect(node(t).unschedulable).toBe(false);
  });

  it("a pod's NodeNotReady: the node it is bound to, read fresh, is the candidate; an unknown pod is recorded", async () => {
    const t = await setUp();
    t.kube
      .nodes(CLUSTER)
      .pods.set('db-0', { namespace: 'shop', name: 'db-0', node: LOST, deleting: false, claims: [] });
    const { node: _, ...data } = lostEvent(t).data;
    await heal({ ...lostEvent(t), id: 'pod-1', data: { ...data, pod: { namespace: 'shop', name: 'db-0' } } }, t.deps);
    expect(await heals(t)).toMatchObject({ phase: 'fencing', eventId: 'pod-1' });
    await heal({ ...lostEvent(t), id: 'pod-2', data: { ...data, pod: { namespace: 'shop', name: 'gone' } } }, t.deps);
    expect(healSteps(t).slice(-1)).toEqual(['heal.prove skipped not-found']);
  });

  it('an unregistered cluster: recorded and ignored', async () => {
    const t = await setUp();
    await heal({ ...lostEvent(t), data: { ...lostEvent(t).data, cluster: 'nowhere' } }, t.deps);
    expect(healSteps(t)).toEqual(['heal.prove skipped not-found']);
  });
});

describe('heal: modes', () => {
  it('observe: the verdict and the heal are recorded, nothing is done; a return ends it', async () => {
    const t = await setUp({ healMode: 'observe' });
    await heal(lostEvent(t), t.deps);
    expect(node(t)).toMatchObject({ unschedulable: false, taints: [] });
    expect(await heals(t)).toMatchObject({ phase: 'suspected', mode: 'observe' });
    expect(healSteps(t)).toEqual(['heal.prove succeeded -', 'heal.start skipped observe-mode']);
    t.kube.nodes(CLUSTER).nodes.set(LOST, healthyNode(LOST, t.clock.now(), 5));
    await heal(recoveredEvent(t), t.deps);
    expect(await heals(t)).toMatchObject({ phase: 'cancelled' });
    expect(healSteps(t).slice(-1)).toEqual(['heal.recover skipped node-returned']);
  });

  it('observe: told once; later candidates, even long after, neither carry it on nor tell again', async () => {
    const t = await setUp({ healMode: 'observe' });
    await t.db.seed.environment('staging', false, t.clock.now(), undefined, 'C0OPS');
    await heal(lostEvent(t), t.deps);
    expect(t.queue.ofType('ops.notify').map((e) => e.data)).toMatchObject([{ what: 'node-lost', node: LOST }]);
    for (const id of ['lost-2', 'lost-3']) {
      t.clock.advance(defaultHealSettings.staleAfterSeconds + 1);
      await heal(lostEvent(t, id), t.deps);
    }
    expect(healSteps(t).filter((s) => s.startsWith('heal.start'))).toEqual(['heal.start skipped observe-mode']);
    expect(t.queue.ofType('ops.notify')).toHaveLength(1);
    expect(node(t)).toMatchObject({ unschedulable: false, taints: [] });
  });

  it('auto: the environment is told it was fenced, and nothing of the steps between', async () => {
    const t = await setUp();
    await t.db.seed.environment('staging', false, t.clock.now(), undefined, 'C0OPS');
    await heal(lostEvent(t), t.deps);
    expect(await heals(t)).toMatchObject({ phase: 'fenced' });
    await heal(lostEvent(t), t.deps);
    expect(t.queue.ofType('ops.notify').map((e) => e.data)).toMatchObject([
      { what: 'node-fenced', environment: 'staging', cluster: CLUSTER, node: LOST },
    ]);
  });

  it('a stalled fence is recorded at every look and told once for the heal', async () => {
    const t = await setUp();
    await t.db.seed.environment('staging', false, t.clock.now(), undefined, 'C0OPS');
    // A pod the pod GC never removes: fencing stalls past its timeout, and is looked at again and again.
    t.kube.nodes(CLUSTER).pods.set('db-0', { namespace: 'shop', name: 'db-0', node: LOST, deleting: true, claims: [] });
    await heal(lostEvent(t), t.deps);
    const told: string[] = [];
    for (let i = 0; i < 300 && healSteps(t).filter((s) => s.includes('fence-stalled')).length < 3; i++) {
      told.push(...t.queue.ofType('ops.notify').map((e) => e.id));
      await runChecks(t);
    }
    told.push(...t.queue.ofType('ops.notify').map((e) => e.id));
    expect(healSteps(t).filter((s) => s === 'heal.fence failed fence-stalled').length).toBeGreaterThanOrEqual(3);
    expect(told.length).toBeGreaterThanOrEqual(3);
    expect(new Set(told).size).toBe(1);
  });

  it('a notice the queue refuses is logged, and the step stands', async () => {
    const t = await setUp();
    await t.db.seed.environment('staging', false, t.clock.now(), undefined, 'C0OPS');
    const deps = {
      ...t.deps,
      tell: tellVia(
        async () => Promise.reject(new Error('SQS is down')),
        (m, f) => t.warnings.push({ message: m, fields: f }),
      ),
    };
    await heal(lostEvent(t), deps);
    expect(await heals(t)).toMatchObject({ phase: 'fenced' });
    expect(t.warnings).toMatchObject([
      { message: 'notice not sent', fields: { what: 'node-fenced', error: 'SQS is down' } },
    ]);
  });

  it('no channel for the environment: nothing is sent to the notifier', async () => {
    const t = await setUp({ healMode: 'observe' });
    await heal(lostEvent(t), t.deps);
    expect(t.queue.ofType('ops.notify')).toEqual([]);
  });

  it('approve, the default of a protected environment: waits; fencing starts once approved, proven again first', async () => {
    const t = await setUp({ environment: 'production' });
    await heal(lostEvent(t), t.deps);
    expect(await heals(t)).toMatchObject({ phase: 'awaiting-approval', mode: 'approve' });
    expect(node(t).unschedulable).toBe(false);
    expect(healSteps(t)).toEqual(['heal.prove succeeded -', 'heal.start pending awaiting-approval']);
    // What `capstan heal approve` does: fencing, and a look that carries it out.
    const key = { cluster: CLUSTER, node: LOST };
    await t.deps.store.heals.advance(key, ['awaiting-approval'], 'fencing', { updatedAt: t.clock.now().toISOString() });
    const { healCheck } = await import('../../lib/heal/render/events.ts');
    await heal(healCheck(CLUSTER, LOST, 'approve:lost-1', 0, t.clock.now()), t.deps);
    expect(await heals(t)).toMatchObject({ phase: 'fenced', cordonedByCapstan: true });
  });

  it('approve: a node that came back while waiting is not fenced when the approval comes', async () => {
    const t = await setUp({ environment: 'production' });
    await heal(lostEvent(t), t.deps);
    t.kube.nodes(CLUSTER).nodes.set(LOST, healthyNode(LOST, t.clock.now(), 5));
    await t.deps.store.heals.advance({ cluster: CLUSTER, node: LOST }, ['awaiting-approval'], 'fencing', {
      updatedAt: t.clock.now().toISOString(),
    });
    const { healCheck } = await import('../../lib/heal/render/events.ts');
    await heal(healCheck(CLUSTER, LOST, 'approve:lost-1', 0, t.clock.now()), t.deps);
    expect(node(t)).toMatchObject({ unschedulable: false, taints: [] });
    expect(await heals(t)).toMatchObject({ phase: 'cancelled' });
    expect(healSteps(t).slice(-1)).toEqual(['heal.fence skipped node-returned']);
  });
});

const recoveredEvent = (t: TestHeal, id = 'back-1'): NodeRecovered => ({
  ...sweptNodeRecovered(CLUSTER, node(t), t.clock.now()),
  id,
});

describe('heal: the node returns', () => {
  const fencedThenBack = async (options: Parameters<typeof setUp>[0] = {}) => {
    const t = await setUp(options);
    await heal(lostEvent(t), t.deps);
    expect((await heals(t))?.phase).toBe('fenced');
    t.clock.advance(600);
    // kubelet is back: Ready for 5 s, its Lease renewed, still cordoned and tainted by capstan.
    const { unschedulable, taints } = node(t);
    t.kube.nodes(CLUSTER).nodes.set(LOST, healthyNode(LOST, t.clock.now(), 5, { unschedulable, taints }));
    return t;
  };

  it('waits out the stabilization period, then removes the taint, uncordons, and ends the heal', async () => {
    const t = await fencedThenBack();
    await heal(recoveredEvent(t), t.deps);
    expect(await heals(t)).toMatchObject({ phase: 'recovering' });
    expect(node(t).unschedulable).toBe(true);
    const [look] = nextChecks(t);
    expect(look).toMatchObject({ delay: defaultHealSettings.recovery.stableForSeconds - 5 });
    t.clock.advance(look!.delay);
    // The kubelet renewed its Lease meanwhile.
    t.kube.nodes(CLUSTER).nodes.set(LOST, { ...node(t), leaseRenewedAt: t.clock.now().toISOString() });
    await heal(look!.check, t.deps);
    expect(node(t)).toMatchObject({ unschedulable: false, taints: [] });
    expect(await heals(t)).toMatchObject({ phase: 'restored' });
    expect(healSteps(t).slice(-5)).toEqual([
      'heal.recover accepted -',
      'heal.recover progressing -',
      'heal.untaint configured -',
      'heal.uncordon configured -',
      'heal.restored succeeded -',
    ]);
  });

  it('a node a person had cordoned stays cordoned; the taint goes', async () => {
    const t = await fencedThenBack({ lost: { unschedulable: true } });
    t.clock.advance(200);
    const live = node(t);
    t.kube.nodes(CLUSTER).nodes.set(LOST, { ...live, leaseRenewedAt: t.clock.now().toISOString() });
    await heal(recoveredEvent(t), t.deps);
    expect(node(t)).toMatchObject({ unschedulable: true, taints: [] });
    expect(await heals(t)).toMatchObject({ phase: 'restored' });
    const restored = t.db.history('_nodes').find((e) => e.action === 'heal.restored');
    expect(restored?.details).toMatchObject({ keptCordoned: true });
  });

  it('a node that goes down again while it is being restored stays fenced', async () => {
    const t = await fencedThenBack();
    await heal(recoveredEvent(t), t.deps);
    const [look] = nextChecks(t);
    t.clock.advance(look!.delay);
    t.kube.nodes(CLUSTER).nodes.set(LOST, { ...node(t), ready: 'Unknown', readySince: t.clock.now().toISOString() });
    await heal(look!.check, t.deps);
    expect(await heals(t)).toMatchObject({ phase: 'fenced' });
    expect(node(t).taints).toContainEqual(expect.objectContaining(OUT_OF_SERVICE_TAINT));
  });
});

describe('sweep', () => {
  it('sends node.lost for nodes not Ready and node.recovered for healed nodes Ready again, once per outage', async () => {
    const t = await setUp();
    const sweep = t.depsOf('sweep');
    expect(await sweepNodes(sweep)).toEqual([{ cluster: CLUSTER, lost: [LOST], recovered: [], nudged: [] }]);
    const first = t.queue.take().map((s) => `${s.event.type} ${s.event.subject} ${s.destination.queue}`);
    expect(first).toEqual([`node.lost ${CLUSTER}/${LOST} heal`]);
    await sweepNodes(sweep);
    const [again] = t.queue.take();
    expect(again?.event.id).toBe(sweptNodeLost(CLUSTER, node(t), t.clock.now()).id);

    await heal(lostEvent(t), t.deps);
    t.kube.nodes(CLUSTER).nodes.set(LOST, healthyNode(LOST, t.clock.now(), 5, { unschedulable: true }));
    t.queue.take();
    await sweepNodes(sweep);
    expect(t.queue.take().map((s) => s.event.type)).toEqual(['node.recovered']);
  });

  it('a cluster that does not answer is skipped, the others swept', async () => {
    const t = await setUp();
    await t.db.seed.cluster({ name: 'dc2', environment: 'staging' });
    t.kube.nodes('dc2').nodes.set('x', silentNode('x', t.clock.now(), 300));
    t.kube.unreachable(CLUSTER);
    const result = await sweepNodes(t.depsOf('sweep'));
    expect(result).toContainEqual(expect.objectContaining({ cluster: CLUSTER, error: expect.any(String) }));
    expect(result).toContainEqual({ cluster: 'dc2', lost: ['x'], recovered: [], nudged: [] });
  });
});

describe('heal: the table is the truth (what the review of issue 10 found)', () => {
  it('a heal left suspected by a crash after it started is carried on by the sweep once it is stale', async () => {
    const t = await setUp();
    await t.deps.store.heals.start({
      cluster: CLUSTER,
      node: LOST,
      mode: 'auto',
      eventId: 'crashed',
      suspectedAt: t.clock.now().toISOString(),
    });
    // A candidate while the heal is fresh changes nothing: its own chain may be alive.
    await heal(lostEvent(t, 'again'), t.deps);
    expect(node(t).unschedulable).toBe(false);
    t.clock.advance(defaultHealSettings.staleAfterSeconds + 1);
    t.kube.nodes(CLUSTER).nodes.set(LOST, silentNode(LOST, t.clock.now(), 600));
    const [swept] = await sweepNodes(t.depsOf('sweep'));
    expect(swept?.nudged).toEqual([LOST]);
    const nudge = t.queue.ofType('heal.check')[0];
    expect(nudge?.data).toMatchObject({ step: 'prove', attempt: 0 });
    await heal(nudge!, t.deps);
    expect(await heals(t)).toMatchObject({ phase: 'fenced', cordonedByCapstan: true });
  });

  it('a fenced heal whose Node was deleted neither counts against the storm guard nor lasts: the sweep ends it', async () => {
    const t = await setUp();
    await heal(lostEvent(t), t.deps);
    expect((await heals(t))?.phase).toBe('fenced');
    t.kube.nodes(CLUSTER).nodes.delete(LOST);
    // Another node is lost: with the deleted one still counted, 2 of 4 would be a storm.
    t.kube.nodes(CLUSTER).nodes.set('worker-3', silentNode('worker-3', t.clock.now(), 120));
    await heal(lostEvent(t, 'lost-w3', 'worker-3'), t.deps);
    expect(await t.deps.store.heals.get(CLUSTER, 'worker-3')).toMatchObject({ phase: 'fenced' });
    t.queue.take();
    await sweepNodes(t.depsOf('sweep'));
    const nudge = t.queue.ofType('heal.check').find((c) => c.data.node === LOST);
    await heal(nudge!, t.deps);
    expect(await heals(t)).toMatchObject({ phase: 'cancelled' });
    expect(healSteps(t, LOST).slice(-1)).toEqual(['heal.end skipped node-absent']);
  });

  it('a late node.recovered for a node that is down again changes nothing', async () => {
    const t = await setUp();
    t.kube.nodes(CLUSTER).pods.set('db-0', { namespace: 'shop', name: 'db-0', node: LOST, deleting: true, claims: [] });
    await heal(lostEvent(t), t.deps);
    expect((await heals(t))?.phase).toBe('fencing');
    await heal(recoveredEvent(t, 'late'), t.deps);
    expect(await heals(t)).toMatchObject({ phase: 'fencing' });
    expect(healSteps(t).slice(-1)).toEqual(['heal.recover skipped not-back']);
  });

  it('a node cordoned by capstan that flaps back and dies again before the taint goes back to fencing, proven again', async () => {
    const t = await setUp({ environment: 'production' });
    await heal(lostEvent(t), t.deps);
    const key = { cluster: CLUSTER, node: LOST };
    // Approved, cordoned, then it came back before the taint: recovery will undo capstan's cordon.
    await t.deps.store.heals.advance(key, ['awaiting-approval'], 'recovering', {
      cordonedByCapstan: true,
      updatedAt: t.clock.now().toISOString(),
    });
    t.kube.nodes(CLUSTER).nodes.set(LOST, { ...node(t), unschedulable: true });
    const { healCheck } = await import('../../lib/heal/render/events.ts');
    await heal(healCheck(CLUSTER, LOST, 'o', 1, t.clock.now(), 'recover'), t.deps);
    expect(await heals(t)).toMatchObject({ phase: 'fencing' });
    const [look] = nextChecks(t);
    expect(look?.check.data.step).toBe('fence');
    await heal(look!.check, t.deps);
    expect(await heals(t)).toMatchObject({ phase: 'fenced' });
    expect(node(t).taints).toContainEqual(expect.objectContaining(OUT_OF_SERVICE_TAINT));
  });

  it("a person's cancel holds for the outage it was about; the node's next outage is healed", async () => {
    const t = await setUp({ environment: 'production' });
    await heal(lostEvent(t), t.deps);
    const key = { cluster: CLUSTER, node: LOST };
    const at = t.clock.now().toISOString();
    await t.deps.store.heals.advance(key, ['awaiting-approval'], 'cancelled', {
      cancelledBy: 'ana',
      cancelledAt: at,
      updatedAt: at,
    });
    t.clock.advance(30);
    await heal(lostEvent(t, 'pod-event'), t.deps);
    expect(await heals(t)).toMatchObject({ phase: 'cancelled' });
    expect(healSteps(t).slice(-1)).toEqual(['heal.prove skipped cancelled']);
    // It came back and was lost again: a new outage.
    t.clock.advance(600);
    t.kube.nodes(CLUSTER).nodes.set(LOST, silentNode(LOST, t.clock.now(), 120));
    await heal(lostEvent(t, 'next-outage'), t.deps);
    expect(await heals(t)).toMatchObject({ phase: 'awaiting-approval' });
  });

  it('a taint whose time was not recorded is dated by its timeAdded, so the stall timeout still runs', async () => {
    const t = await setUp();
    const added = new Date(t.clock.now().getTime() - 2000 * 1000).toISOString();
    t.kube.nodes(CLUSTER).nodes.set(LOST, {
      ...node(t),
      unschedulable: true,
      taints: [{ ...OUT_OF_SERVICE_TAINT, timeAdded: added }],
    });
    t.kube.nodes(CLUSTER).pods.set('db-0', { namespace: 'shop', name: 'db-0', node: LOST, deleting: true, claims: [] });
    await t.deps.store.heals.start({ cluster: CLUSTER, node: LOST, mode: 'auto', eventId: 'e', suspectedAt: added });
    await t.deps.store.heals.advance({ cluster: CLUSTER, node: LOST }, ['suspected'], 'fencing', { updatedAt: added });
    const { healCheck } = await import('../../lib/heal/render/events.ts');
    await heal(healCheck(CLUSTER, LOST, 'o', 1, t.clock.now(), 'fence'), t.deps);
    expect(await heals(t)).toMatchObject({ taintedAt: added });
    expect(healSteps(t).slice(-1)).toEqual(['heal.fence failed fence-stalled']);
  });
});
