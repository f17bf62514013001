import { describe, expect, it } from 'vitest';
import type { RolloutCheck } from '../../events/index.ts';
import { AppSpecSchema } from '../../lib/apps/spec.ts';
import { releaseLeaseHolder, releaseLeaseSeconds } from '../../lib/deploy/settings.ts';
import { checkRollout } from '../../lib/deploy/use-cases/check-rollout.ts';
import { releaseToEnvironment } from '../../lib/deploy/use-cases/release.ts';
import { ConflictError, PartialFailureError } from '../../lib/errors.ts';
import { workloadLease } from '../../lib/store/ports.ts';
import type { ScaleOverride } from '../../lib/store/scale-overrides.ts';
import { deployWithClusters, historySteps, testTiming } from '../doubles/deploy-deps.ts';
import { deployRequested } from '../doubles/events.ts';

// The release side of autoscaling (issue 12) through the use cases, on the in-memory doubles: the workload
// lease held from apply until the rollout settles, an active override kept, capstan's HPA removed once
// autoscaling is off.
const T0 = '2026-12-01T10:00:00.000Z'; // the test clock's start
const east = { cluster: 'east', workload: { namespace: 'demo', kind: 'Deployment' as const, name: 'hello' } };
const lease = workloadLease(east);
const holder = releaseLeaseHolder('hello', 'staging');

const override = (o: Partial<ScaleOverride> = {}): Omit<ScaleOverride, 'version'> => ({
  ...east,
  app: 'hello',
  environment: 'staging',
  specMax: 2,
  max: 6,
  state: 'active',
  raisedAt: T0,
  endsAt: '2026-12-01T11:00:00.000Z',
  by: 'alert:HighCpu',
  eventId: 'alert-1',
  updatedAt: T0,
  ...o,
});

const setup = async () => {
  const t = await deployWithClusters([{ name: 'east' }]);
  // A scaling step, on the test's clock (leases expire by the time they are given).
  const scaling = {
    acquire: () => t.db.store.leases.acquire(lease, 'scale/east/demo/hello', 60, t.clock.now().getTime()),
    release: () => t.db.store.leases.release(lease, 'scale/east/demo/hello'),
  };
  return { ...t, scaling };
};

describe('a release and the workload lease', () => {
  it('holds the lease from the apply until the rollout settles, then lets go of it', async () => {
    const t = await setup();
    await releaseToEnvironment(deployRequested('d1', T0), t.deps);
    // Held as the release: a scaling step cannot take it now.
    await expect(t.scaling.acquire()).rejects.toBeInstanceOf(ConflictError);
    const [check] = t.queue.take();
    t.kube.markReady('east', 'demo', 'hello');
    expect(await checkRollout(check?.event as RolloutCheck, t.depsOf('rollout'))).toBe('ready');
    await t.scaling.acquire();
  });

  it("the lease's TTL outlasts the rollout timeout", () => {
    expect(releaseLeaseSeconds(testTiming)).toBeGreaterThan(testTiming.timeoutSeconds);
  });

  it('while a scaling step holds it, the apply fails retryable (lease-held) and touches nothing; once let go it applies', async () => {
    const t = await setup();
    await t.scaling.acquire();
    await expect(releaseToEnvironment(deployRequested('d1', T0), t.deps)).rejects.toBeInstanceOf(PartialFailureError);
    expect(t.kube.applies).toEqual([]);
    expect(t.db.releases('hello', 'staging')[0]?.clusters.east).toMatchObject({ apply: 'failed', code: 'lease-held' });
    await t.scaling.release();
    expect(await releaseToEnvironment(deployRequested('d1', T0), t.deps)).toMatchObject({ outcome: 'released' });
    expect(historySteps(t)).toEqual([
      'release - 1 accepted -',
      'apply east 1 failed lease-held',
      'apply east 1 created -',
    ]);
  });

  it('any revision of the same app and environment is the same holder: a later release renews it', async () => {
    const t = await setup();
    await t.db.store.leases.acquire(lease, holder, 60, t.clock.now().getTime());
    expect(await releaseToEnvironment(deployRequested('d1', T0), t.deps)).toMatchObject({ outcome: 'released' });
  });
});

describe('a release and an active override', () => {
  it("keeps the override's count for a Deployment without an HPA; a reverted one gives the spec back", async () => {
    const t = await setup();
    expect(await t.db.store.overrides.save(override(), undefined)).toBe(true);
    await releaseToEnvironment(deployRequested('d1', T0), t.deps);
    const replicas = () =>
      (t.kube.object('east', 'apps/v1', 'Deployment', 'demo', 'hello') as { spec: { replicas: number } }).spec.replicas;
    expect(replicas()).toBe(6);
    const saved = await t.db.store.overrides.get(east);
    await t.db.store.overrides.save(override({ state: 'reverted', revertedAt: T0 }), saved?.version);
    await t.db.store.leases.release(lease, holder);
    await releaseToEnvironment(deployRequested('d2', T0, { image: 'registry.local:5000/acme/hello:1.1' }), t.deps);
    expect(replicas()).toBe(2);
  });

  it("keeps the override's maxReplicas on the HPA of an app with autoscaling", async () => {
    const t = await setup();
    await t.db.seed.app(
      AppSpecSchema.parse({
        name: 'hello',
        namespace: 'demo',
        containers: [{ name: 'hello', repository: 'registry.local:5000/acme/hello' }],
        environments: { staging: { autoscaling: { min: 2, max: 4 } } },
      }),
    );
    await t.db.store.overrides.save(override({ hpa: 'hello', specMax: 4, max: 8 }), undefined);
    await releaseToEnvironment(deployRequested('d1', T0), t.deps);
    const hpa = t.kube.object('east', 'autoscaling/v2', 'HorizontalPodAutoscaler', 'demo', 'hello') as {
      spec: { minReplicas: number; maxReplicas: number };
    };
    expect(hpa.spec).toMatchObject({ minReplicas: 2, maxReplicas: 8 });
    expect(await t.kube.gateway('east').readHpa('demo', 'hello')).toMatchObject({ maxReplicas: 8 });
  });
});

describe('turning autoscaling off', () => {
  it("deletes capstan's HPA with the next release, once; the apply says so", async () => {
    const t = await setup();
    await t.db.seed.app(
      AppSpecSchema.parse({
        name: 'hello',
        namespace: 'demo',
        containers: [{ name: 'hello', repository: 'registry.local:5000/acme/hello' }],
        environments: { staging: { autoscaling: { min: 2, max: 4 } } },
      }),
    );
    await releaseToEnvironment(deployRequested('d1', T0), t.deps);
    expect(await t.kube.gateway('east').readHpa('demo', 'hello')).toMatchObject({ minReplicas: 2 });
    await t.db.seed.app(
      AppSpecSchema.parse({
        name: 'hello',
        namespace: 'demo',
        containers: [{ name: 'hello', repository: 'registry.local:5000/acme/hello' }],
        environments: { staging: { replicas: 3 } },
      }),
    );
    await releaseToEnvironment(deployRequested('d2', T0, { image: 'registry.local:5000/acme/hello:1.1' }), t.deps);
    expect(await t.kube.gateway('east').readHpa('demo', 'hello')).toBeUndefined();
    const applied = t.db.history('hello').filter((e) => e.action === 'apply' && e.revision === 2);
    expect(applied[0]?.details?.objects).toContain('HorizontalPodAutoscaler/hello: deleted');
  });
});
