import { describe, expect, it } from 'vitest';
import { releaseView, waveState } from '../../lib/dashboard/decisions/release-progress.ts';
import type { ClusterRelease } from '../../lib/store/releases.ts';
import { aRelease } from '../support/releases.ts';

const at = '2026-12-04T10:00:00.000Z';
const s = (rollout: ClusterRelease['rollout'], apply: ClusterRelease['apply'] = 'configured'): ClusterRelease => ({
  apply,
  rollout,
  updatedAt: at,
});
const c = (cluster: string, state: ClusterRelease | null) => ({ cluster, state });

describe('waveState: how far a wave has got', () => {
  it.each([
    ['every cluster Ready', [c('a', s('ready')), c('b', s('ready'))], true, 'ready'],
    ['one Ready, one rolling out', [c('a', s('ready')), c('b', s('progressing'))], true, 'progressing'],
    ['one Ready, the other not reached yet', [c('a', s('ready')), c('b', null)], true, 'progressing'],
    ['applied, pending its first check', [c('a', s('pending'))], true, 'progressing'],
    ['a rollout failed beside a Ready one', [c('a', s('ready')), c('b', s('failed'))], true, 'failed'],
    ['an apply failed, the release ended', [c('a', s('pending', 'failed'))], false, 'failed'],
    ['an apply failed, tried again while the release goes on', [c('a', s('pending', 'failed'))], true, 'progressing'],
    ['left rolling out by a release that ended', [c('a', s('ready')), c('b', s('progressing'))], false, 'unknown'],
    ['not started, the release going on', [c('a', null), c('b', null)], true, 'waiting'],
    ['not started, the release ended', [c('a', null)], false, 'not-reached'],
  ] as const)('%s: %s', (_, clusters, inFlight, want) => {
    expect(waveState(clusters, inFlight)).toBe(want);
  });
});

describe('releaseView', () => {
  it('the record less its manifests, with its version and each wave in order', () => {
    const release = aRelease({
      revision: 4,
      image: 'registry.local:5000/acme/api:1.0.4@sha256:ab',
      waves: [['eu-1'], ['eu-2', 'us-1']],
      wave: 1,
      status: 'progressing',
      clusters: { 'eu-1': s('ready'), 'eu-2': s('progressing') },
    });
    const view = releaseView(release);
    expect(view).not.toHaveProperty('manifests');
    expect(view.version).toMatchObject({ revision: 4, tag: '1.0.4', digest: 'sha256:ab' });
    expect(view.waveProgress).toEqual([
      { index: 0, state: 'ready', clusters: [c('eu-1', s('ready'))] },
      { index: 1, state: 'progressing', clusters: [c('eu-2', s('progressing')), c('us-1', null)] },
    ]);
  });

  it('a release failed in its first wave: the next one was never reached', () => {
    const release = aRelease({
      waves: [['eu-1'], ['eu-2']],
      status: 'failed',
      clusters: { 'eu-1': s('failed') },
    });
    expect(releaseView(release).waveProgress.map((w) => w.state)).toEqual(['failed', 'not-reached']);
  });
});
