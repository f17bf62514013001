import { requesterText } from '../../../events/requester.ts';
import type { ReleaseApproval } from '../../store/release-approvals.ts';
import { countedApprovals } from '../decisions/count-vote.ts';

/** What `capstan approvals --json` prints per approval (a stable shape, README "Approvals"). */
export interface ApprovalView {
  readonly app: string;
  readonly environment: string;
  readonly id: string;
  readonly state: ReleaseApproval['state'];
  readonly requester: string;
  readonly images: string[];
  readonly approvals: number;
  readonly required: number;
  readonly openedAt: string;
  readonly dueAt: string;
  readonly endedAt: string | null;
  readonly revision: number | null;
  /** The newer push's request that ended it (state `superseded`). */
  readonly supersededBy: string | null;
  readonly votes: { voter: string; decision: string; at: string; counted: boolean; why: string | null }[];
}

export const approvalView = (a: ReleaseApproval): ApprovalView => ({
  app: a.app,
  environment: a.environment,
  id: a.id,
  state: a.state,
  requester: requesterText(a.requester),
  images: [a.request.image, ...Object.values(a.request.images ?? {})],
  approvals: countedApprovals(a),
  required: a.required,
  openedAt: a.openedAt,
  dueAt: a.dueAt,
  endedAt: a.endedAt ?? null,
  revision: a.revision ?? null,
  supersededBy: a.supersededBy ?? null,
  votes: a.votes.map((v) => ({
    voter: requesterText(v.voter),
    decision: v.decision,
    at: v.at,
    counted: v.counted,
    why: v.why ?? null,
  })),
});
