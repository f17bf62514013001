import { principalOf } from '../../../events/requester.ts';
import type { ReasonCode } from '../../reasons.ts';
import type { ReleaseApproval, Vote } from '../../store/release-approvals.ts';

/** A vote as it arrives (events/approval-vote.ts), before it is counted. */
export type Ballot = Pick<Vote, 'voter' | 'decision' | 'via' | 'comment'>;

/**
 * What a vote did: `counted` towards the quorum, `granted` (it reached it), `rejected` (one reject ends it),
 * `not-counted` (recorded, with `why`), `expired` (it came at or after dueAt), `ended` (nothing changed).
 */
export type VoteOutcome = 'counted' | 'granted' | 'rejected' | 'not-counted' | 'expired' | 'ended';

export interface Counted {
  readonly next: ReleaseApproval;
  readonly outcome: VoteOutcome;
  readonly code?: ReasonCode;
  /** Distinct counted approvals after this vote. */
  readonly approvals: number;
}

/** Distinct people whose approval counted. */
export const countedApprovals = (record: Pick<ReleaseApproval, 'votes'>): number =>
  new Set(record.votes.filter((v) => v.counted && v.decision === 'approve').map((v) => v.principal)).size;

/** Why an approve does not count, if it does not: anonymous, the requester's own, or a repeat. */
const notCounted = (record: ReleaseApproval, principal: string, ballot: Ballot): ReasonCode | undefined => {
  // The ingest token names nobody: its vote cannot be one of N distinct people.
  if (ballot.voter.kind === 'token') return 'anonymous-vote';
  if (!record.selfApproval && principal === principalOf(record.requester)) return 'self-approval';
  if (record.votes.some((v) => v.counted && v.decision === 'approve' && v.principal === principal)) {
    return 'repeat-vote';
  }
  return undefined;
};

/**
 * Counts one vote on an approval, pure: the next record (the same one when nothing changes) and what the
 * vote did. The version is left as read: the store writes it conditionally on that version.
 */
export const countVote = (record: ReleaseApproval, ballot: Ballot, now: Date): Counted => {
  const approvals = countedApprovals(record);
  const at = now.toISOString();
  if (record.state !== 'open') return { next: record, outcome: 'ended', code: 'approval-ended', approvals };
  if (now.getTime() >= Date.parse(record.dueAt)) {
    return { next: { ...record, state: 'expired', endedAt: at }, outcome: 'expired', code: 'expired', approvals };
  }
  const principal = principalOf(ballot.voter);
  const why = ballot.decision === 'reject' && ballot.voter.kind === 'token' ? 'anonymous-vote' : undefined;
  const code = ballot.decision === 'approve' ? notCounted(record, principal, ballot) : why;
  const vote: Vote = {
    principal,
    voter: ballot.voter,
    decision: ballot.decision,
    at,
    via: ballot.via,
    counted: code === undefined,
    ...(code ? { why: code } : {}),
    ...(ballot.comment ? { comment: ballot.comment } : {}),
  };
  const voted = { ...record, votes: [...record.votes, vote] };
  if (code) return { next: voted, outcome: 'not-counted', code, approvals };
  if (ballot.decision === 'reject') {
    return { next: { ...voted, state: 'rejected', endedAt: at }, outcome: 'rejected', code: 'rejected', approvals };
  }
  const after = countedApprovals(voted);
  if (after >= record.required) {
    return { next: { ...voted, state: 'granted', endedAt: at }, outcome: 'granted', approvals: after };
  }
  return { next: voted, outcome: 'counted', approvals: after };
};
