import { requesterText } from '../../../events/requester.ts';
import { countedApprovals } from '../../approvals/decisions/count-vote.ts';
import type { ReleaseApproval } from '../../store/release-approvals.ts';
import { renderTable, stamp } from '../format.ts';

/** How many ended approvals `capstan approvals` shows beside the open ones, per environment. */
export const RECENT = 10;

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

/** One row per approval, then its votes (who, and why one did not count). */
export const renderApprovals = (views: readonly ApprovalView[]): string => {
  if (views.length === 0) return 'no release approvals';
  const table = renderTable(
    ['REQUEST', 'ENV', 'STATE', 'APPROVALS', 'ASKED BY', 'DUE', 'IMAGE'],
    views.map((v) => [
      v.id,
      v.environment,
      v.revision ? `${v.state} #${v.revision}` : v.state,
      `${v.approvals}/${v.required}`,
      v.requester,
      stamp(v.dueAt),
      v.images.join(', '),
    ]),
  );
  const votes = views.flatMap((v) =>
    v.votes.map(
      (x) => `  ${v.id}: ${x.decision} by ${x.voter} at ${stamp(x.at)}${x.counted ? '' : ` (not counted: ${x.why})`}`,
    ),
  );
  return votes.length > 0 ? `${table}\n\nvotes:\n${votes.join('\n')}` : table;
};
