import { type ApprovalVote, requesterText } from '../../../events/index.ts';
import { recordStep } from '../../deploy/use-cases/record.ts';
import { REASONS } from '../../reasons.ts';
import type { Outcome } from '../../store/history.ts';
import { type Counted, countVote, type VoteOutcome } from '../decisions/count-vote.ts';
import type { ApprovalDeps, ApprovalSummary } from '../ports.ts';
import { approvalNotice, releaseApproved } from '../render/events.ts';
import { decideAndSave } from './save.ts';

/** How each vote is filed in the history. */
const OUTCOMES: Record<VoteOutcome, Outcome> = {
  counted: 'accepted',
  granted: 'succeeded',
  rejected: 'refused',
  'not-counted': 'skipped',
  expired: 'failed',
  ended: 'skipped',
};

const NOTICES = {
  counted: 'approval-voted',
  'not-counted': 'approval-voted',
  granted: 'approval-granted',
  rejected: 'approval-rejected',
  expired: 'approval-expired',
} as const;

/**
 * approval.vote -> counted on the approval's record (countVote, a conditional write read again on a lost
 * race); a grant sends release.approved. Every vote is in the history (who, counted or why not) and in chat.
 * A redelivered vote on an approval it granted sends release.approved again: the same event, a duplicate
 * the deploy consumer drops, so a crash between the write and the send loses no release.
 */
export const castVote = async (event: ApprovalVote, deps: ApprovalDeps): Promise<ApprovalSummary> => {
  const { app, environment, approval } = event.data;
  const now = deps.now();
  const saved = await decideAndSave(event.data, (record) => countVote(record, event.data, now), deps);
  const who = requesterText(event.data.voter);
  if (!saved) {
    await recordStep(
      deps,
      event,
      { app, environment },
      { action: 'approval.vote', outcome: 'skipped', code: 'not-found', reason: `no approval ${approval}` },
    );
    return { app, environment, approval, outcome: 'not-found', code: 'not-found' };
  }
  const { record, decided } = saved;
  const { outcome, code, approvals }: Counted = decided;
  await recordStep(
    deps,
    event,
    { app, environment },
    {
      action: 'approval.vote',
      outcome: OUTCOMES[outcome],
      ...(code ? { code, reason: `${event.data.decision} by ${who}: ${REASONS[code]}` } : {}),
      ...(!code ? { reason: `${event.data.decision} by ${who}: ${approvals} of ${record.required}` } : {}),
      details: {
        approval,
        decision: event.data.decision,
        voter: event.data.voter,
        via: event.data.via,
        counted: outcome === 'counted' || outcome === 'granted' || outcome === 'rejected',
        approvals,
        required: record.required,
      },
    },
  );
  if (outcome === 'granted' || (outcome === 'ended' && record.state === 'granted')) {
    await deps.enqueue(releaseApproved(record, now));
  }
  if (outcome !== 'ended') await deps.enqueue(approvalNotice(record, NOTICES[outcome], event.id, now));
  return { app, environment, approval, outcome, ...(code ? { code } : {}) };
};
