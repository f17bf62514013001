import { describe, expect, it } from 'vitest';
import { redeliveryVerdict } from '../../lib/deploy/decisions/redelivery.ts';
import { automaticRollback, lastGoodRelease, rollbackRefusal } from '../../lib/deploy/decisions/rollback.ts';
import { settleVerdict } from '../../lib/deploy/decisions/settle.ts';
import { staleness } from '../../lib/deploy/decisions/staleness.ts';
import type { Release } from '../../lib/store/releases.ts';
import { aRelease } from '../support/releases.ts';

const deployment = (image: string) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'api', namespace: 'api' },
  spec: { template: { spec: { containers: [{ name: 'api', image }] } } },
});

describe('staleness', () => {
  const request = (time: string, image = 'registry.local:5000/acme/api:1.1.0', id = 'new') => ({
    id,
    time,
    data: { app: 'api', environment: 'staging', image } as never,
  });
  const newest = aRelease({ revision: 3, requestedAt: '2026-12-01T10:00:00Z', manifests: [deployment('x:1')] });
  it.each([
    ['no release yet', [], request('2026-12-01T09:00:00Z'), [deployment('x:2')], undefined],
    ['newer request, other manifests', [newest], request('2026-12-01T11:00:00Z'), [deployment('x:2')], undefined],
    ['asked before the newest release', [newest], request('2026-12-01T09:00:00Z'), [deployment('x:2')], 'stale'],
    ['exactly what the newest applies', [newest], request('2026-12-01T11:00:00Z'), [deployment('x:1')], 'duplicate'],
    [
      'the newest release is failed: the same manifests may go again',
      [{ ...newest, status: 'failed' as const }],
      request('2026-12-01T11:00:00Z'),
      [deployment('x:1')],
      undefined,
    ],
    [
      'the newest release’s own event, redelivered, carries on',
      [newest],
      request('2026-12-01T09:00:00Z', undefined, newest.eventId),
      [deployment('x:1')],
      undefined,
    ],
  ])('%s', (_, recent, event, manifests, code) => {
    const verdict = staleness({ event, app: undefined, containers: undefined, recent: recent as Release[], manifests });
    expect(verdict?.code).toBe(code);
  });

  it('a later release of another container does not make a request late', () => {
    const sidecar = { ...newest, containers: ['proxy'] };
    const verdict = staleness({
      event: request('2026-12-01T09:00:00Z'),
      app: undefined,
      containers: ['api'],
      recent: [sidecar],
      manifests: [deployment('x:2')],
    });
    expect(verdict).toBeUndefined();
  });
});

describe('redeliveryVerdict', () => {
  it.each([
    ['still waiting on its first wave: carry on', { status: 'applying', wave: 0 }, 1, undefined],
    ['already progressing', { status: 'progressing', wave: 0 }, 1, 'release #1 was already progressing'],
    ['past its first wave', { status: 'applying', wave: 1 }, 1, 'release #1 was already applying'],
    ['overtaken by a newer release', { status: 'applying', wave: 0 }, 2, 'release #1 was already superseded by #2'],
  ] as const)('%s', (_, state, newestRevision, reason) => {
    const verdict = redeliveryVerdict({ revision: 1, ...state }, { revision: newestRevision });
    expect(verdict?.reason).toBe(reason);
    if (verdict) expect(verdict.code).toBe('settled');
  });
});

