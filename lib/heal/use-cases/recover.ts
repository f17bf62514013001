import { hasOutOfServiceTaint, OUT_OF_SERVICE_TAINT } from '../decisions/fencing.ts';
import { recoveryStep } from '../decisions/recovery.ts';
import type { HealDeps } from '../ports.ts';
import { healCheck } from '../render/events.ts';
import { keepBlock } from './blocked.ts';
import { type Look, type NodeContext, recordHealStep, secondsSince } from './record.ts';
import { unblock } from './unblock.ts';

/**
 * Carries recovery of a heal in phase `recovering` on (../decisions/recovery.ts): once the node is back and
 * stable, remove the out-of-service taint when nothing references the node any more, uncordon it only if
 * capstan cordoned it, and end the heal. A node that goes down again meanwhile is not back: a fenced one
 * stays fenced and waits for its next return; one that was not fenced yet goes back to fencing, which
 * proves it lost again before it acts.
 */
export const recover = async (deps: HealDeps, ctx: NodeContext, look: Look) => {
  const { cluster, gateway, node } = ctx;
  const key = { cluster: cluster.name, node };
  const record = (step: Parameters<typeof recordHealStep>[3]) => recordHealStep(deps, look.cause, ctx.at, step);
  const lookAgain = (step: 'recover' | 'fence', delaySeconds = 0) =>
    deps.enqueue(healCheck(cluster.name, node, look.origin, look.attempt + 1, deps.now(), step), { delaySeconds });

  for (let steps = 0; steps < 4; steps++) {
    const heal = await deps.store.heals.get(cluster.name, node);
    if (heal?.phase !== 'recovering') return { outcome: 'superseded' as const, phase: heal?.phase };
    const live = await gateway.readNode(node);
    const now = deps.now();
    const iso = now.toISOString();
    if (!live) {
      await deps.store.heals.advance(key, ['recovering'], 'cancelled', { updatedAt: iso });
      await record({
        action: 'heal.recover',
        outcome: 'skipped',
        code: 'node-absent',
        reason: `node ${node} was deleted`,
      });
      await keepBlock(deps, ctx, heal, look);
      return { outcome: 'skipped' as const, code: 'node-absent' as const };
    }
    const tainted = hasOutOfServiceTaint(live);
    // A block freeing left is lifted only once nothing references the node, even if a person took the
    // taint off already: its old pods may still be there.
    const lifting = heal.blocked !== undefined && heal.unblockedAt === undefined;
    const [pods, attachments] =
      tainted || lifting
        ? await Promise.all([gateway.listPodsOnNode(node), gateway.listVolumeAttachments(node)])
        : [[], []];
    const step = recoveryStep(
      { now, node: live, pods, attachments, cordonedByCapstan: heal.cordonedByCapstan },
      deps.settings.recovery,
    );
    // Back, stable, and nothing references it: what freeing its images blocked is lifted first.
    const settling = step.next !== 'not-back' && step.next !== 'wait-references';
    if (lifting && settling && (pods.length > 0 || attachments.length > 0)) {
      await deps.store.heals.advance(key, ['recovering'], 'recovering', { updatedAt: iso });
      const refs = pods.length + attachments.length;
      await record({
        action: 'heal.recover',
        outcome: 'progressing',
        reason: `waiting for ${refs} references to ${node} to go before lifting its block from Ceph`,
      });
      await lookAgain('recover', deps.settings.recovery.recheckSeconds);
      return { outcome: 'progressing' as const };
    }
    if (
      step.next !== 'not-back' &&
      step.next !== 'wait-references' &&
      (await unblock(deps, ctx, heal, look)) === 'waiting'
    ) {
      await deps.store.heals.advance(key, ['recovering'], 'recovering', { updatedAt: iso });
      await record({
        action: 'heal.recover',
        outcome: 'progressing',
        reason: `waiting for csi-addons to unfence ${node}`,
      });
      await lookAgain('recover', deps.settings.recovery.recheckSeconds);
      return { outcome: 'progressing' as const };
    }
    switch (step.next) {
      case 'not-back': {
        if (live.ready !== 'True') {
          const to = heal.fencedAt ? 'fenced' : 'fencing';
          if (!(await deps.store.heals.advance(key, ['recovering'], to, { updatedAt: iso }))) {
            return { outcome: 'superseded' as const };
          }
          await record({
            action: 'heal.recover',
            outcome: 'skipped',
            code: 'not-back',
            reason: `${step.reason}: ${to} again`,
          });
          if (to === 'fencing') await lookAgain('fence');
          return { outcome: 'skipped' as const, code: 'not-back' as const };
        }
        // Ready, not yet stable: wait it out (noted on the heal, so the sweep sees this chain is alive).
        await deps.store.heals.advance(key, ['recovering'], 'recovering', { updatedAt: iso });
        await record({ action: 'heal.recover', outcome: 'progressing', reason: step.reason });
        await lookAgain('recover', step.recheckAfterSeconds);
        return { outcome: 'progressing' as const };
      }
      case 'wait-references': {
        await deps.store.heals.advance(key, ['recovering'], 'recovering', { updatedAt: iso });
        const reason = `waiting for ${step.remaining.length} references to ${node} to go: ${step.remaining.slice(0, 5).join(', ')}`;
        await record({ action: 'heal.recover', outcome: 'progressing', reason });
        await lookAgain('recover', step.recheckAfterSeconds);
        return { outcome: 'progressing' as const };
      }
      case 'untaint': {
        const change = await gateway.removeTaint(node, OUT_OF_SERVICE_TAINT);
        await record({
          action: 'heal.untaint',
          outcome: change === 'changed' ? 'configured' : 'unchanged',
          reason: `removed ${OUT_OF_SERVICE_TAINT.key} from ${node}`,
        });
        continue;
      }
      case 'uncordon': {
        const change = await gateway.uncordon(node);
        await record({
          action: 'heal.uncordon',
          outcome: change === 'changed' ? 'configured' : 'unchanged',
          reason: `uncordoned ${node} (capstan had cordoned it)`,
        });
        continue;
      }
      case 'restored': {
        const moved = await deps.store.heals.advance(key, ['recovering'], 'restored', {
          restoredAt: iso,
          updatedAt: iso,
        });
        if (!moved) return { outcome: 'superseded' as const };
        const details = {
          keptCordoned: step.keptCordoned,
          secondsHealing: secondsSince(heal.suspectedAt, now),
          secondsToRestore: secondsSince(heal.recoveredAt, now),
        };
        const kept = step.keptCordoned ? '; it stays cordoned, as someone other than capstan cordoned it' : '';
        await record({
          action: 'heal.restored',
          outcome: 'succeeded',
          reason: `node ${node} is restored${kept}`,
          details,
        });
        return { outcome: 'succeeded' as const, details };
      }
    }
  }
  await lookAgain('recover', deps.settings.recovery.recheckSeconds);
  return { outcome: 'progressing' as const };
};
