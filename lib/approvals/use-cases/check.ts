import type { ApprovalCheck } from '../../../events/index.ts';
import { recordStep } from '../../deploy/use-cases/record.ts';
import { REASONS } from '../../reasons.ts';
import { checkExpiry } from '../decisions/check-expiry.ts';
import type { ApprovalDeps, ApprovalSummary } from '../ports.ts';
import { approvalCheck, approvalNotice } from '../render/events.ts';
import { decideAndSave } from './save.ts';

/**
 * approval.check -> an open approval past its dueAt expires (history, chat notice); one still open before
 * it is looked at again, one hop (at most 15 minutes) later; one that ended is left alone (the chain ends).
 */
export const checkApproval = async (event: ApprovalCheck, deps: ApprovalDeps): Promise<ApprovalSummary> => {
  const { app, environment, approval } = event.data;
  const now = deps.now();
  const saved = await decideAndSave(
    event.data,
    (record) => {
      const verdict = checkExpiry(record, now);
      return { verdict, next: verdict.verdict === 'expire' ? verdict.next : undefined };
    },
    deps,
  );
  if (!saved) return { app, environment, approval, outcome: 'not-found', code: 'not-found' };
  const { record, decided } = saved;
  const { verdict } = decided;
  if (verdict.verdict === 'later') {
    await deps.enqueue(approvalCheck(record, now, event.id), { delaySeconds: verdict.delaySeconds });
    return { app, environment, approval, outcome: 'later' };
  }
  if (verdict.verdict === 'ended') return { app, environment, approval, outcome: 'ended' };
  await recordStep(
    deps,
    event,
    { app, environment },
    {
      action: 'approval',
      outcome: 'failed',
      code: 'expired',
      reason: `${REASONS.expired} (due ${record.dueAt})`,
      details: { approval },
    },
  );
  await deps.enqueue(approvalNotice(record, 'approval-expired', event.id, now));
  return { app, environment, approval, outcome: 'expired', code: 'expired' };
};
