import { describe, expect, it } from 'vitest';
import { releaseAdvance } from '../../lib/deploy/render/events.ts';
import { failReleaseOfEvent } from '../../lib/deploy/use-cases/fail-release.ts';
import { releaseToEnvironment } from '../../lib/deploy/use-cases/release.ts';
import { rollbackRelease } from '../../lib/deploy/use-cases/rollback.ts';
import { NotFoundError, PartialFailureError } from '../../lib/errors.ts';
import { deployWithClusters, historySteps, testTiming } from '../doubles/deploy-deps.ts';
import { deployRequested, helloImage, rollbackRequested } from '../doubles/events.ts';

const T0 = '2026-12-01T09:00:00.000Z';
const T1 = '2026-12-01T09:10:00.000Z';
const T2 = '2026-12-01T09:20:00.000Z';

/** staging: east in wave 0, west in wave 1 (unless told otherwise). */
const setup = (clusters: { name: string; wave?: number; environment?: string }[] = defaultClusters) =>
  deployWithClusters(clusters);
const defaultClusters = [
  { name: 'east', wave: 0 },
  { name: 'west', wave: 1 },
];
const steps = historySteps;

describe('releaseToEnvironment', () => {
  it('skips an environment without clusters (no-clusters), creating nothing', async () => {
    const t = await setup([]);
    const summary = await releaseToEnvironment(deployRequested('d1', T0), t.deps);
    expect(summary).toMatchObject({ outcome: 'skipped', code: 'no-clusters' });
    expect(steps(t)).toEqual(['release - - skipped no-clusters']);
    expect(t.db.releases('hello', 'staging')).toEqual([]);
    expect(t.kube.applies).toEqual([]);
    expect(t.queue.sent).toEqual([]);
  });

  it('refuses what the policy forbids before creating or applying anything', async () => {
    // An app nobody registered is never released into a protected environment (production by default).
    const t = await setup([{ name: 'prod-east', environment: 'production' }]);
    const summary = await releaseToEnvironment(deployRequested('d1', T0, { environment: 'production' }), t.deps);
    expect(summary).toMatchObject({ outcome: 'refused', code: 'policy' });
    expect(summary.reason).toContain('production is protected');
    expect(steps(t)).toEqual(['release - - refused policy']);
    expect(t.db.releases('hello', 'production')).toEqual([]);
    expect(t.kube.applies).toEqual([]);
    expect(t.queue.sent).toEqual([]);
  });

  it('a dry run asks every cluster what would change, records it per cluster, and makes no release', async () => {
    const t = await setup();
    const summary = await releaseToEnvironment(deployRequested('d1', T0, { dryRun: true }), t.deps);
    expect(summary).toEqual({
      app: 'hello',
      environment: 'staging',
      outcome: 'skipped',
      reason: 'dry run',
      clusters: { east: 'configured', west: 'configured' },
    });
    expect(steps(t)).toEqual(['dry-run east - configured -', 'dry-run west - configured -']);
    expect(t.db.history('hello')[0]?.details).toEqual({
      diff: ['Namespace/demo: created', 'Deployment/hello: created'],
    });
    expect(t.db.releases('hello', 'staging')).toEqual([]);
    expect(t.kube.applies).toEqual([]);
    expect(t.queue.sent).toEqual([]);
  });

  it('creates a release and applies its first wave only, asking for a rollout check per cluster', async () => {
    const t = await setup([{ name: 'east' }, { name: 'north' }, { name: 'west', wave: 1 }]);
    const summary = await releaseToEnvironment(deployRequested('d1', T0), t.deps);
    expect(summary).toEqual({
      app: 'hello',
      environment: 'staging',
      revision: 1,
      outcome: 'released',
      clusters: { east: 'created', north: 'created' },
    });
    const [release] = t.db.releases('hello', 'staging');
    expect(release).toMatchObject({
      revision: 1,
      eventId: 'd1',
      status: 'progressing',
      wave: 0,
      waves: [['east', 'north'], ['west']],
      requestedAt: T0,
      clusters: {
        east: { apply: 'created', rollout: 'progressing' },
        north: { apply: 'created', rollout: 'progressing' },
      },
    });
    expect(t.kube.applies).toEqual([
      { cluster: 'east', objects: ['Namespace/demo: created', 'Deployment/hello: created'] },
      { cluster: 'north', objects: ['Namespace/demo: created', 'Deployment/hello: created'] },
    ]);
    // The revision is stamped on the Deployment the cluster runs.
    const live = t.kube.object('east', 'apps/v1', 'Deployment', 'demo', 'hello');
    expect(live?.metadata?.annotations).toEqual({ 'capstan.dev/revision': '1' });
    expect(steps(t)).toEqual(['release - 1 accepted -', 'apply east 1 created -', 'apply north 1 created -']);
    const deadline = new Date(t.clock.now().getTime() + testTiming.timeoutSeconds * 1000).toISOString();
    expect(t.queue.sent.map((s) => [s.event.type, s.delaySeconds, s.event.data])).toEqual(
      ['east', 'north'].map((cluster) => [
        'rollout.check',
        testTiming.firstCheckSeconds,
        {
          app: 'hello',
          environment: 'staging',
          revision: 1,
          cluster,
          namespace: 'demo',
          deployment: 'hello',
          generation: 1,
          attempt: 0,
          deadline,
        },
      ]),
    );
  });

  it('skips a second request for exactly what the newest release applies (duplicate)', async () => {
    const t = await setup();
    await releaseToEnvironment(deployRequested('d1', T0), t.deps);
    t.queue.take();
    const summary = await releaseToEnvironment(deployRequested('d2', T1), t.deps);
    expect(summary).toMatchObject({ outcome: 'skipped', code: 'duplicate' });
    expect(summary.reason).toContain('release #1 (progressing) already applies exactly this');
    expect(t.db.releases('hello', 'staging')).toHaveLength(1);
    expect(t.kube.applies).toHaveLength(1);
    expect(t.queue.sent).toEqual([]);
    expect(steps(t).at(-1)).toBe('release - - skipped duplicate');
  });

  it('skips a request asked for before the newest release (stale): a late delivery never goes back', async () => {
    const t = await setup();
    await releaseToEnvironment(deployRequested('d2', T1, { image: helloImage('2.0.0') }), t.deps);
    const summary = await releaseToEnvironment(deployRequested('d1', T0, { image: helloImage('1.0.0') }), t.deps);
    expect(summary).toMatchObject({ outcome: 'skipped', code: 'stale' });
    expect(t.db.releases('hello', 'staging').map((r) => r.image)).toEqual([helloImage('2.0.0')]);
    expect(steps(t).at(-1)).toBe('release - - skipped stale');
  });

  it('a redelivered event finds the release it made: settled once it went out, nothing applied again', async () => {
    const t = await setup();
    const event = deployRequested('d1', T0);
    await releaseToEnvironment(event, t.deps);
    const history = steps(t);
    const summary = await releaseToEnvironment(event, t.deps);
    expect(summary).toMatchObject({ outcome: 'skipped', code: 'settled', revision: 1 });
    expect(t.db.releases('hello', 'staging')).toHaveLength(1);
    expect(t.kube.applies).toHaveLength(1);
    expect(steps(t)).toEqual(history);
  });

  it('a redelivery of an event whose first wave did not finish re-applies it: no second release, unchanged', async () => {
    const t = await setup();
    const event = deployRequested('d1', T0);
    // The first delivery dies after its apply, as a function timing out would.
    const send = t.deps.enqueue;
    await expect(
      releaseToEnvironment(event, {
        ...t.deps,
        enqueue: async () => {
          throw new Error('SQS: throttled');
        },
      }),
    ).rejects.toThrow('SQS: throttled');
    expect(t.db.releases('hello', 'staging')[0]).toMatchObject({ status: 'applying' });
    const summary = await releaseToEnvironment(event, { ...t.deps, enqueue: send });
    expect(summary).toMatchObject({ outcome: 'released', revision: 1, clusters: { east: 'unchanged' } });
    expect(t.db.releases('hello', 'staging')).toHaveLength(1);
    expect(t.kube.applies.map((a) => a.objects)).toEqual([
      ['Namespace/demo: created', 'Deployment/hello: created'],
      ['Namespace/demo: unchanged', 'Deployment/hello: unchanged'],
    ]);
    expect(t.queue.ofType('rollout.check')).toHaveLength(1);
    // Every outcome is kept: the first attempt's beside its retry's.
    expect(steps(t)).toEqual(['release - 1 accepted -', 'apply east 1 created -', 'apply east 1 unchanged -']);
  });

  // Found with the doubles: applyToCluster once caught the queue's error with the cluster's, recording a
  // cluster that took the release as unreachable.
  it('a queue failure after a successful apply is not recorded as the cluster being unreachable', async () => {
    const t = await setup([{ name: 'east' }]);
    const failing = async () => {
      throw new Error('SQS: throttled');
    };
    await releaseToEnvironment(deployRequested('d1', T0), { ...t.deps, enqueue: failing }).catch(() => undefined);
    expect(t.db.releases('hello', 'staging')[0]?.clusters.east?.apply).toBe('created');
    expect(steps(t)).not.toContain('apply east 1 failed unreachable');
  });

  it('one unreachable cluster fails the wave for a retry; the other is applied, and the retry re-applies it unchanged', async () => {
    const t = await setup([{ name: 'east' }, { name: 'west' }]);
    t.kube.unreachable('west');
    const event = deployRequested('d1', T0);
    await expect(releaseToEnvironment(event, t.deps)).rejects.toBeInstanceOf(PartialFailureError);
    expect(t.db.releases('hello', 'staging')[0]).toMatchObject({
      status: 'applying',
      clusters: {
        east: { apply: 'created', rollout: 'progressing' },
        west: { apply: 'failed', rollout: 'pending', code: 'unreachable' },
      },
    });
    expect(t.kube.applies.map((a) => a.cluster)).toEqual(['east']);
    const [first] = t.queue.take();
    expect(first?.event).toMatchObject({ type: 'rollout.check', data: { cluster: 'east' } });

    t.kube.unreachable('west', false);
    const summary = await releaseToEnvironment(event, t.deps);
    expect(summary).toMatchObject({
      outcome: 'released',
      revision: 1,
      clusters: { east: 'unchanged', west: 'created' },
    });
    expect(t.db.releases('hello', 'staging')).toHaveLength(1);
    expect(t.db.releases('hello', 'staging')[0]).toMatchObject({ status: 'progressing' });
    // East's check is asked for again with the same id (the queue drops it); west gets its first.
    expect(t.queue.sent.map((s) => s.event.id)).toContain(first?.event.id);
    expect(t.queue.ofType('rollout.check').map((e) => e.data.cluster)).toEqual(['east', 'west']);
    // The clusters of a wave apply at once: the unreachable one fails before the other is through.
    expect(steps(t)).toEqual([
      'release - 1 accepted -',
      'apply west 1 failed unreachable',
      'apply east 1 created -',
      'apply east 1 unchanged -',
      'apply west 1 created -',
    ]);
  });

  it('a cluster that refuses for good (4xx) refuses the whole wave before any cluster is touched', async () => {
    const t = await setup([{ name: 'east' }, { name: 'west' }]);
    t.kube.rejects('west');
    const summary = await releaseToEnvironment(deployRequested('d1', T0), t.deps);
    expect(summary).toMatchObject({ outcome: 'refused', code: 'apply-failed', revision: 1 });
    expect(summary.reason).toContain('cluster west');
    expect(t.kube.applies).toEqual([]);
    expect(t.db.releases('hello', 'staging')[0]).toMatchObject({
      status: 'failed',
      statusReason: { code: 'apply-failed' },
    });
    expect(t.queue.sent).toEqual([]);
  });

  it('a dry run reports an unreachable cluster as failed and the others as usual', async () => {
    const t = await setup([{ name: 'east' }, { name: 'west' }]);
    await releaseToEnvironment(deployRequested('d1', T0), t.deps);
    t.kube.unreachable('west');
    const summary = await releaseToEnvironment(deployRequested('d2', T1, { dryRun: true, replicas: 3 }), t.deps);
    expect(summary.clusters).toEqual({ east: 'configured', west: 'failed' });
    const dry = t.db.history('hello').filter((e) => e.action === 'dry-run');
    expect(dry.map((e) => [e.cluster, e.outcome, e.code, e.details])).toEqual([
      ['east', 'configured', undefined, { diff: ['Deployment/hello: changed'] }],
      ['west', 'failed', 'unreachable', { diff: [] }],
    ]);
    expect(t.db.releases('hello', 'staging')).toHaveLength(1);
  });

  it('a new release supersedes an older one still in flight', async () => {
    const t = await setup();
    await releaseToEnvironment(deployRequested('d1', T0, { image: helloImage('1.0.0') }), t.deps);
    const summary = await releaseToEnvironment(deployRequested('d2', T1, { image: helloImage('2.0.0') }), t.deps);
    expect(summary).toMatchObject({ outcome: 'released', revision: 2, clusters: { east: 'configured' } });
    const [first, second] = t.db.releases('hello', 'staging');
    expect(first).toMatchObject({
      status: 'superseded',
      statusReason: { code: 'superseded', reason: 'superseded by #2' },
    });
    expect(second).toMatchObject({ status: 'progressing' });
    expect(t.db.history('hello').find((e) => e.outcome === 'superseded')).toMatchObject({
      eventId: 'd2',
      revision: 1,
      action: 'release',
      code: 'superseded',
    });
    // A new image is a new spec: the Deployment's generation moves on, and the check watches that one.
    expect(t.queue.ofType('rollout.check').map((e) => [e.data.revision, e.data.generation])).toEqual([
      [1, 1],
      [2, 2],
    ]);
  });
});

