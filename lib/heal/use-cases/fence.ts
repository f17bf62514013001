import type { Change } from '../../kube/optimistic.ts';
import type { HealPatch, NodeHeal } from '../../store/heals.ts';
import { fenceStep, hasOutOfServiceTaint, OUT_OF_SERVICE_TAINT } from '../decisions/fencing.ts';
import { OVERTURNABLE } from '../decisions/node-lost.ts';
import type { HealDeps } from '../ports.ts';
import { healCheck } from '../render/events.ts';
import { keepBlock } from './blocked.ts';
import { fenced, podsGone, taintTime } from './fence-steps.ts';
import { proveLost, verdictDetails } from './look.ts';
import { type Look, type NodeContext, recordHealStep, secondsSince } from './record.ts';

const outcomeOf = (change: Change) => (change === 'changed' ? ('configured' as const) : ('unchanged' as const));

/**
 * Carries fencing of a heal in phase `fencing` on, the Kubernetes way (../decisions/fencing.ts), as far as it
 * goes now: cordon, taint out-of-service, then a delayed look while the pod GC and the attach/detach
 * controller do their part. Until the taint is on, the node is proven lost again right before each action
 * (it may have come back while a person approved); a node not lost after all is left as it was found.
 */
export const fence = async (deps: HealDeps, ctx: NodeContext, look: Look) => {
  const { cluster, gateway, node } = ctx;
  const key = { cluster: cluster.name, node };
  const record = (step: Parameters<typeof recordHealStep>[3]) => recordHealStep(deps, look.cause, ctx.at, step);
  const patch = (p: Omit<HealPatch, 'updatedAt'>) =>
    deps.store.heals.advance(key, ['fencing'], 'fencing', { ...p, updatedAt: deps.now().toISOString() });
  const lookAgain = (delaySeconds: number) =>
    deps.enqueue(healCheck(cluster.name, node, look.origin, look.attempt + 1, deps.now(), 'fence'), { delaySeconds });

  for (let steps = 0; steps < 6; steps++) {
    const heal = await deps.store.heals.get(cluster.name, node);
    if (heal?.phase !== 'fencing') return { outcome: 'superseded' as const, phase: heal?.phase };
    const live = await gateway.readNode(node);
    if (!live) {
      await deps.store.heals.advance(key, ['fencing'], 'cancelled', { updatedAt: deps.now().toISOString() });
      await record({
        action: 'heal.fence',
        outcome: 'skipped',
        code: 'node-absent',
        reason: `node ${node} was deleted`,
      });
      await keepBlock(deps, ctx, heal, look);
      return { outcome: 'skipped' as const, code: 'node-absent' as const };
    }

    if (!hasOutOfServiceTaint(live)) {
      const { verdict } = await proveLost(deps, ctx);
      if (!verdict.lost) {
        const details = verdictDetails(verdict);
        if (!OVERTURNABLE.includes(verdict.code)) return standDown(deps, ctx, heal, look, verdict.reason, details);
        // A storm began while fencing waited: hold, and look again (the sweep nudges a heal left waiting).
        await patch({});
        await record({ action: 'heal.fence', outcome: 'skipped', code: verdict.code, reason: verdict.reason, details });
        if (look.attempt < deps.settings.maxRechecks) await lookAgain(deps.settings.fence.recheckSeconds * 6);
        return { outcome: 'skipped' as const, code: verdict.code };
      }
    }

    const tainted = hasOutOfServiceTaint(live);
    const [pods, attachments] = tainted
      ? await Promise.all([gateway.listPodsOnNode(node), gateway.listVolumeAttachments(node)])
      : [[], []];
    const step = fenceStep(live, pods, attachments, deps.settings.fence);
    const now = deps.now();
    switch (step.next) {
      case 'cordon': {
        // Noted before acting: a cordon whose answer was lost reads as someone else's on the retry.
        if (!heal.cordonedByCapstan) await patch({ cordonedByCapstan: true });
        const change = await gateway.cordon(node);
        // Unchanged here means someone cordoned it between the read and the write: theirs, not capstan's.
        await patch({ cordonedAt: now.toISOString(), ...(change === 'unchanged' ? { cordonedByCapstan: false } : {}) });
        await record({ action: 'heal.cordon', outcome: outcomeOf(change), reason: `cordoned ${node}` });
        continue;
      }
      case 'taint': {
        // Which volumes it held, noted first: the attach/detach controller removes their attachments next.
        const held = (await gateway.listVolumeAttachments(node)).flatMap((va) => va.persistentVolume ?? []);
        await patch({ attachedVolumes: [...new Set([...(heal.attachedVolumes ?? []), ...held])].sort() });
        const change = await gateway.addTaint(node, OUT_OF_SERVICE_TAINT);
        await patch({ taintedAt: heal.taintedAt ?? now.toISOString() });
        const whose = heal.cordonedByCapstan ? '' : ' (cordoned already: that cordon is left to whoever made it)';
        const taint = `${OUT_OF_SERVICE_TAINT.key}=${OUT_OF_SERVICE_TAINT.value}:${OUT_OF_SERVICE_TAINT.effect}`;
        await record({ action: 'heal.taint', outcome: outcomeOf(change), reason: `tainted ${node} ${taint}${whose}` });
        continue;
      }
      case 'wait-pods':
      case 'wait-attachments': {
        // A taint whose time was not recorded (a crash right after it) is dated by the node: its timeAdded.
        const taintedAt = heal.taintedAt ?? taintTime(live);
        if (step.next === 'wait-attachments' && !heal.podsGoneAt) await podsGone(deps, heal, look, ctx, patch);
        await patch({ ...(heal.taintedAt ? {} : { taintedAt }) });
        const waited = secondsSince(taintedAt, now) ?? 0;
        const what = step.next === 'wait-pods' ? 'pods' : 'VolumeAttachments';
        if (waited > deps.settings.fenceTimeoutSeconds) {
          const reason = `after ${waited}s, ${step.remaining.length} ${what} still on ${node}: ${step.remaining.slice(0, 5).join(', ')}`;
          // Recorded at every look while it stalls; told once for the heal.
          const at = { ...ctx.at, heal: heal.eventId };
          await recordHealStep(deps, look.cause, at, {
            action: 'heal.fence',
            outcome: 'failed',
            code: 'fence-stalled',
            reason,
          });
          // Looked at again far less often: the controllers may yet do it, or the node return.
          await lookAgain(deps.settings.fence.recheckSeconds * 30);
          return { outcome: 'failed' as const, code: 'fence-stalled' as const };
        }
        const reason = `waiting for the controllers to remove ${step.remaining.length} ${what} (${waited}s since the taint)`;
        const details = { remaining: step.remaining.slice(0, 20) };
        await record({ action: 'heal.wait', outcome: 'progressing', reason, details });
        await lookAgain(step.recheckAfterSeconds);
        return { outcome: 'progressing' as const, waitingFor: what };
      }
      case 'fenced':
        return fenced(deps, heal, look, ctx, patch);
    }
  }
  // Every step above either continues after acting or returns; six passes means the node keeps changing.
  await lookAgain(deps.settings.fence.recheckSeconds);
  return { outcome: 'progressing' as const };
};

