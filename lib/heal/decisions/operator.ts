import type { HealPhase, NodeHeal } from '../../store/heals.ts';

/**
 * What a person may do to a heal from the terminal (`capstan heal approve|cancel`), judged on the record as
 * read: approve lets an approve-mode heal fence its node; cancel stops a heal before capstan has touched the
 * cluster. Once capstan has cordoned or tainted a node, the way out is the node's return (recovery), never a
 * cancel that would leave the cluster half fenced.
 */

/** Phases in which capstan may have written to the node (cordon, out-of-service taint). */
export const FENCE_PHASES = ['fencing', 'fenced', 'recovering'] as const satisfies readonly HealPhase[];

/** Phases in which nothing was done on the cluster yet: what cancel may stop. */
export const CANCELLABLE_PHASES = ['suspected', 'awaiting-approval'] as const satisfies readonly HealPhase[];

/** The phases that end a heal (as lib/store/heals.ts's SETTLED_HEAL_PHASES, which a decision may not import). */
export const SETTLED_PHASES = ['restored', 'cancelled'] as const satisfies readonly HealPhase[];

export const isFencePhase = (phase: HealPhase): boolean => (FENCE_PHASES as readonly HealPhase[]).includes(phase);
export const isSettledPhase = (phase: HealPhase): boolean => (SETTLED_PHASES as readonly HealPhase[]).includes(phase);

export type Approval =
  /** Move it from awaiting-approval to fencing, then send the heal.check that starts fencing. */
  | { readonly next: 'approve'; readonly from: readonly HealPhase[]; readonly to: 'fencing' }
  /**
   * Approved already: nothing to change. `resend` when fencing has not begun (no cordon, no taint yet): the
   * first approval's heal.check may not have reached the queue, and sending the same event again is harmless
   * (the same id: the consumer drops a duplicate).
   */
  | { readonly next: 'already'; readonly message: string; readonly resend: boolean }
  | { readonly next: 'refuse'; readonly message: string };

export type Cancellation =
  | { readonly next: 'cancel'; readonly from: readonly HealPhase[]; readonly to: 'cancelled' }
  | { readonly next: 'already'; readonly message: string }
  | { readonly next: 'refuse'; readonly message: string };

const nameOf = (cluster: string, node: string) => `node ${node} of cluster ${cluster}`;

export const approvalOf = (cluster: string, node: string, heal: NodeHeal | undefined): Approval => {
  const who = nameOf(cluster, node);
  if (!heal) return { next: 'refuse', message: `no heal of ${who}: nothing to approve` };
  if (heal.phase === 'awaiting-approval') return { next: 'approve', from: ['awaiting-approval'], to: 'fencing' };
  if (heal.approvedBy) {
    const fencingBegun = heal.cordonedAt !== undefined || heal.taintedAt !== undefined || heal.phase !== 'fencing';
    return {
      next: 'already',
      message: `the heal of ${who} was approved already, by ${heal.approvedBy} at ${heal.approvedAt ?? 'an unknown time'} (phase ${heal.phase})`,
      resend: !fencingBegun,
    };
  }
  const why =
    heal.phase === 'suspected'
      ? 'capstan has not decided it is lost yet; approval is asked for once it has'
      : heal.phase === 'cancelled'
        ? `it was cancelled${heal.cancelledBy ? ` by ${heal.cancelledBy}` : ''}`
        : isSettledPhase(heal.phase)
          ? 'the heal is over'
          : `it heals in ${heal.mode} mode, which needs no approval`;
  return { next: 'refuse', message: `the heal of ${who} is in phase ${heal.phase}: nothing to approve (${why})` };
};

export const cancellationOf = (cluster: string, node: string, heal: NodeHeal | undefined): Cancellation => {
  const who = nameOf(cluster, node);
  if (!heal) return { next: 'refuse', message: `no heal of ${who}: nothing to cancel` };
  if ((CANCELLABLE_PHASES as readonly HealPhase[]).includes(heal.phase)) {
    return { next: 'cancel', from: CANCELLABLE_PHASES, to: 'cancelled' };
  }
  if (heal.phase === 'cancelled') {
    return {
      next: 'already',
      message: `the heal of ${who} was cancelled already, by ${heal.cancelledBy ?? 'capstan'} at ${heal.cancelledAt ?? heal.updatedAt}`,
    };
  }
  if (isFencePhase(heal.phase)) {
    return {
      next: 'refuse',
      message: `the heal of ${who} is in phase ${heal.phase}: it cannot be cancelled, capstan has cordoned/tainted it (or is doing so); it will be restored when the node returns`,
    };
  }
  return {
    next: 'refuse',
    message: `the heal of ${who} is in phase ${heal.phase}: the heal is over, nothing to cancel`,
  };
};
