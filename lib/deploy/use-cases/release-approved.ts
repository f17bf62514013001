import { SCHEMA_VERSION } from '../../../events/envelope.ts';
import type { DeployRequested, ReleaseApproved } from '../../../events/index.ts';
import type { Reason } from '../../reasons.ts';
import type { ReleaseApproval } from '../../store/release-approvals.ts';
import type { DeployDeps } from '../ports.ts';
import { notifyPeople } from './notice.ts';
import { recordStep } from './record.ts';
import { releaseToEnvironment } from './release.ts';
import type { ReleaseSummary } from './summary.ts';

/** The request an approval holds, as the deploy.requested it was: same id, so releasing it twice is one release. */
const requestOf = (record: ReleaseApproval): DeployRequested => ({
  specversion: '1.0',
  id: record.id,
  type: 'deploy.requested',
  source: 'capstan/approvals',
  // The request's own time (a push's), so staleness and tag policies judge it as when it was asked.
  time: record.requestedAt ?? record.openedAt,
  subject: `${record.app}/${record.environment}`,
  schemaversion: SCHEMA_VERSION,
  data: record.request,
});

const notReleased = (record: ReleaseApproval): Reason => {
  switch (record.state) {
    case 'released':
      return { code: 'duplicate', reason: `released already as revision ${record.revision ?? '?'}` };
    case 'rejected':
      return { code: 'rejected', reason: 'the approval was rejected' };
    case 'expired':
      return { code: 'expired', reason: 'the approval expired' };
    case 'superseded':
      return { code: 'superseded', reason: `a newer request (${record.supersededBy ?? '?'}) took its place` };
    default:
      return { code: 'awaiting-approvals', reason: 'the approval has not reached its quorum' };
  }
};

/**
 * release.approved -> the request of a granted approval, released through the same path as a deploy request
 * but past the approval gate; then the approval is marked `released` with the revision. The event proves
 * nothing by itself: only a record in state `granted` is released.
 */
export const releaseApproved = async (event: ReleaseApproved, deps: DeployDeps): Promise<ReleaseSummary> => {
  const { app, environment, approval } = event.data;
  const skip = async (why: Reason): Promise<ReleaseSummary> => {
    await recordStep(deps, event, { app, environment }, { action: 'release', outcome: 'skipped', ...why });
    return { app, environment, outcome: 'skipped', ...why, clusters: {} };
  };
  const record = await deps.store.releaseApprovals.get(app, environment, approval);
  if (!record) return skip({ code: 'not-found', reason: `no approval ${approval} in ${app}/${environment}` });
  if (record.state !== 'granted') return skip(notReleased(record));
  const summary = await releaseToEnvironment(requestOf(record), deps, { approved: true });
  if (summary.revision !== undefined) await markReleased(record, summary.revision, deps);
  // Granted but not released (stale by now, no clusters, refused): whoever follows the environment hears
  // why, not only a person in chat, or its message would say "releasing" for good.
  else await notifyPeople(deps, { app, environment, request: record.id }, 'refused', [record.request]);
  return summary;
};

/** Conditional on the version read; a lost race is read again (a second release.approved may have marked it). */
const markReleased = async (record: ReleaseApproval, revision: number, deps: DeployDeps) => {
  let current: ReleaseApproval | undefined = record;
  for (let i = 0; i < 5 && current?.state === 'granted'; i++) {
    const next: ReleaseApproval = { ...current, state: 'released', revision };
    if (await deps.store.releaseApprovals.save(next, current.version)) return;
    current = await deps.store.releaseApprovals.get(record.app, record.environment, record.id);
  }
};

/** A release.approved given up fails the release its request made, if it made one (as fail-release.ts). */
export const failApprovedRelease = async (event: ReleaseApproved, why: Reason, deps: DeployDeps): Promise<void> => {
  const { app, environment, approval } = event.data;
  const revision = await deps.store.releases.revisionOfEvent(app, environment, approval);
  if (revision === undefined) return;
  const release = { app, environment, revision };
  if (!(await deps.store.releases.setStatus(release, 'failed', ['applying', 'progressing'], why))) return;
  await recordStep(deps, event, release, { action: 'release', outcome: 'failed', ...why });
};
