import { beforeEach, describe, expect, it } from 'vitest';
import type { HpaThresholdHit, HpaThresholdHitData, ScaleCheck, ScaleRequested } from '../../events/index.ts';
import { AppSpecSchema } from '../../lib/apps/spec.ts';
import { renderApp } from '../../lib/deploy/render/app.ts';
import type { HpaView } from '../../lib/kube/scaling.ts';
import { tellVia } from '../../lib/notify/tell.ts';
import type { ScaleDeps } from '../../lib/scale/ports.ts';
import { defaultScaleSettings } from '../../lib/scale/settings.ts';
import { scale } from '../../lib/scale/use-cases/scale.ts';
import { sweepOverrides } from '../../lib/scale/use-cases/sweep-overrides.ts';
import { UNROUTED_APP } from '../../lib/store/ports.ts';
import { workloadLease } from '../../lib/store/scale-overrides.ts';
import { type TestClock, testClock } from '../doubles/clock.ts';
import { type MemoryKube, memoryKube } from '../doubles/kube.ts';
import { type RecordingQueue, recordingQueue } from '../doubles/queue.ts';
import { type MemoryStore, memoryStore } from '../doubles/store.ts';

// Scaling (issue 12) through the use case with the in-memory doubles: each alert, look and person's ask,
// what it does to the HPA and the override record, and what it leaves in the history.

const CLUSTER = 'dc1';
const WORKLOAD = { namespace: 'payments', kind: 'Deployment', name: 'api' } as const;
const KEY = { cluster: CLUSTER, workload: WORKLOAD };
const DIGEST = `registry.local:5000/acme/api@sha256:${'a'.repeat(64)}`;

const app = (autoscaling: Record<string, unknown> = {}) =>
  AppSpecSchema.parse({
    name: 'api',
    namespace: 'payments',
    containers: [{ name: 'api', repository: 'registry.local:5000/acme/api', limits: { cpu: '500m', memory: '256Mi' } }],
    environments: {
      production: { autoscaling: { min: 3, max: 10, burstMax: 20, cooldown: '5m', burstFor: '1h', ...autoscaling } },
      staging: {},
    },
  });

let db: MemoryStore;
let kube: MemoryKube;
let queue: RecordingQueue;
let clock: TestClock;
let deps: ScaleDeps;
let seq = 0;

const hpa = (): HpaView | undefined => kube.nodes(CLUSTER).hpas.get('payments/api');
const setHpa = (patch: Partial<HpaView> = {}) =>
  kube.nodes(CLUSTER).hpas.set('payments/api', {
    namespace: 'payments',
    name: 'api',
    target: 'Deployment/api',
    minReplicas: 3,
    maxReplicas: 10,
    currentReplicas: 10,
    desiredReplicas: 10,
    conditions: [],
    ...patch,
  });

beforeEach(async () => {
  db = memoryStore();
  kube = memoryKube();
  queue = recordingQueue('scale');
  clock = testClock();
  deps = {
    store: db.store,
    kube: kube.connect,
    enqueue: queue.enqueue,
    tell: tellVia(queue.enqueue, (message) => {
      throw new Error(`unexpected: ${message}`);
    }),
    now: clock.now,
    settings: defaultScaleSettings,
  };
  await db.seed.cluster({ name: CLUSTER, environment: 'production' });
  await db.seed.app(app());
  const gateway = await kube.connect((await db.store.clusters.get(CLUSTER)) as never);
  await gateway.apply(renderApp({ app: app(), environment: 'production', image: DIGEST, replicas: 10 }));
  setHpa();
});

const alert = (status: 'firing' | 'resolved', data: Partial<HpaThresholdHitData> = {}): HpaThresholdHit => ({
  specversion: '1.0',
  id: `alert-${++seq}`,
  type: 'hpa.threshold.hit',
  source: 'capstan/sources/alertmanager',
  time: clock.now().toISOString(),
  schemaversion: '1',
  data: {
    cluster: CLUSTER,
    namespace: 'payments',
    target: { kind: 'HorizontalPodAutoscaler', name: 'api' },
    signal: 'maxed-out',
    status,
    startsAt: clock.now().toISOString(),
    alertName: 'KubeHpaMaxedOut',
    producer: 'alertmanager',
    ...data,
  },
});

