import type { DeployRequested, ReleaseAdvance, RollbackRequested } from '../../../events/index.ts';
import type { Reason } from '../../reasons.ts';
import type { DeployDeps } from '../ports.ts';
import { notifyPeople } from './notice.ts';
import { byOf, recordStep } from './record.ts';

/** A release step that is given up fails its release (if there is one): none stays `applying` forever. */
export const failReleaseOfEvent = async (
  event: DeployRequested | ReleaseAdvance | RollbackRequested,
  why: Reason,
  deps: DeployDeps,
): Promise<void> => {
  const { app, environment } = event.data;
  const revision =
    event.type === 'release.advance'
      ? event.data.revision
      : await deps.store.releases.revisionOfEvent(app, environment, event.id);
  if (revision === undefined) return;
  const release = { app, environment, revision };
  if (!(await deps.store.releases.setStatus(release, 'failed', ['applying', 'progressing'], why))) return;
  const by = byOf(event.type === 'release.advance' ? undefined : event.data.requester);
  await recordStep(deps, event, { ...release, ...by }, { action: 'release', outcome: 'failed', ...why });
  const made = await deps.store.releases.get(app, environment, revision);
  await notifyPeople(deps, { ...release, request: made.eventId }, 'failed', [made, event.data]);
};