describe('rollback decisions', () => {
  const history = [
    aRelease({ revision: 4, status: 'failed' }),
    aRelease({ revision: 3, status: 'succeeded' }),
    aRelease({ revision: 2, status: 'failed' }),
    aRelease({ revision: 1, status: 'succeeded' }),
  ];
  const event = (data: Record<string, unknown>, id = 'rb') => ({
    id,
    data: { app: 'api', environment: 'staging', requestedBy: 'me', ...data } as never,
  });

  it.each([
    ['nothing to roll back', [], event({}), 'not-found'],
    ['a manual rollback', history, event({}), undefined],
    ['an automatic rollback of the newest, failed release', history, event({ failedRevision: 4 }), undefined],
    ['an automatic rollback of a release superseded since', history, event({ failedRevision: 2 }), 'superseded'],
    [
      'its own release, redelivered, is not a supersession',
      [aRelease({ revision: 5, eventId: 'rb' }), ...history],
      event({ failedRevision: 4 }, 'rb'),
      undefined,
    ],
  ])('refusal: %s', (_, releases, request, code) => {
    expect(rollbackRefusal(request, releases)?.code).toBe(code);
  });

  it.each([
    ['before the failed #4: #3', 4, 3],
    ['before #3: #1', 3, 1],
    ['before #1: none', 1, undefined],
  ])('last good release %s', (_, before, revision) => {
    expect(lastGoodRelease(history, before)?.revision).toBe(revision);
  });

  it.each([
    ['on', {}, true, true, 'asking for a rollback to the last successful release'],
    ['off for the deployment', {}, false, false, 'automatic rollback is off (CAPSTAN_AUTO_ROLLBACK=false)'],
    ['off for the app', { autoRollback: false }, true, false, 'automatic rollback is off for api in staging'],
    ['never for a rollback', { rollbackOf: 2 }, true, false, 'a failed rollback is not rolled back again'],
  ])('automatic rollback %s', (_, over, enabled, start, why) => {
    const verdict = automaticRollback(aRelease(over), enabled);
    expect(verdict.start).toBe(start);
    expect(verdict.why).toContain(why);
  });
});

describe('settleVerdict', () => {
  const release = (clusters: Record<string, [string, string?]>, over: Partial<Release> = {}) =>
    aRelease({
      status: 'progressing',
      waves: [['canary'], ['east', 'west']],
      wave: 0,
      clusters: Object.fromEntries(
        Object.entries(clusters).map(([c, [rollout, code]]) => [
          c,
          { apply: 'created', rollout, code, updatedAt: '2026-12-01T10:00:00.000Z' } as never,
        ]),
      ),
      ...over,
    });

  it('waits while the wave rolls out, then starts the next', () => {
    expect(settleVerdict(release({ canary: ['progressing'] }), true)).toEqual({ next: 'wait' });
    expect(settleVerdict(release({ canary: ['ready'] }), true)).toEqual({ next: 'advance', wave: 1 });
  });

  it('completes after the last wave, naming every cluster', () => {
    const done = release({ canary: ['ready'], east: ['ready'], west: ['ready'] }, { wave: 1 });
    expect(settleVerdict(done, true)).toEqual({
      next: 'succeeded',
      reason: '3 cluster(s): canary ready, east ready, west ready',
    });
  });

  it.each([
    ['a real failure', { canary: ['failed', 'rollout-failed'] }, true, 'rollout-failed', true],
    ['a timeout', { canary: ['failed', 'rollout-timeout'] }, true, 'rollout-timeout', true],
    ['rollback off', { canary: ['failed', 'rollout-failed'] }, false, 'rollout-failed', false],
  ] as const)('halts on %s', (_, clusters, enabled, code, rollback) => {
    const verdict = settleVerdict(release(clusters as never), enabled);
    expect(verdict).toMatchObject({ next: 'failed', clusters: ['canary'], rollback, why: { code } });
    if (verdict.next === 'failed') expect(verdict.why.reason).toMatch(/^halted at wave 1 of 2: canary failed; /);
  });

  it('a timeout and a real failure in one wave: the failure is the stronger signal', () => {
    const both = release(
      { canary: ['ready'], east: ['failed', 'rollout-timeout'], west: ['failed', 'rollout-failed'] },
      { wave: 1 },
    );
    expect(settleVerdict(both, true)).toMatchObject({ next: 'failed', why: { code: 'rollout-failed' } });
  });
});
