import { type Requester, requesterText } from '../../../events/requester.ts';
import type { HistoryEntry } from '../../store/history.ts';
import type { DeployDeps } from '../ports.ts';

/** The event a step answers: its id keys the history entry, filed by when capstan received it (lib/store/history.ts). */
export interface Cause {
  readonly id: string;
  readonly type: string;
  readonly time: string;
}

/** What the step is about, and who asked for it (`by`). */
export type Subject = Pick<HistoryEntry, 'app' | 'environment' | 'revision' | 'cluster' | 'container' | 'by'>;

/** A release's (or a request's) requester as the `by` of its steps; nothing when none was recorded. */
export const byOf = (requester: Requester | undefined): Pick<HistoryEntry, 'by'> =>
  requester ? { by: requesterText(requester) } : {};

/** One step of a release in the history, filed under its app (and cluster) and keyed by its cause. */
export const recordStep = (
  deps: Pick<DeployDeps, 'store' | 'now'>,
  cause: Cause,
  subject: Subject,
  step: Pick<HistoryEntry, 'action' | 'outcome' | 'code' | 'reason' | 'details'>,
) =>
  deps.store.history.record({
    ...subject,
    eventId: cause.id,
    eventType: cause.type,
    eventTime: cause.time,
    recordedAt: deps.now().toISOString(),
    ...step,
  });
