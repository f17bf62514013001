import type { Reason } from '../../reasons.ts';
import type { Cluster } from '../../store/clusters.ts';
import type { NewRelease, Release } from '../../store/releases.ts';
import { redeliveryVerdict } from '../decisions/redelivery.ts';
import type { DeployDeps } from '../ports.ts';
import { applyWave } from './apply-wave.ts';
import { notifyPeople } from './notice.ts';
import { byOf, type Cause, recordStep } from './record.ts';
import type { ReleaseSummary } from './summary.ts';

/** Creates the release (once per event id) and starts its first wave: a release and a rollback alike. */
export const startRelease = async (
  input: NewRelease,
  clusters: readonly Cluster[],
  cause: Cause,
  deps: DeployDeps,
): Promise<ReleaseSummary> => {
  const { app, environment } = input;
  const { release, created } = await deps.store.releases.create(input);
  if (!created) {
    const [newest] = await deps.store.releases.list(app, environment, 1);
    const settled = redeliveryVerdict(release, newest);
    if (settled) return { app, environment, revision: release.revision, outcome: 'skipped', ...settled, clusters: {} };
  }
  await Promise.all([
    supersedeOlder(release, cause, deps),
    recordStep(
      deps,
      cause,
      { app, environment, revision: release.revision, ...byOf(release.requester) },
      {
        action: 'release',
        outcome: 'accepted',
        reason: release.rollbackOf ? release.reason : undefined,
        details: { image: release.image, waves: release.waves },
      },
    ),
  ]);
  const request = { app, environment, request: release.eventId, revision: release.revision };
  await notifyPeople(deps, request, 'accepted', [release, (cause as { data?: unknown }).data]);
  return applyWave(release, 0, clusters, cause, deps);
};

/**
 * One release at a time per app and environment: a new release stops the older ones still in flight
 * (their pending waves and rollout checks find them superseded), instead of both rolling out.
 */
const supersedeOlder = async (release: Release, cause: Cause, deps: DeployDeps) => {
  const older = (await deps.store.releases.list(release.app, release.environment, 10)).filter(
    (r) => r.revision < release.revision && (r.status === 'applying' || r.status === 'progressing'),
  );
  for (const r of older) {
    const why: Reason = { code: 'superseded', reason: `superseded by #${release.revision}` };
    if (!(await deps.store.releases.setStatus(r, 'superseded', ['applying', 'progressing'], why))) continue;
    await recordStep(
      deps,
      cause,
      { app: r.app, environment: r.environment, revision: r.revision, ...byOf(r.requester) },
      { action: 'release', outcome: 'superseded', ...why },
    );
  }
};
