import type { NodeHeal } from '../../store/heals.ts';
import type { HealDeps } from '../ports.ts';
import { fence } from './fence.ts';
import { type Look, type NodeContext, recordHealStep, type StepResult, secondsSince } from './record.ts';
import { recover } from './recover.ts';

export type { StepResult } from './record.ts';

/** Whether a heal's chain of looks is lost: its record has not moved for longer than a live chain allows. */
export const isStale = (deps: HealDeps, heal: NodeHeal): boolean =>
  (secondsSince(heal.updatedAt, deps.now()) ?? 0) > deps.settings.staleAfterSeconds;

/**
 * Whether a stale heal is stuck, so the next event carries it on: one that waits on a person or on the
 * node's return is not, nor one in observe mode, which never moves (carried on, it would only record and
 * tell "lost, nothing done" again at every sweep).
 */
export const isStuck = (deps: HealDeps, heal: NodeHeal): boolean => {
  const moves =
    heal.phase === 'fencing' || heal.phase === 'recovering' || (heal.phase === 'suspected' && heal.mode !== 'observe');
  return moves && isStale(deps, heal);
};

/**
 * Carries a heal on from the phase the table says it is in: the table is the truth, not the chain of
 * messages, so a heal whose last look was lost (a crash between two writes, a look given up to the DLQ)
 * goes on at the next event or the sweep's nudge. Called for a heal just started, or one gone stale: a
 * live chain is left to itself, so looks never double.
 */
export const carryOn = async (deps: HealDeps, ctx: NodeContext, heal: NodeHeal, look: Look): Promise<StepResult> => {
  switch (heal.phase) {
    case 'suspected':
      return applyMode(deps, ctx, heal, look);
    case 'fencing':
      return fence(deps, ctx, look);
    case 'recovering':
      return recover(deps, ctx, look);
    case 'awaiting-approval':
    case 'fenced':
      // Waiting for a person, or for the node's return (the sweep's node.recovered): nothing to carry on.
      return { outcome: 'unchanged', phase: heal.phase };
    default:
      return { outcome: 'superseded', phase: heal.phase };
  }
};

/** A heal just proven: what the cluster's mode says to do, recorded. */
const applyMode = async (deps: HealDeps, ctx: NodeContext, heal: NodeHeal, look: Look): Promise<StepResult> => {
  const { node, cluster } = ctx;
  const record = (step: Parameters<typeof recordHealStep>[3]) => recordHealStep(deps, look.cause, ctx.at, step);
  const now = deps.now().toISOString();
  if (heal.mode === 'observe') {
    const reason = `node ${node} is lost; ${cluster.name} heals in observe mode, so nothing is done`;
    await record({ action: 'heal.start', outcome: 'skipped', code: 'observe-mode', reason });
    return { outcome: 'skipped', code: 'observe-mode' };
  }
  if (heal.mode === 'approve') {
    if (!(await deps.store.heals.advance(heal, ['suspected'], 'awaiting-approval', { updatedAt: now }))) {
      return { outcome: 'superseded' };
    }
    const reason = `node ${node} is lost; fencing waits for \`capstan heal approve ${cluster.name} ${node}\``;
    await record({ action: 'heal.start', outcome: 'pending', code: 'awaiting-approval', reason });
    return { outcome: 'pending' };
  }
  if (!(await deps.store.heals.advance(heal, ['suspected'], 'fencing', { fencingAt: now, updatedAt: now }))) {
    return { outcome: 'superseded' };
  }
  await record({ action: 'heal.start', outcome: 'accepted', reason: `node ${node} is lost; fencing it (auto mode)` });
  return fence(deps, ctx, look);
};
