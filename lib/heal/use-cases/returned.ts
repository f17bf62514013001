import type { KubeGateway } from '../../kube/gateway.ts';
import type { Cluster } from '../../store/clusters.ts';
import type { HealPhase } from '../../store/heals.ts';
import type { HealDeps } from '../ports.ts';
import { type Look, type NodeAt, recordHealStep } from './record.ts';
import { recover } from './recover.ts';

/** Phases in which nothing was done on the cluster yet: a return just ends the heal. */
const BEFORE_ACTION: readonly HealPhase[] = ['suspected', 'awaiting-approval'];

/**
 * A node being healed is said to be Ready again (the sweep). Before anything was done, the heal ends and
 * the node is left alone, once it is read Ready fresh; once capstan has cordoned or tainted it, recovery
 * takes over (./recover.ts), which waits for the node to be stable before it undoes anything.
 */
export const returned = async (deps: HealDeps, cluster: Cluster, gateway: KubeGateway, node: string, look: Look) => {
  const at: NodeAt = { cluster: cluster.name, environment: cluster.environment, node };
  const heal = await deps.store.heals.get(cluster.name, node);
  const now = deps.now().toISOString();
  if (!heal || heal.phase === 'restored' || heal.phase === 'cancelled') {
    const reason = `node ${node} has no heal under way${heal ? ` (the last one is ${heal.phase})` : ''}`;
    await recordHealStep(deps, look.cause, at, { action: 'heal.recover', outcome: 'skipped', code: 'settled', reason });
    return { outcome: 'skipped' as const, code: 'settled' as const };
  }
  if (heal.phase === 'recovering') {
    const reason = `node ${node} is being restored already`;
    await recordHealStep(deps, look.cause, at, { action: 'heal.recover', outcome: 'unchanged', reason });
    return { outcome: 'unchanged' as const };
  }
  if (BEFORE_ACTION.includes(heal.phase)) {
    const live = await gateway.readNode(node);
    if (live?.ready !== 'True') {
      const reason = `node ${node} is ${live ? live.ready : 'absent'}, not Ready: the heal goes on`;
      await recordHealStep(deps, look.cause, at, {
        action: 'heal.recover',
        outcome: 'skipped',
        code: 'settled',
        reason,
      });
      return { outcome: 'skipped' as const };
    }
    const moved = await deps.store.heals.advance(heal, BEFORE_ACTION, 'cancelled', { updatedAt: now });
    if (!moved) return { outcome: 'superseded' as const };
    const reason = `node ${node} is Ready again before it was fenced (${heal.mode} mode): recorded and left alone`;
    await recordHealStep(deps, look.cause, at, {
      action: 'heal.recover',
      outcome: 'skipped',
      code: 'node-returned',
      reason,
    });
    return { outcome: 'skipped' as const, code: 'node-returned' as const };
  }
  // fencing or fenced: capstan may have cordoned or tainted it.
  const moved = await deps.store.heals.advance(heal, ['fencing', 'fenced'], 'recovering', {
    recoveredAt: now,
    updatedAt: now,
  });
  if (!moved) return { outcome: 'superseded' as const };
  await recordHealStep(deps, look.cause, at, {
    action: 'heal.recover',
    outcome: 'accepted',
    reason: `node ${node} is Ready again: restoring it once it is stable`,
  });
  return recover(deps, cluster, gateway, node, look);
};
