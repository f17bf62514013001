import { eventId, type HealCheck } from '../../events/index.ts';
import { approvalOf, cancellationOf } from '../heal/decisions/operator.ts';
import { healCheck } from '../heal/render/events.ts';
import { findCluster } from '../store/clusters.ts';
import type { Db } from '../store/db.ts';
import { advanceHeal, getHeal, type NodeHeal } from '../store/heals.ts';
import { recordHistory } from '../store/history.ts';
import { NODES_APP } from '../store/ports.ts';

/**
 * What `capstan heal approve|cancel` do to the table, as the rules of lib/heal/decisions/operator.ts allow,
 * given who asks. The command runs them under the node's lease (./node-lease.ts) and sends the check.
 */

/** What approve or cancel ends with: a refusal, or what to say (and, for approve, the check to send). */
export type HealActionResult =
  | { readonly refused: string }
  | {
      readonly outcome: 'approved' | 'cancelled' | 'unchanged';
      readonly message: string;
      readonly heal: NodeHeal;
      readonly send?: HealCheck;
    };

/** Awaiting approval -> fencing, approved by `by`; the heal.check to send with it (../commands/heal.ts). */
export const approveHeal = async (db: Db, cluster: string, node: string, by: string): Promise<HealActionResult> => {
  const heal = await getHeal(db, cluster, node);
  const approval = approvalOf(cluster, node, heal);
  if (approval.next === 'refuse') return { refused: approval.message };
  const record = heal as NodeHeal;
  const now = new Date();
  const check = healCheck(cluster, node, `approve:${record.eventId}`, 0, now, 'fence');
  if (approval.next === 'already') {
    return {
      outcome: 'unchanged',
      message: approval.message,
      heal: record,
      ...(approval.resend ? { send: check } : {}),
    };
  }
  const approved = await advanceHeal(db, { cluster, node }, approval.from, approval.to, {
    approvedBy: by,
    approvedAt: now.toISOString(),
    fencingAt: now.toISOString(),
    updatedAt: now.toISOString(),
  });
  if (!approved) return approveHeal(db, cluster, node, by); // it moved meanwhile: judge it as it is now
  // Recorded before the check is sent: should sending fail, approving again sends it (the same event).
  await recordHistory(db, {
    app: NODES_APP,
    ...(await environmentOf(db, cluster)),
    cluster,
    node,
    eventId: check.id,
    eventType: check.type,
    action: 'heal.approve',
    outcome: 'accepted',
    eventTime: check.time,
    recordedAt: now.toISOString(),
    details: { by },
  });
  return {
    outcome: 'approved',
    message: `approved: capstan fences node ${node} of cluster ${cluster} now (follow it with \`capstan heal show ${cluster} ${node}\`)`,
    heal: (await getHeal(db, cluster, node)) ?? record,
    send: check,
  };
};

/** Suspected or awaiting approval -> cancelled by `by`, recorded in the node's history. */
export const cancelHeal = async (db: Db, cluster: string, node: string, by: string): Promise<HealActionResult> => {
  const heal = await getHeal(db, cluster, node);
  const cancellation = cancellationOf(cluster, node, heal);
  if (cancellation.next === 'refuse') return { refused: cancellation.message };
  const record = heal as NodeHeal;
  if (cancellation.next === 'already') return { outcome: 'unchanged', message: cancellation.message, heal: record };
  const now = new Date().toISOString();
  const cancelled = await advanceHeal(db, { cluster, node }, cancellation.from, cancellation.to, {
    cancelledBy: by,
    cancelledAt: now,
    updatedAt: now,
  });
  if (!cancelled) return cancelHeal(db, cluster, node, by); // it moved meanwhile: judge it as it is now
  await recordHistory(db, {
    app: NODES_APP,
    ...(await environmentOf(db, cluster)),
    cluster,
    node,
    eventId: eventId(['heal.cancel', cluster, node, record.eventId]),
    eventType: 'heal.cancel',
    action: 'heal.cancel',
    outcome: 'succeeded',
    code: 'cancelled',
    reason: `cancelled by ${by}`,
    eventTime: now,
    recordedAt: now,
    details: { by },
  });
  return {
    outcome: 'cancelled',
    message: `cancelled the heal of node ${node} of cluster ${cluster}: capstan leaves the node alone until it is suspected afresh`,
    heal: (await getHeal(db, cluster, node)) ?? record,
  };
};

/** As healing's own steps are filed: by cluster and by its environment, while it is registered. */
const environmentOf = async (db: Db, cluster: string) => {
  const registered = await findCluster(db, cluster);
  return registered ? { environment: registered.environment } : {};
};
