import { describe, expect, it } from 'vitest';
import { advanceRelease } from '../../lib/deploy/use-cases/advance-wave.ts';
import { checkRollout } from '../../lib/deploy/use-cases/check-rollout.ts';
import { releaseToEnvironment } from '../../lib/deploy/use-cases/release.ts';
import { deployWithClusters, historySteps } from '../doubles/deploy-deps.ts';
import { deployRequested } from '../doubles/events.ts';

const T0 = '2026-12-01T09:00:00.000Z';

/** A release of staging whose first wave (east) is ready, with the release.advance the check sent. */
const firstWaveReady = async () => {
  const t = await deployWithClusters([
    { name: 'east', wave: 0 },
    { name: 'west', wave: 1 },
  ]);
  await releaseToEnvironment(deployRequested('d1', T0), t.deps);
  const [check] = t.queue.ofType('rollout.check');
  t.kube.markReady('east', 'demo', 'hello');
  expect(await checkRollout(check!, t.depsOf('rollout'))).toBe('ready');
  const [advance] = t.queue.ofType('release.advance');
  t.queue.take();
  return { t, advance: advance! };
};

describe('advanceRelease', () => {
  it('starts the next wave once its previous one is ready: accepted, applied there only, checked', async () => {
    const { t, advance } = await firstWaveReady();
    expect(advance.data).toEqual({ app: 'hello', environment: 'staging', revision: 1, wave: 1 });
    const summary = await advanceRelease(advance, t.deps);
    expect(summary).toEqual({
      app: 'hello',
      environment: 'staging',
      revision: 1,
      outcome: 'released',
      clusters: { west: 'created' },
    });
    expect(t.db.releases('hello', 'staging')[0]).toMatchObject({
      wave: 1,
      status: 'progressing',
      clusters: { east: { rollout: 'ready' }, west: { apply: 'created', rollout: 'progressing' } },
    });
    expect(t.kube.applies.map((a) => a.cluster)).toEqual(['east', 'west']);
    expect(
      t.queue.sent.map((s) => [s.event.type, s.delaySeconds, 'cluster' in s.event.data && s.event.data.cluster]),
    ).toEqual([['rollout.check', 2, 'west']]);
    const mine = t.db.history('hello').filter((e) => e.eventId === advance.id);
    expect(mine.map((e) => `${e.action} ${e.cluster ?? '-'} ${e.outcome}`)).toEqual([
      'wave - accepted',
      'apply west created',
    ]);
    expect(mine[0]?.reason).toBe('wave 2 of 2: west');
  });

  it('a redelivered advance re-applies the same wave unchanged, and moves the wave only once', async () => {
    const { t, advance } = await firstWaveReady();
    await advanceRelease(advance, t.deps);
    const again = await advanceRelease(advance, t.deps);
    expect(again).toMatchObject({ outcome: 'released', clusters: { west: 'unchanged' } });
    expect(t.db.releases('hello', 'staging')[0]).toMatchObject({ wave: 1 });
    const mine = t.db.history('hello').filter((e) => e.eventId === advance.id);
    expect(mine.map((e) => `${e.action} ${e.cluster ?? '-'} ${e.outcome}`)).toEqual([
      'wave - accepted',
      'apply west created',
      'apply west unchanged',
    ]);
  });

  it('skips (settled) an advance of a release that is no longer in flight, applying nothing', async () => {
    const { t, advance } = await firstWaveReady();
    await t.deps.store.releases.setStatus(advance.data, 'superseded', ['applying', 'progressing']);
    const summary = await advanceRelease(advance, t.deps);
    expect(summary).toMatchObject({ outcome: 'skipped', code: 'settled', clusters: {} });
    expect(summary.reason).toBe('release #1 is superseded at wave 1');
    expect(t.kube.applies.map((a) => a.cluster)).toEqual(['east']);
    expect(t.queue.sent).toEqual([]);
    expect(t.db.releases('hello', 'staging')[0]).toMatchObject({ wave: 0, status: 'superseded' });
  });

  it('skips (settled) an advance once the release completed', async () => {
    const { t, advance } = await firstWaveReady();
    await advanceRelease(advance, t.deps);
    const [check] = t.queue.ofType('rollout.check');
    t.kube.markReady('west', 'demo', 'hello');
    expect(await checkRollout(check!, t.depsOf('rollout'))).toBe('ready');
    expect(t.db.releases('hello', 'staging')[0]?.status).toBe('succeeded');
    const applied = t.kube.applies.length;
    expect(await advanceRelease(advance, t.deps)).toMatchObject({ outcome: 'skipped', code: 'settled' });
    expect(t.kube.applies).toHaveLength(applied);
  });
});

describe('applyWave: the quota gate', () => {
  it('refuses a wave that one cluster has no room for, touching no cluster at all', async () => {
    const t = await deployWithClusters([{ name: 'east' }, { name: 'north' }]);
    // Two replicas do not fit a namespace that allows one more pod.
    t.kube.setQuota('north', 'demo', { name: 'pods', hard: { pods: '2' }, used: { pods: '1' } });
    const summary = await releaseToEnvironment(deployRequested('d1', T0), t.deps);
    expect(summary).toMatchObject({ outcome: 'refused', code: 'quota', revision: 1, clusters: {} });
    expect(summary.reason).toContain('cluster north');
    expect(t.kube.applies).toEqual([]);
    expect(t.queue.sent).toEqual([]);
    expect(t.db.releases('hello', 'staging')[0]).toMatchObject({
      status: 'failed',
      statusReason: { code: 'quota' },
      clusters: {},
    });
    expect(historySteps(t)).toEqual(['release - 1 accepted -', 'release - 1 refused quota']);
  });

  it('lets the wave through where the quota has room', async () => {
    const t = await deployWithClusters([{ name: 'east' }]);
    t.kube.setQuota('east', 'demo', { name: 'pods', hard: { pods: '10' }, used: { pods: '1' } });
    expect(await releaseToEnvironment(deployRequested('d1', T0), t.deps)).toMatchObject({ outcome: 'released' });
  });
});
