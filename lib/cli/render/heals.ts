import type { NodeHeal } from '../../store/heals.ts';
import { stamp as at, renderTable } from '../format.ts';

/** Who decided, if a person did. */
const decidedBy = (h: NodeHeal) =>
  h.cancelledBy ? `cancelled by ${h.cancelledBy}` : h.approvedBy ? `approved by ${h.approvedBy}` : '-';

/** Heals as a table, one row per node, in the order given. */
export const renderHeals = (heals: readonly NodeHeal[]): string =>
  renderTable(
    ['CLUSTER', 'NODE', 'PHASE', 'MODE', 'SUSPECTED', 'UPDATED', 'BY'],
    heals.map((h) => [h.cluster, h.node, h.phase, h.mode, at(h.suspectedAt), at(h.updatedAt), decidedBy(h)]),
  );

/** Every step of a heal with its time, in the order they happen; steps not taken (yet) show `-`. */
const STEPS = [
  ['suspected', 'suspectedAt'],
  ['approved', 'approvedAt'],
  ['fencing', 'fencingAt'],
  ['cordoned', 'cordonedAt'],
  ['tainted out-of-service', 'taintedAt'],
  ['pods gone', 'podsGoneAt'],
  ['attachments gone', 'attachmentsGoneAt'],
  ['fenced', 'fencedAt'],
  ['recovered', 'recoveredAt'],
  ['restored', 'restoredAt'],
  ['cancelled', 'cancelledAt'],
] as const satisfies readonly (readonly [string, keyof NodeHeal])[];

/** One heal record: what it is about, then each step's time. */
export const renderHeal = (h: NodeHeal): string =>
  [
    `heal of node ${h.node} of cluster ${h.cluster}: ${h.phase} (${h.mode} mode)`,
    `started by event ${h.eventId}; cordoned by capstan: ${h.cordonedByCapstan ? 'yes' : 'no'}`,
    ...(h.approvedBy ? [`approved by ${h.approvedBy}`] : []),
    ...(h.cancelledBy ? [`cancelled by ${h.cancelledBy}`] : []),
    ...(h.blocked ? [blockedLine(h.blocked, h.unblockedAt)] : []),
    '',
    renderTable(
      ['STEP', 'AT'],
      STEPS.map(([step, field]) => [step, at(h[field])]),
    ),
  ].join('\n');

/** The addresses capstan blocked from Ceph to free the node's images (issue 11), and whether that is lifted. */
const blockedLine = (blocked: NonNullable<NodeHeal['blocked']>, unblockedAt: string | undefined) =>
  `blocked from Ceph (via ${blocked.via}): ${blocked.addresses.join(', ')} at ${at(blocked.at)}; ` +
  (unblockedAt ? `unblocked at ${at(unblockedAt)}` : 'not unblocked yet (lifted when the node is back)');
