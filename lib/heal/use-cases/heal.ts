import type { HealCheck, NodeLost, NodeRecovered } from '../../../events/index.ts';
import { NotFoundError } from '../../errors.ts';
import type { KubeGateway } from '../../kube/gateway.ts';
import type { Cluster } from '../../store/clusters.ts';
import { isActiveHeal } from '../../store/ports.ts';
import type { HealDeps } from '../ports.ts';
import { fence } from './fence.ts';
import { withNodeLease } from './lease.ts';
import { prove } from './prove.ts';
import { type Cause, type NodeAt, recordHealStep } from './record.ts';
import { recover } from './recover.ts';
import { returned } from './returned.ts';

export type HealEvent = NodeLost | NodeRecovered | HealCheck;

type StepResult = { readonly outcome: string; readonly phase?: string };

/**
 * One step of healing one node, under the node's lease: a candidate is proven lost or not (./prove.ts),
 * fencing and recovery carry on by delayed looks (./fence.ts, ./recover.ts), a return ends or undoes a heal
 * (./returned.ts). Every step reads the cluster fresh; what an event says is a candidate, never proof.
 */
export const heal = async (event: HealEvent, deps: HealDeps): Promise<unknown> => {
  const cause: Cause = { id: event.id, type: event.type, time: event.time };
  const name = event.data.cluster;
  const cluster = await deps.store.clusters.get(name).catch((error: unknown) => {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  });
  const unknownAt: NodeAt = { cluster: name, node: nodeNamed(event) ?? '-' };
  if (!cluster) {
    const reason = `cluster ${name} is not registered: nothing is read or done`;
    await recordHealStep(deps, cause, unknownAt, {
      action: 'heal.prove',
      outcome: 'skipped',
      code: 'not-found',
      reason,
    });
    return { outcome: 'skipped', code: 'not-found' };
  }
  const gateway = await deps.kube(cluster);
  const node = nodeNamed(event) ?? (await nodeOfPod(deps, cluster, gateway, event as NodeLost, cause));
  if (node === undefined) return { outcome: 'skipped', code: 'not-found' };

  const at: NodeAt = { cluster: name, environment: cluster.environment, node };
  const result = await withNodeLease(deps, { cluster: name, node }, event.id, () =>
    step(deps, cluster, gateway, node, event, cause),
  );
  if (result.outcome === 'superseded') {
    // A look whose heal moved on (another event, a person) does nothing, and says so.
    const reason = `the heal of ${node} moved on (${result.phase ?? 'no heal'}): this look does nothing`;
    await recordHealStep(deps, cause, at, { action: 'heal.check', outcome: 'superseded', code: 'settled', reason });
  }
  return result;
};

const step = async (
  deps: HealDeps,
  cluster: Cluster,
  gateway: KubeGateway,
  node: string,
  event: HealEvent,
  cause: Cause,
): Promise<StepResult> => {
  if (event.type === 'node.lost') return prove(deps, cluster, gateway, node, { cause, origin: event.id, attempt: 0 });
  if (event.type === 'node.recovered') {
    return returned(deps, cluster, gateway, node, { cause, origin: event.id, attempt: 0 });
  }
  const look = { cause, origin: event.data.cause, attempt: event.data.attempt };
  switch (event.data.step) {
    case 'prove': {
      // A later look at a candidate: moot once a heal is under way (another event proved it).
      const current = await deps.store.heals.get(cluster.name, node);
      if (current && isActiveHeal(current.phase)) return { outcome: 'superseded', phase: current.phase };
      return prove(deps, cluster, gateway, node, look);
    }
    case 'fence':
      return fence(deps, cluster, gateway, node, look);
    case 'recover':
      return recover(deps, cluster, gateway, node, look);
  }
};

const nodeNamed = (event: HealEvent): string | undefined => event.data.node;

/** The node a pod's NodeNotReady is about: the one the pod is bound to, read fresh. */
const nodeOfPod = async (
  deps: HealDeps,
  cluster: Cluster,
  gateway: KubeGateway,
  event: NodeLost,
  cause: Cause,
): Promise<string | undefined> => {
  const ref = event.data.pod;
  const pod = ref ? await gateway.readPod(ref.namespace, ref.name) : undefined;
  if (pod?.node) return pod.node;
  const what = ref ? `pod ${ref.namespace}/${ref.name}` : 'the candidate';
  const reason = `${what} ${pod ? 'is bound to no node' : 'does not exist'}: no node to look at`;
  const at: NodeAt = { cluster: cluster.name, environment: cluster.environment, node: '-' };
  await recordHealStep(deps, cause, at, { action: 'heal.prove', outcome: 'skipped', code: 'not-found', reason });
  return undefined;
};
