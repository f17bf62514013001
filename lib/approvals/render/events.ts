import { SCHEMA_VERSION } from '../../../events/envelope.ts';
import {
  type ApprovalCheck,
  type ChatNotify,
  type ChatNotifyData,
  eventId,
  type ReleaseApproved,
} from '../../../events/index.ts';
import type { ReleaseApproval } from '../../store/release-approvals.ts';

type Approval = Pick<ReleaseApproval, 'app' | 'environment' | 'id' | 'dueAt'>;

const envelope = (source: string, subject: string, now: Date) => ({
  specversion: '1.0' as const,
  source,
  time: now.toISOString(),
  subject,
  schemaversion: SCHEMA_VERSION,
});

/**
 * The next look at an approval's expiry. The first look's id names the approval and its due time; each next
 * hop's names the look that sent it, so a redelivered look sends the same next hop (a duplicate), never a
 * second chain.
 */
export const approvalCheck = (a: Approval, now: Date, after?: string): ApprovalCheck => ({
  ...envelope('capstan/approvals', `${a.app}/${a.environment}`, now),
  id: eventId(after ? ['approval.check', after] : ['approval.check', a.app, a.environment, a.id, a.dueAt]),
  type: 'approval.check',
  data: { app: a.app, environment: a.environment, approval: a.id, dueAt: a.dueAt },
});

/** The quorum reached: one per approval, whichever vote reached it (a second grant is the same event). */
export const releaseApproved = (a: Approval, now: Date): ReleaseApproved => ({
  ...envelope('capstan/approvals', `${a.app}/${a.environment}`, now),
  id: eventId(['release.approved', a.app, a.environment, a.id]),
  type: 'release.approved',
  data: { app: a.app, environment: a.environment, approval: a.id },
});

/** A chat notice about the approval; `cause` (the event that changed it) keeps notices of two votes apart. */
export const approvalNotice = (
  a: Approval,
  what: Extract<ChatNotifyData['what'], `approval-${string}`>,
  cause: string,
  now: Date,
): ChatNotify => ({
  ...envelope('capstan/approvals', `${a.app}/${a.environment}`, now),
  id: eventId(['chat.notify', a.app, a.environment, a.id, what, cause]),
  type: 'chat.notify',
  data: { app: a.app, environment: a.environment, request: a.id, what },
});
