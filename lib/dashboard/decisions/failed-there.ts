import type { ClusterRelease } from '../../store/releases.ts';

/**
 * Whether a cluster's part failed for good. An apply that failed while the release goes on is retried
 * (a lease held by a scaling step, a cluster briefly unreachable): that wave is still on its way.
 */
export const failedThere = (s: ClusterRelease, releaseInFlight: boolean): boolean =>
  s.rollout === 'failed' || (s.apply === 'failed' && !releaseInFlight);
