import { eventId } from '../../events/index.ts';
import type { Requester } from '../../events/requester.ts';
import type { Reason } from '../reasons.ts';
import type { ReleaseApproval } from '../store/release-approvals.ts';
import type { Release } from '../store/releases.ts';

/**
 * Everything the one message of a request shows, as read from the table at one moment: the approval that
 * held it (if any), the release it made (if any), the automatic rollback of that release when it failed,
 * or why it was refused before anything was made.
 */
export interface RequestState {
  readonly app: string;
  readonly environment: string;
  /** The deploy (or rollback) request's event id. */
  readonly request: string;
  readonly requester?: Requester;
  /** The free-text `requestedBy` when no authenticated requester is known. */
  readonly requestedBy?: string;
  readonly approval?: ReleaseApproval;
  readonly release?: Release;
  readonly rollback?: Release;
  readonly refusal?: Reason;
}

/** Where a request stands, for the headline, the fallback text and the ephemeral summary. */
export type Progress =
  | 'accepted'
  | 'awaiting-approval'
  | 'approved'
  | 'rolling-out'
  | 'rolling-back'
  | 'succeeded'
  | 'rolled-back'
  | 'failed'
  | 'superseded'
  | 'approval-rejected'
  | 'approval-expired'
  | 'approval-superseded'
  | 'refused';

/** The outcomes people are told about once more, privately, where they asked. */
export const TERMINAL: ReadonlySet<Progress> = new Set([
  'succeeded',
  'rolled-back',
  'failed',
  'superseded',
  'approval-rejected',
  'approval-expired',
  'approval-superseded',
  'refused',
]);

export const progressOf = (s: RequestState): Progress => {
  const { release, rollback, approval } = s;
  if (release) {
    switch (release.status) {
      case 'applying':
      case 'progressing':
        return 'rolling-out';
      case 'succeeded':
        return release.rollbackOf ? 'rolled-back' : 'succeeded';
      case 'superseded':
        return 'superseded';
      case 'failed':
        if (!rollback) return 'failed';
        if (rollback.status === 'succeeded') return 'rolled-back';
        return rollback.status === 'applying' || rollback.status === 'progressing' ? 'rolling-back' : 'failed';
    }
  }
  // Superseded is the approval's own end, whatever a late redelivery of its request recorded after it.
  if (approval?.state === 'superseded') return 'approval-superseded';
  if (s.refusal) return 'refused';
  switch (approval?.state) {
    case 'open':
      return 'awaiting-approval';
    case 'granted':
    case 'released':
      return 'approved';
    case 'rejected':
      return 'approval-rejected';
    case 'expired':
      return 'approval-expired';
    default:
      return 'accepted';
  }
};

/**
 * The id of the rollback capstan starts by itself when a release fails (lib/deploy/render/events.ts
 * automaticRollback names it after the failed release): how a failed release's message finds its rollback,
 * and a rollback's notice the message of the release it undoes.
 */
export const automaticRollbackId = (app: string, environment: string, revision: number): string =>
  eventId(['rollback.requested', app, environment, String(revision)]);
