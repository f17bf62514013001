import type { Reason } from '../../reasons.ts';
import type { Release } from '../../store/releases.ts';

/**
 * A redelivered event found the release it made: carry on only if that release still waits on its first
 * wave and nothing newer overtook it; otherwise it already went out (or was superseded) and the
 * redelivery is settled. `newest` is the environment's newest release now.
 */
export const redeliveryVerdict = (
  release: Pick<Release, 'revision' | 'status' | 'wave'>,
  newest: Pick<Release, 'revision'> | undefined,
): Reason | undefined => {
  const overtaken = newest !== undefined && newest.revision > release.revision;
  if (release.status === 'applying' && release.wave === 0 && !overtaken) return undefined;
  return {
    code: 'settled',
    reason: `release #${release.revision} was already ${overtaken ? `superseded by #${newest.revision}` : release.status}`,
  };
};
