import type { ReleaseAdvance } from '../../../events/index.ts';
import type { DeployDeps } from '../ports.ts';
import { applyWave } from './apply-wave.ts';
import { byOf, recordStep } from './record.ts';
import type { ReleaseSummary } from './summary.ts';

/**
 * release.advance -> the next wave of a release whose previous wave is healthy. A redelivery re-applies
 * the same wave (unchanged where done); an advance for a wave already passed, or a settled release, is
 * skipped.
 */
export const advanceRelease = async (event: ReleaseAdvance, deps: DeployDeps): Promise<ReleaseSummary> => {
  const { app, environment, revision, wave } = event.data;
  let release = await deps.store.releases.get(app, environment, revision);
  if (release.wave === wave - 1 && (await deps.store.releases.advanceWave(release, wave - 1))) {
    release = { ...release, wave, status: 'applying' };
    await recordStep(
      deps,
      event,
      { app, environment, revision, ...byOf(release.requester) },
      {
        action: 'wave',
        outcome: 'accepted',
        reason: `wave ${wave + 1} of ${release.waves.length}: ${release.waves[wave]?.join(', ')}`,
      },
    );
  }
  if (release.wave !== wave || !['applying', 'progressing'].includes(release.status)) {
    const reason = `release #${revision} is ${release.status} at wave ${release.wave + 1}`;
    return { app, environment, revision, outcome: 'skipped', code: 'settled', reason, clusters: {} };
  }
  return applyWave(release, wave, await deps.store.clusters.ofEnvironment(environment), event, deps);
};
