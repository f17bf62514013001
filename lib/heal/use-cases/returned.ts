import type { HealPhase } from '../../store/heals.ts';
import type { HealDeps } from '../ports.ts';
import { carryOn, isStale, type StepResult } from './carry-on.ts';
import { type Look, type NodeContext, recordHealStep } from './record.ts';
import { recover } from './recover.ts';

/** Phases in which nothing was done on the cluster yet: a return just ends the heal. */
const BEFORE_ACTION: readonly HealPhase[] = ['suspected', 'awaiting-approval'];

/**
 * A node being healed is said to be Ready again (the sweep). Judged on a fresh read, never on the event (a
 * late one may arrive after the node went down again). Before anything was done, the heal ends and the node
 * is left alone; once capstan has cordoned or tainted it, recovery takes over (./recover.ts), which waits for
 * the node to be stable before it undoes anything.
 */
export const returned = async (deps: HealDeps, ctx: NodeContext, look: Look): Promise<StepResult> => {
  const { cluster, gateway, node } = ctx;
  const record = (step: Parameters<typeof recordHealStep>[3]) => recordHealStep(deps, look.cause, ctx.at, step);
  const heal = await deps.store.heals.get(cluster.name, node);
  const now = deps.now().toISOString();
  if (!heal || heal.phase === 'restored' || heal.phase === 'cancelled') {
    const reason = `node ${node} has no heal under way${heal ? ` (the last one is ${heal.phase})` : ''}`;
    await record({ action: 'heal.recover', outcome: 'skipped', code: 'settled', reason });
    return { outcome: 'skipped', code: 'settled' };
  }
  if (heal.phase === 'recovering') {
    // Being restored already: its own chain of looks carries on, unless that chain was lost.
    return isStale(deps, heal) ? carryOn(deps, ctx, heal, look) : { outcome: 'unchanged', phase: heal.phase };
  }
  const live = await gateway.readNode(node);
  if (live?.ready !== 'True') {
    const reason = `node ${node} is ${live ? live.ready : 'absent'}, not Ready: the heal goes on`;
    await record({ action: 'heal.recover', outcome: 'skipped', code: 'not-back', reason });
    return { outcome: 'skipped', code: 'not-back' };
  }
  if (BEFORE_ACTION.includes(heal.phase)) {
    if (!(await deps.store.heals.advance(heal, BEFORE_ACTION, 'cancelled', { updatedAt: now }))) {
      return { outcome: 'superseded' };
    }
    const reason = `node ${node} is Ready again before it was fenced (${heal.mode} mode): recorded and left alone`;
    await record({ action: 'heal.recover', outcome: 'skipped', code: 'node-returned', reason });
    return { outcome: 'skipped', code: 'node-returned' };
  }
  // fencing or fenced: capstan may have cordoned or tainted it.
  const moved = await deps.store.heals.advance(heal, ['fencing', 'fenced'], 'recovering', {
    recoveredAt: now,
    updatedAt: now,
  });
  if (!moved) return { outcome: 'superseded' };
  await record({
    action: 'heal.recover',
    outcome: 'accepted',
    reason: `node ${node} is Ready again: restoring it once it is stable`,
  });
  return recover(deps, ctx, look);
};
