import type { KubeGateway } from '../../kube/gateway.ts';
import type { Change } from '../../kube/optimistic.ts';
import type { Cluster } from '../../store/clusters.ts';
import type { HealPatch, NodeHeal } from '../../store/heals.ts';
import { fenceStep, hasOutOfServiceTaint, OUT_OF_SERVICE_TAINT } from '../decisions/fencing.ts';
import type { NotLostCode } from '../decisions/node-lost.ts';
import type { HealDeps } from '../ports.ts';
import { healCheck } from '../render/events.ts';
import { proveLost, verdictDetails } from './look.ts';
import { type Look, type NodeAt, recordHealStep } from './record.ts';
import { recover } from './recover.ts';

/** Verdicts that say the node is not lost at all (as opposed to "not now": a storm, say). */
const NOT_LOST: readonly NotLostCode[] = ['node-ready', 'lease-renewed', 'node-absent'];

const seconds = (from: string | undefined, to: Date) =>
  from === undefined ? undefined : Math.max(0, Math.round((to.getTime() - Date.parse(from)) / 1000));

const outcomeOf = (change: Change) => (change === 'changed' ? ('configured' as const) : ('unchanged' as const));

/**
 * Carries fencing of a heal in phase `fencing` on, the Kubernetes way (../decisions/fencing.ts), as far as it
 * goes now: cordon, taint out-of-service, then a delayed look while the pod GC and the attach/detach
 * controller do their part. Until the taint is on, the node is proven lost again right before each action
 * (it may have come back while a person approved); a node not lost after all is left as it was found.
 */
export const fence = async (deps: HealDeps, cluster: Cluster, gateway: KubeGateway, node: string, look: Look) => {
  const at: NodeAt = { cluster: cluster.name, environment: cluster.environment, node };
  const key = { cluster: cluster.name, node };
  const record = (step: Parameters<typeof recordHealStep>[3]) => recordHealStep(deps, look.cause, at, step);
  const patch = (p: Omit<HealPatch, 'updatedAt'>) =>
    deps.store.heals.advance(key, ['fencing'], 'fencing', { ...p, updatedAt: deps.now().toISOString() });
  const lookAgain = async (delaySeconds: number) =>
    deps.enqueue(healCheck(cluster.name, node, look.origin, look.attempt + 1, deps.now(), 'fence'), { delaySeconds });

  for (let steps = 0; steps < 6; steps++) {
    const heal = await deps.store.heals.get(cluster.name, node);
    if (heal?.phase !== 'fencing') return { outcome: 'superseded' as const, phase: heal?.phase };
    const live = await gateway.readNode(node);
    if (!live) {
      const now = deps.now().toISOString();
      await deps.store.heals.advance(key, ['fencing'], 'cancelled', { updatedAt: now });
      await record({
        action: 'heal.fence',
        outcome: 'skipped',
        code: 'node-absent',
        reason: `node ${node} was deleted`,
      });
      return { outcome: 'skipped' as const, code: 'node-absent' as const };
    }

    if (!hasOutOfServiceTaint(live)) {
      const verdict = await proveLost(deps, gateway, node);
      if (!verdict.lost) {
        const details = verdictDetails(verdict);
        if (NOT_LOST.includes(verdict.code)) {
          return standDown(deps, cluster, gateway, heal, look, verdict.reason, verdict.code);
        }
        // A storm began while fencing waited: hold, and look again.
        await record({ action: 'heal.fence', outcome: 'skipped', code: verdict.code, reason: verdict.reason, details });
        await lookAgain(deps.settings.fence.recheckSeconds * 6);
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
        await patch({ cordonedAt: now.toISOString() });
        await record({ action: 'heal.cordon', outcome: outcomeOf(change), reason: `cordoned ${node}` });
        continue;
      }
      case 'taint': {
        const change = await gateway.addTaint(node, OUT_OF_SERVICE_TAINT);
        await patch({ taintedAt: heal.taintedAt ?? now.toISOString() });
        const reason = `tainted ${node} ${OUT_OF_SERVICE_TAINT.key}=${OUT_OF_SERVICE_TAINT.value}:${OUT_OF_SERVICE_TAINT.effect}${heal.cordonedByCapstan ? '' : ' (it was cordoned already: left to whoever cordoned it)'}`;
        await record({ action: 'heal.taint', outcome: outcomeOf(change), reason });
        continue;
      }
      case 'wait-pods':
      case 'wait-attachments': {
        if (step.next === 'wait-attachments' && !heal.podsGoneAt) await podsGone(deps, heal, look, at, patch);
        const waited = seconds(heal.taintedAt, now) ?? 0;
        const what = step.next === 'wait-pods' ? 'pods' : 'VolumeAttachments';
        if (waited > deps.settings.fenceTimeoutSeconds) {
          const reason = `after ${waited}s, ${step.remaining.length} ${what} still on ${node}: ${step.remaining.slice(0, 5).join(', ')}`;
          await record({ action: 'heal.fence', outcome: 'failed', code: 'fence-stalled', reason });
          return { outcome: 'failed' as const, code: 'fence-stalled' as const };
        }
        const reason = `waiting for the controllers to remove ${step.remaining.length} ${what} (${waited}s since the taint)`;
        await record({
          action: 'heal.wait',
          outcome: 'progressing',
          reason,
          details: { remaining: step.remaining.slice(0, 20) },
        });
        await lookAgain(step.recheckAfterSeconds);
        return { outcome: 'progressing' as const, waitingFor: what };
      }
      case 'fenced':
        return fenced(deps, heal, look, at, patch);
    }
  }
  // Every step above either continues after acting or returns; six passes means the node keeps changing.
  await lookAgain(deps.settings.fence.recheckSeconds);
  return { outcome: 'progressing' as const };
};