const manual = (data: Partial<ScaleRequested['data']>): ScaleRequested => ({
  specversion: '1.0',
  id: `manual-${++seq}`,
  type: 'scale.requested',
  source: 'capstan/cli',
  time: clock.now().toISOString(),
  schemaversion: '1',
  data: { app: 'api', environment: 'production', cluster: CLUSTER, requestedBy: 'alice', ...data },
});

const steps = () => db.history('api').map((e) => `${e.action} ${e.outcome}${e.code ? ` ${e.code}` : ''}`);
const checks = () => queue.ofType('scale.check');
const lastCheck = (): ScaleCheck => checks().at(-1) as ScaleCheck;

describe('an alert firing raises the ceiling a step, within burstMax and the quota, never inside the cooldown', () => {
  it('raises maxReplicas by half the spec max, records the override with its expiry, and sends the expiry look', async () => {
    expect(await scale(alert('firing'), deps)).toEqual({ outcome: 'configured' });
    expect(hpa()?.maxReplicas).toBe(15);
    const record = await db.store.overrides.get(KEY);
    expect(record).toMatchObject({ state: 'active', max: 15, specMax: 10, by: 'alert:KubeHpaMaxedOut', app: 'api' });
    expect(record?.endsAt).toBe('2026-12-01T11:00:00.000Z');
    expect(steps()).toEqual(['scale.raise configured']);
    expect(db.history('api')[0]).toMatchObject({ workload: 'payments/Deployment/api', cluster: CLUSTER });
    expect(lastCheck().data).toMatchObject({ signal: 'expired', dueAt: record?.endsAt, raise: record?.eventId });
    expect(queue.sent.at(-1)?.delaySeconds).toBe(900);
  });

  it('a redelivered alert writes the same ceiling again and raises nothing more', async () => {
    const event = alert('firing');
    await scale(event, deps);
    expect(await scale(event, deps)).toEqual({ outcome: 'unchanged' });
    expect(hpa()?.maxReplicas).toBe(15);
    expect((await db.store.overrides.get(KEY))?.version).toBe(1);
  });

  it('holds a second firing inside the cooldown, and looks again when it ends', async () => {
    await scale(alert('firing'), deps);
    clock.advance(60);
    expect(await scale(alert('firing'), deps)).toEqual({ outcome: 'skipped', code: 'cooldown' });
    expect(hpa()?.maxReplicas).toBe(15);
    expect(lastCheck().data).toMatchObject({ signal: 'firing', attempt: 1 });
    expect(queue.sent.at(-1)?.delaySeconds).toBe(240);
    // The look, once the cooldown is over and the HPA still pinned at its ceiling, raises again.
    clock.advance(240);
    setHpa({ maxReplicas: 15, currentReplicas: 15 });
    expect(await scale(lastCheck(), deps)).toEqual({ outcome: 'configured' });
    expect(hpa()?.maxReplicas).toBe(20);
  });

  it('a look after the cooldown raises nothing once the HPA is below its ceiling', async () => {
    await scale(alert('firing'), deps);
    clock.advance(60);
    await scale(alert('firing'), deps);
    clock.advance(240);
    setHpa({ maxReplicas: 15, currentReplicas: 12 });
    expect(await scale(lastCheck(), deps)).toEqual({ outcome: 'skipped', code: 'not-at-ceiling' });
    expect(hpa()?.maxReplicas).toBe(15);
  });

  it('stops at burstMax: a firing at the ceiling is refused and changes nothing', async () => {
    setHpa({ maxReplicas: 20, currentReplicas: 20 });
    expect(await scale(alert('firing'), deps)).toEqual({ outcome: 'refused', code: 'at-ceiling' });
    expect(hpa()?.maxReplicas).toBe(20);
    expect(await db.store.overrides.get(KEY)).toBeUndefined();
  });

  it('raises only as far as the quota has room for, and not at all without room', async () => {
    kube.setQuota(CLUSTER, 'payments', { name: 'pods', hard: { pods: '12' }, used: { pods: '10' } });
    await scale(alert('firing'), deps);
    expect(hpa()?.maxReplicas).toBe(12);
    expect(db.history('api')[0]?.details).toMatchObject({ quotaRoom: 2 });
    clock.advance(600);
    setHpa({ maxReplicas: 12, currentReplicas: 12 });
    kube.setQuota(CLUSTER, 'payments', { name: 'pods', hard: { pods: '12' }, used: { pods: '12' } });
    expect(await scale(alert('firing'), deps)).toEqual({ outcome: 'refused', code: 'quota' });
    expect(hpa()?.maxReplicas).toBe(12);
  });

  it('counts CPU requests against the quota as the release gate does', async () => {
    // Standard tier: request = limit / 2 = 250m a pod; 1 CPU left is room for 4.
    kube.setQuota(CLUSTER, 'payments', {
      name: 'cpu',
      hard: { 'requests.cpu': '3500m' },
      used: { 'requests.cpu': '2500m' },
    });
    await scale(alert('firing'), deps);
    expect(hpa()?.maxReplicas).toBe(14);
  });
});

