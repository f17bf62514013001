import type { DeployRequested } from '../../../events/index.ts';
import { approvalCheck, approvalNotice } from '../../approvals/render/events.ts';
import type { ApprovalPolicy } from '../../apps/chat-ops.ts';
import { REASONS } from '../../reasons.ts';
import type { ReleaseApproval } from '../../store/release-approvals.ts';
import type { DeployDeps } from '../ports.ts';
import { recordStep } from './record.ts';
import type { ReleaseSummary } from './summary.ts';

/**
 * A valid deploy request into an environment whose spec asks for approvals (lib/apps/chat-ops.ts): instead
 * of a release, an approval holding the request (once per request id), its first expiry look and a chat
 * notice. A redelivered request finds the approval it opened and sends the same look again (a duplicate).
 */
export const openApprovalFor = async (
  event: DeployRequested,
  policy: ApprovalPolicy,
  deps: DeployDeps,
): Promise<ReleaseSummary> => {
  const { app, environment } = event.data;
  const now = deps.now();
  const { record, created } = await deps.store.releaseApprovals.open({
    app,
    environment,
    id: event.id,
    request: event.data,
    requester: event.data.requester ?? { kind: 'token' },
    required: policy.required,
    role: policy.role,
    selfApproval: policy.selfApproval,
    openedAt: now.toISOString(),
    dueAt: new Date(now.getTime() + policy.expiry * 1000).toISOString(),
    state: 'open',
    votes: [],
    version: 0,
  } satisfies ReleaseApproval);
  const reason = `waits for ${record.required} approver(s) until ${record.dueAt}`;
  if (record.state === 'open') {
    await recordStep(
      deps,
      event,
      { app, environment },
      {
        action: 'release',
        outcome: 'pending',
        code: 'awaiting-approvals',
        reason,
        details: { approval: record.id, required: record.required, dueAt: record.dueAt, opened: created },
      },
    );
    const check = approvalCheck(record, now);
    await deps.enqueue(check, { delaySeconds: Math.ceil((Date.parse(record.dueAt) - now.getTime()) / 1000) });
    await deps.enqueue(approvalNotice(record, 'approval-opened', event.id, now));
  }
  return {
    app,
    environment,
    outcome: 'waiting',
    code: 'awaiting-approvals',
    reason: record.state === 'open' ? reason : `${REASONS['approval-ended']} (${record.state})`,
    clusters: {},
  };
};
