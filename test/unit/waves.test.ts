import { describe, expect, it } from 'vitest';
import { groupWaves, waveVerdict } from '../../lib/deploy/decisions/waves.ts';

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
