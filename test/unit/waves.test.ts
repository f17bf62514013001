import { describe, expect, it } from 'vitest';
import {
  gateRefusal,
  groupWaves,
  settledRollout,
  strongestChange,
  waveResult,
  waveVerdict,
} from '../../lib/deploy/decisions/waves.ts';

describe('groupWaves', () => {
  it('groups by wave number, lowest first, names sorted within a wave, no empty waves for gaps', () => {
    const clusters = [
      { name: 'west', wave: 5 },
      { name: 'canary', wave: 0 },
      { name: 'east', wave: 5 },
      { name: 'central', wave: 2 },
    ];
    expect(groupWaves(clusters)).toEqual([['canary'], ['central'], ['east', 'west']]);
  });
});

describe('waveVerdict', () => {
  const waves = [['canary'], ['east', 'west']];
  it.each([
    ['first wave still rolling out', 0, { canary: 'progressing' }, { next: 'wait' }],
    ['first wave ready', 0, { canary: 'ready' }, { next: 'advance', wave: 1 }],
    ['first wave failed: later waves never start', 0, { canary: 'failed' }, { next: 'failed', clusters: ['canary'] }],
    ['last wave half ready', 1, { canary: 'ready', east: 'ready', west: 'progressing' }, { next: 'wait' }],
    ['last wave not yet applied everywhere', 1, { canary: 'ready', east: 'ready' }, { next: 'wait' }],
    ['last wave ready', 1, { canary: 'ready', east: 'ready', west: 'ready' }, { next: 'succeeded' }],
    [
      'one of the last wave failed',
      1,
      { canary: 'ready', east: 'ready', west: 'failed' },
      { next: 'failed', clusters: ['west'] },
    ],
  ] as const)('%s', (_name, wave, states, verdict) => {
    expect(waveVerdict({ waves, wave }, (c) => (states as Record<string, string>)[c])).toEqual(verdict);
  });
});

describe('gateRefusal', () => {
  it.each([
    ['no refusal', [], undefined],
    [
      'quota wins over another code',
      [
        { code: 'apply-failed', reason: 'a' },
        { code: 'quota', reason: 'b' },
      ],
      'quota',
    ],
    ['a cluster refusing the question says so', [{ code: 'apply-failed', reason: 'a' }], 'apply-failed'],
  ] as const)('%s', (_, refusals, code) => {
    const verdict = gateRefusal(refusals);
    expect(verdict?.code).toBe(code);
    if (verdict) expect(verdict.reason).toBe(`refused: ${refusals.map((r) => r.reason).join('; ')}`);
  });
});

describe('waveResult', () => {
  const ok = (cluster: string) => ({ cluster, outcome: 'created' as const });
  const down = (cluster: string) =>
    ({ cluster, outcome: 'failed', retryable: true, code: 'unreachable', message: `${cluster} down` }) as const;
  const bad = (cluster: string) =>
    ({ cluster, outcome: 'failed', retryable: false, code: 'apply-failed', message: `${cluster} refused` }) as const;
  it.each([
    ['every cluster took it', [ok('a'), ok('b')], { next: 'released' }],
    ['one may heal: the whole wave retries', [ok('a'), down('b'), bad('c')], { next: 'retry', message: 'b down' }],
    [
      'one refused for good',
      [ok('a'), bad('b')],
      { next: 'failed', why: { code: 'apply-failed', reason: 'b refused' } },
    ],
  ] as const)('%s', (_, results, verdict) => {
    expect(waveResult(results)).toEqual(verdict);
  });
});

describe('settledRollout and strongestChange', () => {
  it.each([
    ['unchanged', 'ready', 'ready'],
    ['unchanged', 'failed', 'failed'],
    ['unchanged', 'progressing', undefined],
    ['configured', 'ready', undefined],
    ['created', undefined, undefined],
  ] as const)('an apply %s over a rollout %s stands as %s', (outcome, previous, settled) => {
    expect(settledRollout(outcome, previous)).toBe(settled);
  });

  it.each([
    [['unchanged', 'configured', 'created'], 'created'],
    [['unchanged', 'configured'], 'configured'],
    [['unchanged'], 'unchanged'],
    [[], 'unchanged'],
  ] as const)('%j -> %s', (outcomes, strongest) => {
    expect(strongestChange(outcomes)).toBe(strongest);
  });
});
