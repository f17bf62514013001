import type { DeployRequested } from '../../../events/index.ts';
import type { Reason } from '../../reasons.ts';
import type { HistoryEntry } from '../../store/history.ts';
import type { Release } from '../../store/releases.ts';
import { approvalGateFor } from '../decisions/approval-gate.ts';
import { currentRelease, requestedContainers } from '../decisions/images.ts';
import { planRelease } from '../decisions/plan-release.ts';
import { staleness } from '../decisions/staleness.ts';
import { groupWaves } from '../decisions/waves.ts';
import type { DeployDeps } from '../ports.ts';
import { openApprovalFor } from './approval-gate.ts';
import { dryRun } from './dry-run.ts';
import { isChatPerson, notifyPeople } from './notice.ts';
import { byOf, recordStep } from './record.ts';
import { startRelease } from './start-release.ts';
import type { ReleaseSummary } from './summary.ts';

/**
 * deploy.requested -> one release of the environment, started on its first wave (the rollout checker
 * starts each next wave once the one before is healthy). Safe to run again for the same event: the
 * release is found, not duplicated, and applying it again changes nothing.
 */
export const releaseToEnvironment = async (
  event: DeployRequested,
  deps: DeployDeps,
  /** `approved`: the request of a granted approval (release-approved.ts), past the approval gate. */
  gate: { approved?: boolean } = {},
): Promise<ReleaseSummary> => {
  const { app, environment } = event.data;
  const history = (entry: Pick<HistoryEntry, 'outcome' | 'code' | 'reason' | 'details'>) =>
    recordStep(deps, event, { app, environment, ...byOf(event.data.requester) }, { action: 'release', ...entry });
  const skip = async (why: Reason): Promise<ReleaseSummary> => {
    await history({ outcome: 'skipped', ...why });
    // A skip is news only to the person who asked (an environment's followers would hear every late push).
    if (isChatPerson(event.data))
      await notifyPeople(deps, { app, environment, request: event.id }, 'refused', [event.data]);
    return { app, environment, outcome: 'skipped', ...why, clusters: {} };
  };

  // Independent reads, at once: each is a round trip to the table on the way to the first apply.
  const { store } = deps;
  const [clusters, registered, policy, recent] = await Promise.all([
    store.clusters.ofEnvironment(environment),
    store.apps.find(app).then((record) => record?.spec),
    store.environments.policy(environment),
    store.releases.list(app, environment, 20),
  ]);
  const noClusters = () =>
    skip({ code: 'no-clusters', reason: `no clusters are registered in environment ${environment}` });
  const plan = planRelease(event.data, registered, policy, currentRelease(recent));
  if (!plan.ok) {
    // Refused before anything is created or applied: the history names every reason.
    const reason = `refused: ${plan.reasons.join('; ')}`;
    await history({ outcome: 'refused', code: 'policy', reason, details: { reasons: plan.reasons } });
    await notifyPeople(deps, { app, environment, request: event.id }, 'refused', [event.data]);
    return { app, environment, outcome: 'refused', code: 'policy', reason, clusters: {} };
  }

  if (event.data.dryRun) return clusters.length === 0 ? noClusters() : dryRun(event, plan.manifests, clusters, deps);
  const containers = registered ? requestedContainers(event.data, registered) : undefined;
  const backwards = staleness({ event, app: registered, containers, recent, manifests: plan.manifests });
  if (backwards) return skip(backwards);
  // Valid and not stale: where the environment asks for approvals, it waits for them instead.
  const approval = approvalGateFor(registered?.environments[environment]?.approval, event.data.awaitApproval);
  // Approvals come before clusters: people approve an image for an environment, whose clusters may be
  // registered by the time it is granted.
  if (approval && !gate.approved) return openApprovalFor(event, approval, deps);
  if (clusters.length === 0) return noClusters();
  return startRelease(
    {
      app,
      environment,
      eventId: event.id,
      image: event.data.image,
      namespace: plan.namespace,
      manifests: plan.manifests as Release['manifests'],
      containers,
      autoRollback: plan.autoRollback,
      requestedBy: event.data.requestedBy,
      requester: event.data.requester,
      reason: event.data.reason,
      createdAt: deps.now().toISOString(),
      requestedAt: event.time,
      waves: groupWaves(clusters),
    },
    clusters,
    event,
    deps,
  );
};