/** Two releases of staging (east only): #1 succeeded, #2 whatever `second` says. */
const twoReleases = async (second: 'progressing' | 'failed' = 'progressing') => {
  const t = await setup([{ name: 'east' }]);
  await releaseToEnvironment(deployRequested('d1', T0, { image: helloImage('1.0.0') }), t.deps);
  await t.deps.store.releases.setStatus({ app: 'hello', environment: 'staging', revision: 1 }, 'succeeded', [
    'progressing',
  ]);
  await releaseToEnvironment(deployRequested('d2', T1, { image: helloImage('2.0.0') }), t.deps);
  if (second === 'failed') {
    await t.deps.store.releases.setStatus({ app: 'hello', environment: 'staging', revision: 2 }, 'failed', [
      'progressing',
    ]);
  }
  t.queue.take();
  return t;
};

describe('rollbackRelease', () => {
  it('re-applies exactly what a named revision applied, as a new release', async () => {
    const t = await twoReleases();
    const summary = await rollbackRelease(rollbackRequested('r1', T2, { toRevision: 1 }), t.deps);
    expect(summary).toMatchObject({ outcome: 'released', revision: 3, clusters: { east: 'configured' } });
    const [one, two, three] = t.db.releases('hello', 'staging');
    expect(three).toMatchObject({
      rollbackOf: 1,
      autoRollback: false,
      image: helloImage('1.0.0'),
      reason: 'rollback to #1',
      requestedBy: 'alice',
      status: 'progressing',
    });
    expect(three?.manifests).toEqual(one?.manifests);
    expect(two).toMatchObject({ status: 'superseded' });
    const live = t.kube.object('east', 'apps/v1', 'Deployment', 'demo', 'hello') as {
      metadata: { annotations: Record<string, string> };
      spec: { template: { spec: { containers: { image: string }[] } } };
    };
    expect(live.spec.template.spec.containers[0]?.image).toBe(helloImage('1.0.0'));
    expect(live.metadata.annotations['capstan.dev/revision']).toBe('3');
    expect(t.db.history('hello').find((e) => e.eventId === 'r1' && e.outcome === 'accepted')).toMatchObject({
      revision: 3,
      reason: 'rollback to #1',
    });
    expect(t.queue.ofType('rollout.check').map((e) => e.data.revision)).toEqual([3]);
  });

  it('throws NotFoundError for a named revision that does not exist, creating nothing', async () => {
    const t = await twoReleases();
    await expect(rollbackRelease(rollbackRequested('r1', T2, { toRevision: 9 }), t.deps)).rejects.toBeInstanceOf(
      NotFoundError,
    );
    expect(t.db.releases('hello', 'staging')).toHaveLength(2);
  });

  it('without a target brings back the newest release that succeeded before the failed one', async () => {
    const t = await twoReleases('failed');
    const summary = await rollbackRelease(rollbackRequested('r1', T2, { failedRevision: 2 }), t.deps);
    expect(summary).toMatchObject({ outcome: 'released', revision: 3 });
    expect(t.db.releases('hello', 'staging')[2]).toMatchObject({ rollbackOf: 1, image: helloImage('1.0.0') });
  });

  it('skips (not-found) when there is no release, or none succeeded before', async () => {
    const empty = await setup([{ name: 'east' }]);
    expect(await rollbackRelease(rollbackRequested('r1', T2), empty.deps)).toMatchObject({
      outcome: 'skipped',
      code: 'not-found',
    });
    expect(steps(empty)).toEqual(['rollback - - skipped not-found']);

    const t = await setup([{ name: 'east' }]);
    await releaseToEnvironment(deployRequested('d1', T0), t.deps);
    const summary = await rollbackRelease(rollbackRequested('r1', T2), t.deps);
    expect(summary).toMatchObject({ outcome: 'skipped', code: 'not-found' });
    expect(summary.reason).toContain('succeeded before #1');
    expect(t.db.releases('hello', 'staging')).toHaveLength(1);
  });

  it('skips an automatic rollback of a release that a newer one superseded since', async () => {
    const t = await twoReleases();
    const summary = await rollbackRelease(rollbackRequested('r1', T2, { failedRevision: 1 }), t.deps);
    expect(summary).toMatchObject({ outcome: 'skipped', code: 'superseded' });
    expect(t.db.releases('hello', 'staging')).toHaveLength(2);
    expect(steps(t).at(-1)).toBe('rollback - - skipped superseded');
  });
});

