import type { HistoryEntry } from '../../store/history.ts';
import type { DeployDeps } from '../ports.ts';

/** The event a step answers: its id keys the history entry, filed by when capstan received it (lib/store/history.ts). */
export interface Cause {
  readonly id: string;
  readonly type: string;
  readonly time: string;
}

/** What the step is about. */
export type Subject = Pick<HistoryEntry, 'app' | 'environment' | 'revision' | 'cluster' | 'container'>;

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