type Patch = (p: Omit<HealPatch, 'updatedAt'>) => Promise<boolean>;

const podsGone = async (deps: HealDeps, heal: NodeHeal, look: Look, at: NodeAt, patch: Patch) => {
  const now = deps.now();
  await patch({ podsGoneAt: now.toISOString() });
  const took = seconds(heal.taintedAt, now);
  await recordHealStep(deps, look.cause, at, {
    action: 'heal.pods',
    outcome: 'succeeded',
    reason: `the pod GC removed every pod of ${at.node}${took === undefined ? '' : ` ${took}s after the taint`}`,
    details: { secondsAfterTaint: took },
  });
};

const fenced = async (deps: HealDeps, heal: NodeHeal, look: Look, at: NodeAt, patch: Patch) => {
  if (!heal.podsGoneAt) await podsGone(deps, heal, look, at, patch);
  const now = deps.now();
  const iso = now.toISOString();
  const moved = await deps.store.heals.advance(heal, ['fencing'], 'fenced', {
    attachmentsGoneAt: iso,
    fencedAt: iso,
    updatedAt: iso,
  });
  if (!moved) return { outcome: 'superseded' as const };
  const details = {
    secondsToFence: seconds(heal.fencingAt ?? heal.suspectedAt, now),
    podsGoneSecondsAfterTaint: seconds(heal.taintedAt, heal.podsGoneAt ? new Date(heal.podsGoneAt) : now),
    attachmentsGoneSecondsAfterTaint: seconds(heal.taintedAt, now),
  };
  await recordHealStep(deps, look.cause, at, {
    action: 'heal.fenced',
    outcome: 'succeeded',
    reason: `node ${at.node} is fenced: cordoned, out-of-service, no pod or VolumeAttachment left`,
    details,
  });
  return { outcome: 'succeeded' as const, details };
};

/**
 * The node is not lost after all (it came back while fencing waited for a person or a look): nothing was
 * tainted yet. A cordon of capstan's is undone through recovery (after its stabilization period); with none,
 * the heal just ends.
 */
const standDown = async (
  deps: HealDeps,
  cluster: Cluster,
  gateway: KubeGateway,
  heal: NodeHeal,
  look: Look,
  reason: string,
  code: NotLostCode,
) => {
  const at: NodeAt = { cluster: cluster.name, environment: cluster.environment, node: heal.node };
  const now = deps.now().toISOString();
  if (heal.cordonedByCapstan) {
    await deps.store.heals.advance(heal, ['fencing'], 'recovering', { recoveredAt: now, updatedAt: now });
    await recordHealStep(deps, look.cause, at, {
      action: 'heal.fence',
      outcome: 'skipped',
      code: 'node-returned',
      reason: `${reason}: not fenced; capstan's cordon is undone once the node is stable`,
    });
    return recover(deps, cluster, gateway, heal.node, look);
  }
  await deps.store.heals.advance(heal, ['fencing'], 'cancelled', { updatedAt: now });
  await recordHealStep(deps, look.cause, at, {
    action: 'heal.fence',
    outcome: 'skipped',
    code: 'node-returned',
    reason: `${reason}: left alone (${code})`,
  });
  return { outcome: 'skipped' as const, code: 'node-returned' as const };
};
