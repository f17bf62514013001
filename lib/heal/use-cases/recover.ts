import type { KubeGateway } from '../../kube/gateway.ts';
import type { Cluster } from '../../store/clusters.ts';
import { hasOutOfServiceTaint, OUT_OF_SERVICE_TAINT } from '../decisions/fencing.ts';
import { recoveryStep } from '../decisions/recovery.ts';
import type { HealDeps } from '../ports.ts';
import { healCheck } from '../render/events.ts';
import { type Look, type NodeAt, recordHealStep } from './record.ts';

const seconds = (from: string | undefined, to: Date) =>
  from === undefined ? undefined : Math.max(0, Math.round((to.getTime() - Date.parse(from)) / 1000));

/**
 * Carries recovery of a heal in phase `recovering` on (../decisions/recovery.ts): once the node is back and
 * stable, remove the out-of-service taint when nothing references the node any more, uncordon it only if
 * capstan cordoned it, and end the heal. A node that goes down again while it is being restored is fenced
 * still (its taint is on): the heal goes back to `fenced` and waits for the next return.
 */
export const recover = async (deps: HealDeps, cluster: Cluster, gateway: KubeGateway, node: string, look: Look) => {
  const at: NodeAt = { cluster: cluster.name, environment: cluster.environment, node };
  const key = { cluster: cluster.name, node };
  const record = (step: Parameters<typeof recordHealStep>[3]) => recordHealStep(deps, look.cause, at, step);
  const lookAgain = async (delaySeconds: number) =>
    deps.enqueue(healCheck(cluster.name, node, look.origin, look.attempt + 1, deps.now(), 'recover'), {
      delaySeconds,
    });

  for (let steps = 0; steps < 4; steps++) {
    const heal = await deps.store.heals.get(cluster.name, node);
    if (heal?.phase !== 'recovering') return { outcome: 'superseded' as const, phase: heal?.phase };
    const live = await gateway.readNode(node);
    const now = deps.now();
    if (!live) {
      await deps.store.heals.advance(key, ['recovering'], 'cancelled', { updatedAt: now.toISOString() });
      await record({
        action: 'heal.recover',
        outcome: 'skipped',
        code: 'node-absent',
        reason: `node ${node} was deleted`,
      });
      return { outcome: 'skipped' as const, code: 'node-absent' as const };
    }
    const tainted = hasOutOfServiceTaint(live);
    const [pods, attachments] = tainted
      ? await Promise.all([gateway.listPodsOnNode(node), gateway.listVolumeAttachments(node)])
      : [[], []];
    const step = recoveryStep(
      { now, node: live, pods, attachments, cordonedByCapstan: heal.cordonedByCapstan },
      deps.settings.recovery,
    );
    switch (step.next) {
      case 'not-back': {
        if (live.ready !== 'True' && tainted) {
          // Down again: still fenced. The sweep sends the next node.recovered when Ready changes again.
          await deps.store.heals.advance(key, ['recovering'], 'fenced', { updatedAt: now.toISOString() });
          await record({ action: 'heal.recover', outcome: 'skipped', reason: `${step.reason}: still fenced` });
          return { outcome: 'skipped' as const };
        }
        await record({ action: 'heal.recover', outcome: 'progressing', reason: step.reason });
        await lookAgain(step.recheckAfterSeconds);
        return { outcome: 'progressing' as const };
      }
      case 'wait-references': {
        const reason = `waiting for ${step.remaining.length} references to ${node} to go: ${step.remaining.slice(0, 5).join(', ')}`;
        await record({ action: 'heal.recover', outcome: 'progressing', reason });
        await lookAgain(step.recheckAfterSeconds);
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
        const iso = now.toISOString();
        const moved = await deps.store.heals.advance(key, ['recovering'], 'restored', {
          restoredAt: iso,
          updatedAt: iso,
        });
        if (!moved) return { outcome: 'superseded' as const };
        const details = {
          keptCordoned: step.keptCordoned,
          secondsHealing: seconds(heal.suspectedAt, now),
          secondsToRestore: seconds(heal.recoveredAt, now),
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
  await lookAgain(deps.settings.recovery.recheckSeconds);
  return { outcome: 'progressing' as const };
};