describe('resolved, or the expiry, puts the spec back; held through the cooldown so the HPA does not flap', () => {
  it('holds a resolve inside the cooldown, then reverts on the look', async () => {
    await scale(alert('firing'), deps);
    clock.advance(120);
    expect(await scale(alert('resolved'), deps)).toEqual({ outcome: 'skipped', code: 'cooldown' });
    expect(hpa()?.maxReplicas).toBe(15);
    const look = lastCheck();
    expect(look.data).toMatchObject({ signal: 'resolved' });
    clock.advance(180);
    expect(await scale(look, deps)).toEqual({ outcome: 'configured' });
    expect(hpa()?.maxReplicas).toBe(10);
    expect(await db.store.overrides.get(KEY)).toMatchObject({ state: 'reverted', max: 15 });
    expect(steps()).toEqual(['scale.raise configured', 'scale.hold skipped cooldown', 'scale.revert configured']);
  });

  it('reverts on resolve after the cooldown, and a resolve sent again changes nothing', async () => {
    await scale(alert('firing'), deps);
    clock.advance(400);
    const resolved = alert('resolved');
    await scale(resolved, deps);
    expect(hpa()?.maxReplicas).toBe(10);
    expect(await scale(resolved, deps)).toEqual({ outcome: 'unchanged' });
    expect(await scale(alert('resolved'), deps)).toEqual({ outcome: 'skipped', code: 'no-override' });
    expect(hpa()?.maxReplicas).toBe(10);
  });

  it('a resolved notification for an override that never happened changes nothing', async () => {
    expect(await scale(alert('resolved'), deps)).toEqual({ outcome: 'skipped', code: 'no-override' });
    expect(hpa()?.maxReplicas).toBe(10);
    expect(await db.store.overrides.get(KEY)).toBeUndefined();
  });

  it('the expiry look hops until due, then reverts; an expiry of a raise since replaced does nothing', async () => {
    await scale(alert('firing'), deps);
    const expiry = lastCheck();
    clock.advance(900);
    expect(await scale(expiry, deps)).toEqual({ outcome: 'waiting' });
    const hop = lastCheck();
    expect(hop.data).toMatchObject({ attempt: 1, dueAt: expiry.data.dueAt });
    clock.advance(2700);
    expect(await scale(hop, deps)).toEqual({ outcome: 'configured' });
    expect(hpa()?.maxReplicas).toBe(10);
    // A later raise (after the cooldown since the revert): the first raise's expiry is no longer about it.
    clock.advance(301);
    await scale(alert('firing'), deps);
    expect(await scale(expiry, deps)).toEqual({ outcome: 'skipped', code: 'settled' });
    expect(hpa()?.maxReplicas).toBe(15);
  });

  it('a resolved alert at the 3rd delivery is the same one: one revert', async () => {
    await scale(alert('firing'), deps);
    clock.advance(400);
    const resolved = alert('resolved');
    for (let i = 0; i < 3; i++) await scale(resolved, deps);
    // Each delivery after the first writes the same ceiling again (`unchanged`): one revert that changed anything.
    expect(steps().filter((s) => s === 'scale.revert configured')).toHaveLength(1);
  });
});

