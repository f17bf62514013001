import type { Reason } from '../../reasons.ts';
import type { Release } from '../../store/releases.ts';
import { automaticRollback } from './rollback.ts';
import { waveVerdict } from './waves.ts';

export type SettleVerdict =
  | { readonly next: 'wait' }
  | { readonly next: 'advance'; readonly wave: number }
  | { readonly next: 'succeeded'; readonly reason: string }
  | { readonly next: 'failed'; readonly why: Reason; readonly clusters: readonly string[]; readonly rollback: boolean };

/**
 * What a release does once one of its clusters settled: wait for the rest of the wave, start the next
 * wave, complete, or halt (and whether to roll back, see automaticRollback), with the words the history gives.
 */
export const settleVerdict = (
  release: Pick<Release, 'app' | 'environment' | 'waves' | 'wave' | 'clusters' | 'rollbackOf' | 'autoRollback'>,
  autoRollbackEnabled: boolean,
): SettleVerdict => {
  const verdict = waveVerdict(release, (c) => release.clusters[c]?.rollout);
  if (verdict.next === 'wait' || verdict.next === 'advance') return verdict;
  if (verdict.next === 'succeeded') {
    const states = Object.entries(release.clusters).map(([c, s]) => `${c} ${s.rollout}`);
    return { next: 'succeeded', reason: `${states.length} cluster(s): ${states.join(', ')}` };
  }
  const rollback = automaticRollback(release, autoRollbackEnabled);
  return {
    next: 'failed',
    clusters: verdict.clusters,
    rollback: rollback.start,
    why: {
      // Timed out only if every failed cluster timed out; any real failure is the stronger signal.
      code: verdict.clusters.every((c) => release.clusters[c]?.code === 'rollout-timeout')
        ? 'rollout-timeout'
        : 'rollout-failed',
      reason: `halted at wave ${release.wave + 1} of ${release.waves.length}: ${verdict.clusters.join(', ')} failed; ${rollback.why}`,
    },
  };
};
