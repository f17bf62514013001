import type { NodeHeal } from '../../store/heals.ts';
import { isActiveHeal } from '../../store/ports.ts';
import { healModeOf } from '../decisions/mode.ts';
import { lookAgainAfter } from '../decisions/node-lost.ts';
import type { HealDeps } from '../ports.ts';
import { healCheck } from '../render/events.ts';
import { keepBlock, stillBlocked } from './blocked.ts';
import { carryOn, isStuck, type StepResult } from './carry-on.ts';
import { outageOf, proveLost, verdictDetails } from './look.ts';
import { type Look, type NodeContext, recordHealStep } from './record.ts';

/**
 * A node is said to be lost (a forwarded event, a sweep, a later look): prove it on a fresh read, record the
 * verdict with its figures whatever it is, and only then start a heal in the cluster's mode. A node being
 * healed already is carried on from its phase (./carry-on.ts). A node not (yet) proven lost is looked at
 * again when another look may decide otherwise, in one chain of looks per outage, however many candidates
 * (the Node's event, each pod's, the sweep's) said it.
 */
export const prove = async (deps: HealDeps, ctx: NodeContext, look: Look): Promise<StepResult> => {
  const { cluster, node } = ctx;
  const record = (step: Parameters<typeof recordHealStep>[3]) => recordHealStep(deps, look.cause, ctx.at, step);
  const existing = await deps.store.heals.get(cluster.name, node);
  if (existing && isActiveHeal(existing.phase)) return underWay(deps, ctx, existing, look);

  const { verdict, node: live } = await proveLost(deps, ctx);
  const details = { ...verdictDetails(verdict), attempt: look.attempt };
  const sameOutage =
    live?.readySince !== undefined && existing && Date.parse(live.readySince) <= Date.parse(existing.suspectedAt);
  if (existing?.phase === 'cancelled' && existing.cancelledBy && sameOutage) {
    // A person's cancel holds for the outage it was about; the node's next outage is a heal of its own.
    const reason = `${existing.cancelledBy} cancelled healing ${node} for this outage at ${existing.cancelledAt ?? '?'}`;
    await record({ action: 'heal.prove', outcome: 'skipped', code: 'cancelled', reason, details });
    return { outcome: 'skipped', code: 'cancelled' };
  }
  if (!verdict.lost) {
    const after = lookAgainAfter(verdict, deps.settings.fence.recheckSeconds * 6);
    const again = after !== undefined && look.attempt < deps.settings.maxRechecks;
    const reason = again ? `${verdict.reason}; looking again in ${after}s` : verdict.reason;
    await record({ action: 'heal.prove', outcome: 'skipped', code: verdict.code, reason, details });
    if (again) {
      const next = healCheck(cluster.name, node, outageOf(live), look.attempt + 1, deps.now(), 'prove');
      await deps.enqueue(next, { delaySeconds: after });
    }
    return { outcome: 'skipped', code: verdict.code };
  }

  await record({ action: 'heal.prove', outcome: 'succeeded', reason: verdict.reason, details });
  const mode = healModeOf(cluster, await deps.store.environments.policy(cluster.environment));
  const started = await deps.store.heals.start({
    cluster: cluster.name,
    node,
    mode,
    eventId: look.cause.id,
    suspectedAt: deps.now().toISOString(),
    ...(existing && stillBlocked(existing) ? { blocked: existing.blocked } : {}),
  });
  // Another look proved it at the same moment and started the heal: that one carries it on.
  if (!started.created) return underWay(deps, ctx, started.record, look);
  return carryOn(deps, ctx, started.record, { ...look, origin: outageOf(live) });
};

/**
 * A candidate for a node being healed already changes nothing, unless the heal's chain of looks was lost
 * (./carry-on.ts isStuck): then it carries the heal on. A heal whose Node was deleted ends.
 */
const underWay = async (deps: HealDeps, ctx: NodeContext, heal: NodeHeal, look: Look): Promise<StepResult> => {
  const record = (step: Parameters<typeof recordHealStep>[3]) => recordHealStep(deps, look.cause, ctx.at, step);
  if (!(await ctx.gateway.readNode(ctx.node))) {
    if (!(await deps.store.heals.advance(heal, [heal.phase], 'cancelled', { updatedAt: deps.now().toISOString() }))) {
      return { outcome: 'superseded', phase: heal.phase };
    }
    await record({
      action: 'heal.end',
      outcome: 'skipped',
      code: 'node-absent',
      reason: `node ${ctx.node} was deleted: the heal ends`,
    });
    await keepBlock(deps, ctx, heal, look);
    return { outcome: 'skipped', code: 'node-absent' };
  }
  const stuck = isStuck(deps, heal);
  const reason = `node ${ctx.node} is being healed already (phase ${heal.phase}, since ${heal.suspectedAt})${stuck ? `; no look for over ${deps.settings.staleAfterSeconds}s, so this one carries it on` : ''}`;
  await record({ action: 'heal.prove', outcome: 'unchanged', code: 'already-healing', reason });
  return stuck
    ? carryOn(deps, ctx, heal, { ...look, origin: `nudge:${heal.updatedAt}` })
    : { outcome: 'unchanged', phase: heal.phase };
};