describe('what capstan does not scale is recorded and left alone', () => {
  it('an unregistered cluster, an alert without one, an unknown HPA or Deployment, an app without autoscaling', async () => {
    expect(await scale(alert('firing', { cluster: 'nowhere' }), deps)).toEqual({
      outcome: 'skipped',
      code: 'not-found',
    });
    expect(await scale(alert('firing', { cluster: undefined }), deps)).toEqual({
      outcome: 'skipped',
      code: 'not-found',
    });
    const ghost = { target: { kind: 'HorizontalPodAutoscaler' as const, name: 'ghost' } };
    expect(await scale(alert('firing', ghost), deps)).toEqual({ outcome: 'skipped', code: 'unknown-workload' });
    const other = { target: { kind: 'Deployment' as const, name: 'other' } };
    expect(await scale(alert('firing', other), deps)).toEqual({ outcome: 'skipped', code: 'unknown-workload' });
    await db.seed.cluster({ name: 'stg1', environment: 'staging' });
    const byDeployment = { target: { kind: 'Deployment' as const, name: 'api' } };
    expect(await scale(alert('firing', { cluster: 'stg1', ...byDeployment }), deps)).toEqual({
      outcome: 'skipped',
      code: 'unknown-workload',
    });
    expect(db.history('api').map((e) => `${e.cluster} ${e.code}`)).toEqual(['stg1 unknown-workload']);
    expect(db.history(UNROUTED_APP).map((e) => e.code)).toEqual([
      'not-found',
      'not-found',
      'unknown-workload',
      'unknown-workload',
    ]);
    expect(hpa()?.maxReplicas).toBe(10);
  });

  it('KubeHpaReplicasMismatch is not a ceiling problem', async () => {
    expect(await scale(alert('firing', { signal: 'replicas-mismatch' }), deps)).toEqual({
      outcome: 'skipped',
      code: 'not-at-ceiling',
    });
    expect(hpa()?.maxReplicas).toBe(10);
  });

  it('says when the HPA capstan renders is not in the cluster', async () => {
    kube.nodes(CLUSTER).hpas.delete('payments/api');
    const byDeployment = { target: { kind: 'Deployment' as const, name: 'api' } };
    expect(await scale(alert('firing', byDeployment), deps)).toEqual({ outcome: 'refused', code: 'not-found' });
  });
});

describe("the workload's lease keeps a release and a scaling step apart", () => {
  it('a firing during a release waits for the lease by looks, then raises', async () => {
    await db.store.leases.acquire(workloadLease(KEY), 'release/api/production', 600, clock.now().getTime());
    expect(await scale(alert('firing'), deps)).toEqual({ outcome: 'pending', code: 'lease-held' });
    expect(hpa()?.maxReplicas).toBe(10);
    expect(queue.sent.at(-1)?.delaySeconds).toBe(defaultScaleSettings.leaseWaitSeconds);
    const look = lastCheck();
    clock.advance(defaultScaleSettings.leaseWaitSeconds);
    await db.store.leases.release(workloadLease(KEY), 'release/api/production');
    expect(await scale(look, deps)).toEqual({ outcome: 'configured' });
    expect(hpa()?.maxReplicas).toBe(15);
    expect(steps()).toEqual(['scale.wait pending lease-held', 'scale.raise configured']);
  });

  it('gives up after the bound, and says so', async () => {
    await db.store.leases.acquire(workloadLease(KEY), 'release/api/production', 86_400, clock.now().getTime());
    deps = { ...deps, settings: { ...defaultScaleSettings, maxLeaseWaits: 2 } };
    await scale(alert('firing'), deps);
    for (let i = 0; i < 2; i++) {
      clock.advance(20);
      await scale(lastCheck(), deps);
    }
    expect(steps().at(-1)).toBe('scale.refuse refused lease-held');
    expect(hpa()?.maxReplicas).toBe(10);
  });

  it('a person asking during a release is retried by the queue', async () => {
    await db.store.leases.acquire(workloadLease(KEY), 'release/api/production', 600, clock.now().getTime());
    await expect(scale(manual({ max: 16 }), deps)).rejects.toMatchObject({ retryable: true });
  });
});

