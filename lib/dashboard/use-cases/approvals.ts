import { type ApprovalView, approvalView } from '../../approvals/render/approval-view.ts';
import type { DashboardReads } from '../ports.ts';

/** `GET /api/approvals`: every open release approval of every app and environment, oldest first. */
export const pendingApprovals = async (reads: DashboardReads): Promise<ApprovalView[]> => {
  const apps = await reads.apps();
  const lists = await Promise.all(
    apps.flatMap((a) => Object.keys(a.spec.environments).map((env) => reads.openApprovals(a.spec.name, env))),
  );
  return lists
    .flat()
    .sort((a, b) => a.openedAt.localeCompare(b.openedAt))
    .map(approvalView);
};
