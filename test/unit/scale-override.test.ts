import { describe, expect, it } from 'vitest';
import { type ScalingObservation, type ScalingSpec, scalingVerdict } from '../../lib/scale/decisions/override.ts';

const spec: ScalingSpec = { min: 3, max: 10, burstMax: 20, burstForSeconds: 3600, cooldownSeconds: 300 };
const now = new Date('2026-12-02T10:00:00.000Z');
const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000).toISOString();
const later = (seconds: number) => new Date(now.getTime() + seconds * 1000).toISOString();
const seen = (o: Partial<ScalingObservation> = {}): ScalingObservation => ({
  now,
  currentMax: 10,
  override: undefined,
  quotaRoom: undefined,
  ...o,
});

describe('scalingVerdict: bounded, cooled-down, time-limited overrides', () => {
  it.each<[string, Parameters<typeof scalingVerdict>[0], Partial<ScalingObservation>, Partial<ScalingSpec>, unknown]>([
    [
      'firing, no override: a step of half the max',
      'firing',
      {},
      {},
      { action: 'raise', to: 15, expiresAt: later(3600) },
    ],
    ['firing, a set step', 'firing', {}, { burstStep: 2 }, { action: 'raise', to: 12 }],
    ['firing, the step capped at burstMax', 'firing', { currentMax: 18 }, {}, { action: 'raise', to: 20 }],
    [
      'firing after the cooldown: raised again',
      'firing',
      { currentMax: 15, override: { max: 15, raisedAt: ago(301), expiresAt: later(3299) } },
      {},
      { action: 'raise', to: 20 },
    ],
    [
      'firing inside the cooldown: held',
      'firing',
      { currentMax: 15, override: { max: 15, raisedAt: ago(60), expiresAt: later(3540) } },
      {},
      { action: 'none', code: 'cooldown', lookAgainAfterSeconds: 240 },
    ],
    ['firing at burstMax: the ceiling', 'firing', { currentMax: 20 }, {}, { action: 'none', code: 'at-ceiling' }],
    ['firing, quota room for 2 of 5', 'firing', { quotaRoom: 2 }, {}, { action: 'raise', to: 12 }],
    ['firing, no quota room', 'firing', { quotaRoom: 0 }, {}, { action: 'none', code: 'quota' }],
    ['firing, room for half a replica is none', 'firing', { quotaRoom: 0.5 }, {}, { action: 'none', code: 'quota' }],
    ['resolved, no override: nothing to put back', 'resolved', {}, {}, { action: 'none', code: 'no-override' }],
    [
      'resolved after the cooldown: put back to the spec',
      'resolved',
      { currentMax: 15, override: { max: 15, raisedAt: ago(600), expiresAt: later(3000) } },
      {},
      { action: 'revert', to: 10 },
    ],
    [
      'resolved inside the cooldown: held, no flapping',
      'resolved',
      { currentMax: 15, override: { max: 15, raisedAt: ago(100), expiresAt: later(3500) } },
      {},
      { action: 'none', code: 'cooldown', lookAgainAfterSeconds: 200 },
    ],
    [
      'expired when due: put back, even while it still fires',
      'expired',
      { currentMax: 15, override: { max: 15, raisedAt: ago(3600), expiresAt: ago(0) } },
      {},
      { action: 'revert', to: 10 },
    ],
    [
      'an expiry a later raise moved on: not due',
      'expired',
      { currentMax: 20, override: { max: 20, raisedAt: ago(400), expiresAt: later(3200) } },
      {},
      { action: 'none', code: 'settled' },
    ],
    [
      'an expiry with no override left: nothing to put back',
      'expired',
      {},
      {},
      { action: 'none', code: 'no-override' },
    ],
  ])('%s', (_, signal, observation, specOver, expected) => {
    const verdict = scalingVerdict(signal, seen(observation), { ...spec, ...specOver });
    expect(verdict).toMatchObject(expected as object);
    expect(verdict.reason.length).toBeGreaterThan(10);
  });

  it('never raises above burstMax nor beyond the quota, whatever the step', () => {
    for (let current = 10; current <= 20; current++) {
      for (const room of [0, 1, 3, 100, undefined]) {
        const verdict = scalingVerdict('firing', seen({ currentMax: current, quotaRoom: room }), {
          ...spec,
          burstStep: 7,
        });
        if (verdict.action !== 'raise') continue;
        expect(verdict.to).toBeLessThanOrEqual(20);
        expect(verdict.to - current).toBeLessThanOrEqual(room ?? Number.POSITIVE_INFINITY);
        expect(verdict.to).toBeGreaterThan(current);
      }
    }
  });
});