describe("a person's override: within burstMax and the quota, not held by the cooldown", () => {
  it('sets a ceiling for a while and reverts it on request', async () => {
    await scale(alert('firing'), deps);
    expect(await scale(manual({ max: 18, forSeconds: 600 }), deps)).toEqual({ outcome: 'configured' });
    expect(hpa()?.maxReplicas).toBe(18);
    expect(await db.store.overrides.get(KEY)).toMatchObject({
      by: 'person:alice',
      endsAt: '2026-12-01T10:10:00.000Z',
    });
    expect(await scale(manual({ revert: true }), deps)).toEqual({ outcome: 'configured' });
    expect(hpa()?.maxReplicas).toBe(10);
  });

  it('refuses above burstMax, below the spec, and a revert with nothing to put back', async () => {
    expect(await scale(manual({ max: 21 }), deps)).toEqual({ outcome: 'refused', code: 'at-ceiling' });
    expect(await scale(manual({ max: 5 }), deps)).toEqual({ outcome: 'refused', code: 'policy' });
    expect(await scale(manual({ revert: true }), deps)).toEqual({ outcome: 'skipped', code: 'no-override' });
    expect(hpa()?.maxReplicas).toBe(10);
  });
});

describe('the sweep nudges an override whose expiry chain was lost', () => {
  it('sends the expiry look for an override well past its end, and nothing for one in force or reverted', async () => {
    await scale(alert('firing'), deps);
    queue.take();
    const clusters = [await db.store.clusters.get(CLUSTER)];
    expect(await sweepOverrides(deps, clusters)).toEqual([]);
    clock.advance(3600 + 180);
    expect(await sweepOverrides(deps, clusters)).toEqual(['dc1/payments/api']);
    const nudge = lastCheck();
    expect(await scale(nudge, deps)).toEqual({ outcome: 'configured' });
    expect(hpa()?.maxReplicas).toBe(10);
    expect(await sweepOverrides(deps, clusters)).toEqual([]);
  });
});

describe('late, repeated and crossing signals (found by review)', () => {
  it('the cooldown counts from the last change, a revert included: no raise, revert, raise flap', async () => {
    await scale(alert('firing'), deps);
    clock.advance(301);
    await scale(alert('resolved'), deps);
    expect(hpa()?.maxReplicas).toBe(10);
    clock.advance(10);
    expect(await scale(alert('firing'), deps)).toEqual({ outcome: 'skipped', code: 'cooldown' });
    expect(hpa()?.maxReplicas).toBe(10);
  });

  it('a resolve then a firing inside the cooldown: the firing is the latest word, the resolve look does nothing', async () => {
    const firing = alert('firing');
    await scale(firing, deps);
    clock.advance(60);
    await scale(alert('resolved', { startsAt: firing.data.startsAt }), deps);
    const resolveLook = lastCheck();
    clock.advance(30);
    await scale(alert('firing'), deps);
    const firingLook = lastCheck();
    clock.advance(300);
    expect(await scale(resolveLook, deps)).toEqual({ outcome: 'skipped', code: 'settled' });
    expect(hpa()?.maxReplicas).toBe(15);
    setHpa({ maxReplicas: 15, currentReplicas: 15 });
    expect(await scale(firingLook, deps)).toEqual({ outcome: 'configured' });
    expect(hpa()?.maxReplicas).toBe(20);
  });

  it('a late resolve of an earlier alert episode does not put back a raise made by a later one', async () => {
    const first = alert('firing');
    await scale(first, deps);
    clock.advance(400);
    setHpa({ maxReplicas: 15, currentReplicas: 15 });
    await scale(alert('firing'), deps); // a later episode: startsAt now
    expect(hpa()?.maxReplicas).toBe(20);
    clock.advance(400);
    expect(await scale(alert('resolved', { startsAt: first.data.startsAt }), deps)).toEqual({
      outcome: 'skipped',
      code: 'settled',
    });
    expect(hpa()?.maxReplicas).toBe(20);
  });

  it("alerts leave a person's override alone; its expiry still ends it", async () => {
    await scale(manual({ max: 18, forSeconds: 86_400 }), deps);
    clock.advance(400);
    expect(await scale(alert('resolved'), deps)).toEqual({ outcome: 'skipped', code: 'settled' });
    expect(await scale(alert('firing'), deps)).toEqual({ outcome: 'skipped', code: 'settled' });
    expect(await db.store.overrides.get(KEY)).toMatchObject({
      max: 18,
      by: 'person:alice',
      endsAt: '2026-12-02T10:00:00.000Z',
    });
    clock.advance(86_400);
    const expiry = checks().find((c) => c.data.signal === 'expired') as ScaleCheck;
    expect(await scale({ ...expiry, id: 'expiry-due' }, deps)).toEqual({ outcome: 'configured' });
    expect(hpa()?.maxReplicas).toBe(10);
  });

  it('a resolve that waited for the lease still puts the override back', async () => {
    await scale(alert('firing'), deps);
    clock.advance(400);
    await db.store.leases.acquire(workloadLease(KEY), 'release/api/production', 600, clock.now().getTime());
    expect(await scale(alert('resolved'), deps)).toEqual({ outcome: 'pending', code: 'lease-held' });
    await db.store.leases.release(workloadLease(KEY), 'release/api/production');
    clock.advance(20);
    expect(await scale(lastCheck(), deps)).toEqual({ outcome: 'configured' });
    expect(hpa()?.maxReplicas).toBe(10);
  });
});

