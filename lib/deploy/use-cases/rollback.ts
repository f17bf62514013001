import type { RollbackRequested } from '../../../events/index.ts';
import type { Reason } from '../../reasons.ts';
import { lastGoodRelease, rollbackRefusal } from '../decisions/rollback.ts';
import { groupWaves } from '../decisions/waves.ts';
import type { DeployDeps } from '../ports.ts';
import { isChatPerson, notifyPeople } from './notice.ts';
import { byOf, recordStep } from './record.ts';
import { startRelease } from './start-release.ts';
import type { ReleaseSummary } from './summary.ts';

/**
 * rollback.requested -> a new release that re-applies exactly what a past release applied (its stored
 * manifests), so it works long after Kubernetes' ReplicaSet history dropped that version. Without a
 * target, the newest release that succeeded before the current (or the failed) one is brought back.
 */
export const rollbackRelease = async (event: RollbackRequested, deps: DeployDeps): Promise<ReleaseSummary> => {
  const { app, environment, toRevision, failedRevision } = event.data;
  const skip = async (why: Reason): Promise<ReleaseSummary> => {
    const subject = { app, environment, ...byOf(event.data.requester) };
    await recordStep(deps, event, subject, { action: 'rollback', outcome: 'skipped', ...why });
    // As for a skipped deploy request: news only to the person in chat who asked, where they asked.
    if (isChatPerson(event.data))
      await notifyPeople(deps, { app, environment, request: event.id }, 'refused', [event.data]);
    return { app, environment, outcome: 'skipped', ...why, clusters: {} };
  };
  const releases = await deps.store.releases.list(app, environment, 500);
  const refused = rollbackRefusal(event, releases);
  if (refused) return skip(refused);
  const before = failedRevision ?? (releases[0]?.revision as number);
  const target = toRevision
    ? await deps.store.releases.get(app, environment, toRevision)
    : lastGoodRelease(releases, before);
  if (!target)
    return skip({ code: 'not-found', reason: `no release of ${app} in ${environment} succeeded before #${before}` });
  const clusters = await deps.store.clusters.ofEnvironment(environment);
  if (clusters.length === 0) {
    return skip({ code: 'no-clusters', reason: `no clusters are registered in environment ${environment}` });
  }
  return startRelease(
    {
      app,
      environment,
      eventId: event.id,
      image: target.image,
      namespace: target.namespace,
      manifests: target.manifests,
      requestedBy: event.data.requestedBy,
      requester: event.data.requester,
      reason: `rollback to #${target.revision}${event.data.reason ? `: ${event.data.reason}` : ''}`,
      createdAt: deps.now().toISOString(),
      requestedAt: event.time,
      waves: groupWaves(clusters),
      rollbackOf: target.revision,
      autoRollback: false,
    },
    clusters,
    event,
    deps,
  );
};