/**
 * The node is not lost after all (it came back while fencing waited for a person or a look): nothing was
 * tainted yet. A cordon of capstan's is undone through recovery (after its stabilization period, by a look
 * of its own); with none, the heal just ends.
 */
const standDown = async (
  deps: HealDeps,
  ctx: NodeContext,
  heal: NodeHeal,
  look: Look,
  why: string,
  details: Record<string, unknown>,
) => {
  const now = deps.now().toISOString();
  const record = (reason: string) =>
    recordHealStep(deps, look.cause, ctx.at, {
      action: 'heal.fence',
      outcome: 'skipped',
      code: 'node-returned',
      reason,
      details,
    });
  if (heal.cordonedByCapstan) {
    if (!(await deps.store.heals.advance(heal, ['fencing'], 'recovering', { recoveredAt: now, updatedAt: now }))) {
      return { outcome: 'superseded' as const };
    }
    await record(`${why}: not fenced; capstan's cordon is undone once the node is stable`);
    await deps.enqueue(healCheck(heal.cluster, heal.node, look.origin, look.attempt + 1, deps.now(), 'recover'));
    return { outcome: 'skipped' as const, code: 'node-returned' as const };
  }
  if (!(await deps.store.heals.advance(heal, ['fencing'], 'cancelled', { updatedAt: now }))) {
    return { outcome: 'superseded' as const };
  }
  await record(`${why}: left alone`);
  return { outcome: 'skipped' as const, code: 'node-returned' as const };
};
