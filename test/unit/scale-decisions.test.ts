import { describe, expect, it } from 'vitest';
import { AutoscalingSchema } from '../../lib/apps/autoscaling.ts';
import { podRoomIn, type QuotaLike } from '../../lib/deploy/decisions/quota.ts';
import { manualVerdict } from '../../lib/scale/decisions/manual.ts';
import type { ScalingObservation } from '../../lib/scale/decisions/override.ts';
import { scalingSpecOf, signalOf } from '../../lib/scale/decisions/signal.ts';
import { delayUntil } from '../../lib/scale/render/events.ts';

const NOW = new Date('2026-12-01T10:00:00.000Z');
const SPEC = scalingSpecOf(AutoscalingSchema.parse({ min: 3, max: 10, burstMax: 20, cooldown: '5m', burstFor: '1h' }));
const seen = (patch: Partial<ScalingObservation> = {}): ScalingObservation => ({
  now: NOW,
  currentMax: 10,
  override: undefined,
  quotaRoom: undefined,
  ...patch,
});

describe('signalOf: what an alert asks of the override', () => {
  it.each([
    ['maxed-out', 'firing', { signal: 'firing' }],
    ['maxed-out', 'resolved', { signal: 'resolved' }],
    ['cpu-high', 'firing', { signal: 'firing' }],
    ['cpu-high', 'resolved', { signal: 'resolved' }],
    ['cpu-low', 'firing', { signal: 'resolved' }],
    ['cpu-low', 'resolved', { signal: 'firing' }],
  ] as const)('%s %s -> %o', (signal, status, want) => {
    expect(signalOf({ signal, status })).toEqual(want);
  });

  it('leaves KubeHpaReplicasMismatch alone, firing or resolved', () => {
    expect(signalOf({ signal: 'replicas-mismatch', status: 'firing' })).toHaveProperty('ignore');
    expect(signalOf({ signal: 'replicas-mismatch', status: 'resolved' })).toHaveProperty('ignore');
  });
});

describe('scalingSpecOf and the autoscaling block', () => {
  it('reads durations as seconds and defaults burstMax to max (no override room)', () => {
    expect(SPEC).toEqual({ min: 3, max: 10, burstMax: 20, burstForSeconds: 3600, cooldownSeconds: 300 });
    expect(scalingSpecOf(AutoscalingSchema.parse({ max: 4 }))).toMatchObject({ burstMax: 4, cooldownSeconds: 300 });
    expect(AutoscalingSchema.parse({ max: 4, cooldown: 90, burstFor: '2h' })).toMatchObject({
      cooldown: 90,
      burstFor: 7200,
    });
  });

  it.each([
    [{ max: 4, min: 5 }, 'min must not be above max'],
    [{ max: 4, burstMax: 3 }, 'burstMax must not be below max'],
    [{ max: 4, burstFor: '30s' }, 'burstFor must be at least a minute'],
    [{ max: 4, cooldown: '5d' }, 'must be a duration'],
    [{ max: 4, cooldown: '9999h' }, 'must be at most a week'],
  ])('refuses %o: %s', (input, message) => {
    const result = AutoscalingSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message).join('; ')).toContain(message);
  });
});

describe("manualVerdict: a person's ask, within the spec and the quota, not held by the cooldown", () => {
  const active = { max: 15, raisedAt: NOW.toISOString(), expiresAt: '2026-12-01T11:00:00.000Z' };
  it.each([
    [
      'a ceiling within burstMax',
      { max: 16 },
      seen(),
      { action: 'raise', to: 16, expiresAt: '2026-12-01T11:00:00.000Z' },
    ],
    [
      'for a given while',
      { max: 16, forSeconds: 600 },
      seen(),
      { action: 'raise', expiresAt: '2026-12-01T10:10:00.000Z' },
    ],
    ['inside the cooldown', { max: 18 }, seen({ currentMax: 15, override: active }), { action: 'raise', to: 18 }],
    ['above burstMax', { max: 21 }, seen(), { action: 'none', code: 'at-ceiling' }],
    ['below the spec', { max: 9 }, seen(), { action: 'none', code: 'policy' }],
    ['beyond the quota', { max: 16 }, seen({ quotaRoom: 5 }), { action: 'none', code: 'quota' }],
    ['within the quota', { max: 15 }, seen({ quotaRoom: 5 }), { action: 'raise', to: 15 }],
    [
      'a revert of an override',
      { revert: true },
      seen({ currentMax: 15, override: active }),
      { action: 'revert', to: 10 },
    ],
    ['a revert of nothing', { revert: true }, seen(), { action: 'none', code: 'no-override' }],
  ] as const)('%s', (_name, ask, observed, want) => {
    expect(manualVerdict(ask, observed, SPEC)).toMatchObject(want);
  });
});

describe('podRoomIn: how many more pods the quotas have room for, by the gate arithmetic', () => {
  const quota = (hard: Record<string, string>, used: Record<string, string>, scopes?: string[]): QuotaLike => ({
    metadata: { name: 'q' },
    spec: { hard, ...(scopes ? { scopes } : {}) },
    status: { hard, used },
  });
  const pod = {
    cpuRequestsMillis: 250,
    memoryRequestsBytes: 128 * 2 ** 20,
    cpuLimitsMillis: 500,
    memoryLimitsBytes: 256 * 2 ** 20,
    pods: 1,
  };
  it.each([
    ['no quota', [], undefined],
    ['pods', [quota({ pods: '12' }, { pods: '10' })], 2],
    ['the tightest key of a quota', [quota({ pods: '20', 'limits.cpu': '6' }, { pods: '10', 'limits.cpu': '5' })], 2],
    [
      'the tightest of two quotas',
      [quota({ pods: '20' }, { pods: '10' }), quota({ 'requests.memory': '2Gi' }, { 'requests.memory': '1Gi' })],
      8,
    ],
    ['none left', [quota({ pods: '10' }, { pods: '11' })], 0],
    ['a scope that leaves capstan out', [quota({ pods: '1' }, { pods: '1' }, ['Terminating'])], undefined],
  ] as const)('%s -> %s', (_name, quotas, room) => {
    expect(podRoomIn(quotas, pod).room).toBe(room);
  });

  it('a quota not computed yet is no room, and says which', () => {
    const pending: QuotaLike = { metadata: { name: 'new' }, spec: { hard: { pods: '10' } } };
    expect(podRoomIn([pending], pod)).toEqual({ room: 0, unknown: ['ResourceQuota new has no usage for pods yet'] });
  });
});

describe('delayUntil: looks hop in at most 15 minutes', () => {
  it.each([
    ['2026-12-01T10:00:30.000Z', 30],
    ['2026-12-01T11:00:00.000Z', 900],
    ['2026-12-01T09:00:00.000Z', 0],
  ])('%s -> %ss', (dueAt, seconds) => {
    expect(delayUntil(dueAt, NOW)).toBe(seconds);
  });
});
