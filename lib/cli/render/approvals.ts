import type { ApprovalView } from '../../approvals/render/approval-view.ts';
import { renderTable, stamp } from '../format.ts';

/** How many ended approvals `capstan approvals` shows beside the open ones, per environment. */
export const RECENT = 10;

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
