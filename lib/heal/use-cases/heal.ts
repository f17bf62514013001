import type { HealCheck, NodeLost, NodeRecovered, RbdLockDetected } from '../../../events/index.ts';
import { NotFoundError } from '../../errors.ts';
import type { KubeGateway } from '../../kube/gateway.ts';
import type { Cluster } from '../../store/clusters.ts';
import type { HealDeps } from '../ports.ts';
import type { StepResult } from './carry-on.ts';
import { fence } from './fence.ts';
import { imageDetected, imageLook } from './free-image.ts';
import { withNodeLease } from './lease.ts';
import { prove } from './prove.ts';
import { type Cause, type NodeAt, type NodeContext, nodeContext, recordHealStep } from './record.ts';
import { recover } from './recover.ts';
import { returned } from './returned.ts';

export type HealEvent = NodeLost | NodeRecovered | HealCheck | RbdLockDetected;
type NodeEvent = Exclude<HealEvent, RbdLockDetected>;

/**
 * One step of healing one node, under the node's lease: a candidate is proven lost or not (./prove.ts),
 * fencing and recovery carry on by delayed looks (./fence.ts, ./recover.ts), a return ends or undoes a heal
 * (./returned.ts). Every step reads the cluster fresh; what an event says is a candidate, never proof.
 * An RBD image a lost node holds is freed by ./free-image.ts, under the same lease of the holder node.
 */
export const heal = async (event: HealEvent, deps: HealDeps): Promise<unknown> => {
  const cause: Cause = { id: event.id, type: event.type, time: event.time };
  const name = event.data.cluster;
  const cluster = await deps.store.clusters.get(name).catch((error: unknown) => {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  });
  if (!cluster) {
    const reason = `cluster ${name} is not registered: nothing is read or done`;
    const at: NodeAt = { cluster: name, node: ('node' in event.data && event.data.node) || '-' };
    await recordHealStep(deps, cause, at, { action: 'heal.prove', outcome: 'skipped', code: 'not-found', reason });
    return { outcome: 'skipped', code: 'not-found' };
  }
  const gateway = await deps.kube(cluster);
  if (event.type === 'rbd.lock.detected') return imageDetected(deps, cluster, gateway, event, cause);
  if (event.type === 'heal.check' && event.data.step === 'free') return imageLook(deps, cluster, gateway, event, cause);
  const node = event.data.node ?? (await nodeOfPod(deps, cluster, gateway, event as NodeLost, cause));
  if (node === undefined) return { outcome: 'skipped', code: 'not-found' };

  const ctx = nodeContext(cluster, gateway, node);
  const result = await withNodeLease(deps, { cluster: name, node }, event.id, () => step(deps, ctx, event, cause));
  if (result.outcome === 'superseded') {
    // A look whose heal moved on (another event, a person) does nothing, and says so.
    const reason = `the heal of ${node} moved on (${result.phase ?? 'no heal'}): this look does nothing`;
    await recordHealStep(deps, cause, ctx.at, { action: 'heal.check', outcome: 'superseded', code: 'settled', reason });
  }
  return result;
};

const step = async (deps: HealDeps, ctx: NodeContext, event: NodeEvent, cause: Cause): Promise<StepResult> => {
  if (event.type === 'node.lost') return prove(deps, ctx, { cause, origin: event.id, attempt: 0 });
  if (event.type === 'node.recovered') return returned(deps, ctx, { cause, origin: event.id, attempt: 0 });
  const look = { cause, origin: event.data.cause, attempt: event.data.attempt };
  switch (event.data.step) {
    case 'prove':
      return prove(deps, ctx, look);
    case 'fence':
      return fence(deps, ctx, look);
    case 'recover':
      return recover(deps, ctx, look);
    case 'free':
      // Dispatched before the node's step: freeing leases the holder node itself (./free-image.ts).
      return { outcome: 'superseded' };
  }
};

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
