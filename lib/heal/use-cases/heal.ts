import type { HealCheck, NodeLost, NodeRecovered } from '../../../events/index.ts';
import { NotFoundError } from '../../errors.ts';
import { isActiveHeal } from '../../store/ports.ts';
import type { HealDeps } from '../ports.ts';
import { fence } from './fence.ts';
import { withNodeLease } from './lease.ts';
import { prove } from './prove.ts';
import { type Cause, recordHealStep } from './record.ts';
import { recover } from './recover.ts';
import { returned } from './returned.ts';

export type HealEvent = NodeLost | NodeRecovered | HealCheck;

/**
 * One step of healing one node, under the node's lease: a candidate is proven lost or not (./prove.ts),
 * fencing and recovery carry on by delayed looks (./fence.ts, ./recover.ts), a return ends or undoes a heal
 * (./returned.ts). Every step reads the cluster fresh; what an event says is a candidate, never proof.
 */
export const heal = async (event: HealEvent, deps: HealDeps): Promise<unknown> => {
  const { cluster: name, node } = event.data;
  const cause: Cause = { id: event.id, type: event.type, time: event.time };
  const cluster = await deps.store.clusters.get(name).catch((error: unknown) => {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  });
  if (!cluster) {
    const reason = `cluster ${name} is not registered: nothing is read or done`;
    await recordHealStep(
      deps,
      cause,
      { cluster: name, node },
      { action: 'heal.prove', outcome: 'skipped', code: 'not-found', reason },
    );
    return { outcome: 'skipped', code: 'not-found' };
  }
  const gateway = await deps.kube(cluster);
  const at = { cluster: name, environment: cluster.environment, node };
  const result = await withNodeLease(
    deps,
    { cluster: name, node },
    event.id,
    async (): Promise<{ outcome: string; phase?: string }> => {
      if (event.type === 'node.lost')
        return prove(deps, cluster, gateway, node, { cause, origin: event.id, attempt: 0 });
      if (event.type === 'node.recovered')
        return returned(deps, cluster, gateway, node, { cause, origin: event.id, attempt: 0 });
      const look = { cause, origin: event.data.cause, attempt: event.data.attempt };
      switch (event.data.step) {
        case 'prove': {
          // A later look at a candidate: moot once a heal is under way (another event proved it).
          const current = await deps.store.heals.get(name, node);
          if (current && isActiveHeal(current.phase)) return { outcome: 'superseded', phase: current.phase };
          return prove(deps, cluster, gateway, node, look);
        }
        case 'fence':
          return fence(deps, cluster, gateway, node, look);
        case 'recover':
          return recover(deps, cluster, gateway, node, look);
      }
    },
  );
  if (result.outcome === 'superseded') {
    // A look whose heal moved on (another event, a person) does nothing, and says so.
    const reason = `the heal of ${node} moved on (${result.phase ?? 'no heal'}): this look does nothing`;
    await recordHealStep(deps, cause, at, { action: 'heal.check', outcome: 'superseded', code: 'settled', reason });
  }
  return result;
};
