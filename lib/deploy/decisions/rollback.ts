import type { RollbackRequested } from '../../../events/index.ts';
import type { Reason } from '../../reasons.ts';
import type { Release } from '../../store/releases.ts';

/**
 * Why a rollback request is skipped before any target is looked for: there is nothing to roll back, or
 * it is an automatic rollback of a failed release that a newer one has superseded since (the newer
 * release is what people want now). `releases` is newest first.
 */
export const rollbackRefusal = (
  event: Pick<RollbackRequested, 'id' | 'data'>,
  releases: readonly Pick<Release, 'revision' | 'eventId'>[],
): Reason | undefined => {
  const { app, environment, failedRevision } = event.data;
  const [newest] = releases;
  if (!newest) return { code: 'not-found', reason: `${app} has no release in ${environment}` };
  if (failedRevision && newest.revision > failedRevision && newest.eventId !== event.id) {
    return {
      code: 'superseded',
      reason: `release #${failedRevision} failed, but #${newest.revision} has superseded it since`,
    };
  }
  return undefined;
};

/** The release a rollback without a target brings back: the newest that succeeded before `before`. */
export const lastGoodRelease = (releases: readonly Release[], before: number): Release | undefined =>
  releases.find((r) => r.status === 'succeeded' && r.revision < before);

/** Whether a failed release brings back the last good one, and the words the history gives for it. */
export const automaticRollback = (
  release: Pick<Release, 'app' | 'environment' | 'rollbackOf' | 'autoRollback'>,
  enabled: boolean,
): { readonly start: boolean; readonly why: string } => {
  // A failed rollback is not rolled back again: that could loop between two bad releases.
  if (release.rollbackOf !== undefined) return { start: false, why: 'a failed rollback is not rolled back again' };
  if (!enabled) return { start: false, why: 'automatic rollback is off (CAPSTAN_AUTO_ROLLBACK=false)' };
  if (release.autoRollback === false) {
    return {
      start: false,
      why: `automatic rollback is off for ${release.app} in ${release.environment} (autoRollback: false)`,
    };
  }
  return { start: true, why: 'asking for a rollback to the last successful release' };
};