describe('an override of a workload capstan no longer scales', () => {
  it('is put to rest by its expiry look once the app has no autoscaling there', async () => {
    await scale(alert('firing'), deps);
    const expiry = lastCheck();
    const { environments: _, ...rest } = app();
    await db.seed.app({
      ...rest,
      environments: { production: { autoDeploy: false, autoRollback: true, autoscaled: false } },
    });
    clock.advance(3600);
    expect(await scale(expiry, deps)).toEqual({ outcome: 'skipped', code: 'unknown-workload' });
    expect(await db.store.overrides.get(KEY)).toMatchObject({ state: 'reverted' });
    expect(await sweepOverrides(deps, [await db.store.clusters.get(CLUSTER)])).toEqual([]);
  });
});

describe('scaling tells those who follow the app or its environment', () => {
  const notices = () => queue.ofType('ops.notify').map((e) => e.data);
  const withChannel = AppSpecSchema.parse({
    ...app(),
    environments: {
      ...app().environments,
      production: { ...app().environments.production, notify: { slack: { channel: 'C0APP' } } },
    },
  });

  it('a raise and its revert, each once, redeliveries the same notice; the holds between are not told', async () => {
    await db.seed.app(withChannel);
    const firing = alert('firing');
    await scale(firing, deps);
    await scale(firing, deps);
    await scale(alert('firing'), deps); // inside the cooldown: held
    clock.advance(400);
    await scale(alert('resolved'), deps);
    expect(notices()).toMatchObject([
      {
        what: 'scale-raised',
        app: 'api',
        environment: 'production',
        cluster: CLUSTER,
        from: 10,
        to: 15,
        by: 'alert:KubeHpaMaxedOut',
      },
      // The redelivery finds the ceiling raised already; its notice has the same id, so the first is posted.
      { what: 'scale-raised', from: 15, to: 15 },
      { what: 'scale-reverted', from: 15, to: 10 },
    ]);
    const [first, again] = queue.ofType('ops.notify');
    expect(again?.id).toBe(first?.id);
    expect(first?.data.until).toBe('2026-12-01T11:00:00.000Z');
  });

  it("the environment's channel when the app has none; nobody's, nothing sent", async () => {
    await scale(alert('firing'), deps);
    expect(notices()).toEqual([]);
    await db.seed.environment('production', true, clock.now(), undefined, 'C0ENV');
    await scale(manual({ max: 18 }), deps);
    expect(notices()).toMatchObject([{ what: 'scale-raised', to: 18, by: 'person:alice' }]);
  });
});