describe('failReleaseOfEvent', () => {
  const why = { code: 'unreachable', reason: 'west stayed unreachable' } as const;

  it('fails the release an abandoned event made, once', async () => {
    const t = await setup([{ name: 'east' }, { name: 'west' }]);
    t.kube.unreachable('west');
    const event = deployRequested('d1', T0);
    await expect(releaseToEnvironment(event, t.deps)).rejects.toBeInstanceOf(PartialFailureError);
    await failReleaseOfEvent(event, why, t.deps);
    await failReleaseOfEvent(event, why, t.deps);
    expect(t.db.releases('hello', 'staging')[0]).toMatchObject({ status: 'failed', statusReason: why });
    expect(steps(t).filter((s) => s.startsWith('release - 1 failed'))).toEqual(['release - 1 failed unreachable']);
  });

  it('fails the release a given-up release.advance names', async () => {
    const t = await setup();
    await releaseToEnvironment(deployRequested('d1', T0), t.deps);
    const [release] = t.db.releases('hello', 'staging');
    const advance = releaseAdvance(release!, 1, t.clock.now());
    await failReleaseOfEvent(advance, why, t.deps);
    expect(t.db.releases('hello', 'staging')[0]).toMatchObject({ status: 'failed', statusReason: why });
    expect(t.db.history('hello').at(-1)).toMatchObject({
      eventId: advance.id,
      eventType: 'release.advance',
      outcome: 'failed',
    });
  });

  it('does nothing for an event that made no release, or a release already settled', async () => {
    const t = await setup([{ name: 'east' }]);
    await failReleaseOfEvent(deployRequested('d0', T0), why, t.deps);
    expect(t.db.history('hello')).toEqual([]);
    await releaseToEnvironment(deployRequested('d1', T0), t.deps);
    await t.deps.store.releases.setStatus({ app: 'hello', environment: 'staging', revision: 1 }, 'succeeded', [
      'progressing',
    ]);
    await failReleaseOfEvent(deployRequested('d1', T0), why, t.deps);
    expect(t.db.releases('hello', 'staging')[0]).toMatchObject({ status: 'succeeded' });
    expect(steps(t).some((s) => s.includes('failed'))).toBe(false);
  });
});
