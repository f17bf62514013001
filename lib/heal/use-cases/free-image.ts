import type { HealCheck, RbdLockDetected } from '../../../events/index.ts';
import type { KubeGateway } from '../../kube/gateway.ts';
import type { ReasonCode } from '../../reasons.ts';
import type { Cluster } from '../../store/clusters.ts';
import type { NodeHeal } from '../../store/heals.ts';
import { isActiveHeal } from '../../store/ports.ts';
import { type NotFreeCode, WAIT_FOR } from '../decisions/rbd-free.ts';
import type { HealDeps } from '../ports.ts';
import { freeWithCeph } from './free-ceph.ts';
import { freeWithFence } from './free-fence.ts';
import { type ImageContext, imageContext, lookAgain, recordImageStep, settle } from './image-steps.ts';
import { cephOf, judgeImage } from './judge-image.ts';
import { withNodeLease } from './lease.ts';
import { prove } from './prove.ts';
import { holderCandidate, resolveImage } from './rbd-resolve.ts';
import { type Cause, type Look, nodeContext, recordHealStep, type StepResult } from './record.ts';

/**
 * A pod cannot mount its RBD volume (rbd.lock.detected): find the image and its holder from the cluster
 * itself (./rbd-resolve.ts), start one record per image, and look at freeing it under the holder node's
 * lease, the same lease part 1's healing of that node takes.
 */
export const imageDetected = async (
  deps: HealDeps,
  cluster: Cluster,
  gateway: KubeGateway,
  event: RbdLockDetected,
  cause: Cause,
): Promise<StepResult> => {
  const data = event.data;
  const image = data.pool && data.image ? `${data.pool}/${data.image}` : '-';
  const skip = async (code: ReasonCode, reason: string, at = image) => {
    const where = { cluster: cluster.name, environment: cluster.environment, node: '-', image: at };
    await recordHealStep(deps, cause, where, { action: 'rbd.resolve', outcome: 'skipped', code, reason });
    return { outcome: 'skipped', code };
  };
  const resolution = await resolveImage(gateway, data);
  if (!('found' in resolution)) return skip(resolution.code, resolution.reason);
  const found = resolution.found;
  const name = `${found.rbd.pool}/${found.rbd.image}`;
  const key = { cluster: cluster.name, pool: found.rbd.pool, image: found.rbd.image };

  let holder = holderCandidate(found, [], []);
  if (!holder) {
    const ceph = await cephOf(deps, cluster);
    const [nodes, status, heals] = await Promise.all([
      gateway.listNodes(),
      ceph?.imageStatus(found.rbd.pool, found.rbd.image),
      deps.store.heals.list(cluster.name),
    ]);
    const addresses = [...(status?.watchers ?? []), ...(status?.locks ?? [])].map((h) => h.address);
    holder = holderCandidate(found, nodes, addresses, heals);
  }
  const existing = await deps.store.images.get(key);
  const holderNode = existing && existing.phase === 'waiting' ? existing.holderNode : holder?.node;
  if (!holderNode) {
    return skip(
      'holder-unknown',
      `no node but the requester's holds ${name} (no VolumeAttachment, watcher or lock names one)`,
      name,
    );
  }
  const started = await deps.store.images.start({
    ...key,
    persistentVolume: found.persistentVolume,
    holderNode,
    requester: found.requester,
    eventId: event.id,
    detectedAt: deps.now().toISOString(),
  });
  const ctx = imageContext(cluster, gateway, started.record.holderNode, key);
  const evidence = {
    persistentVolume: found.persistentVolume,
    holderFrom: holder?.from ?? 'record',
    requester: found.requester,
  };
  // A redelivery of the event that started the record is that event, not one joining it.
  if (!started.created && started.record.eventId !== event.id) {
    const reason = `${name} is being freed already (since ${started.record.detectedAt}): this event joins it`;
    await recordImageStep(deps, cause, ctx, { action: 'rbd.detect', outcome: 'unchanged', reason, details: evidence });
  } else {
    const reason = `${data.namespace}/${data.pod} cannot mount ${name} (${data.symptom}); held by ${ctx.node}`;
    await recordImageStep(deps, cause, ctx, { action: 'rbd.detect', outcome: 'accepted', reason, details: evidence });
  }
  const look = { cause, origin: started.record.eventId, attempt: 0 };
  return withNodeLease(deps, { cluster: cluster.name, node: ctx.node }, event.id, () => freeStep(deps, ctx, look));
};

/** A delayed look at freeing an image (heal.check step `free`), under the holder node's lease. */
export const imageLook = async (
  deps: HealDeps,
  cluster: Cluster,
  gateway: KubeGateway,
  event: HealCheck,
  cause: Cause,
): Promise<StepResult> => {
  const [pool = '', image = ''] = (event.data.image ?? '').split('/');
  const ctx = imageContext(cluster, gateway, event.data.node, { cluster: cluster.name, pool, image });
  const look = { cause, origin: event.data.cause, attempt: event.data.attempt };
  return withNodeLease(deps, { cluster: cluster.name, node: ctx.node }, event.id, () => freeStep(deps, ctx, look));
};

/**
 * One look: the holder's heal first (proven lost and fenced by part 1, started here if need be), then the
 * pure decision (../decisions/rbd-free.ts) over what is read now, then the act, by the cluster's way.
 */
const freeStep = async (deps: HealDeps, ctx: ImageContext, look: Look): Promise<StepResult> => {
  const record = (step: Parameters<typeof recordHealStep>[3]) => recordImageStep(deps, look.cause, ctx, step);
  const image = await deps.store.images.get(ctx.key);
  if (image?.phase !== 'waiting' || image.holderNode !== ctx.node) {
    return { outcome: 'superseded', phase: image?.phase ?? 'none' };
  }
  const freeing = ctx.cluster.freeing;
  if (!freeing) {
    const reason = `${ctx.cluster.name} registers no way to free RBD images (\`capstan clusters add --ceph-restful\` or \`--network-fence-class\`): ${ctx.at.image} is left to a person`;
    return settle(deps, ctx, look, 'refused', 'no-freeing', reason);
  }

  // The holder's heal: a node nobody is healing yet is proven lost now (part 1 records its own verdict).
  const nodeCtx = nodeContext(ctx.cluster, ctx.gateway, ctx.node);
  const before = await deps.store.heals.get(ctx.cluster.name, ctx.node);
  if (!before || !isActiveHeal(before.phase)) await prove(deps, nodeCtx, look);

  const requester = await ctx.gateway.readPod(image.requester.namespace, image.requester.pod);
  if (!requester) {
    const reason = `pod ${image.requester.namespace}/${image.requester.pod} is gone: nobody waits for ${ctx.at.image}`;
    return settle(deps, ctx, look, 'refused', 'not-found', reason);
  }
  const judged = await judgeImage(
    deps,
    { cluster: ctx.cluster, gateway: ctx.gateway, holder: ctx.node },
    { ...ctx.key, ...(requester.node ? { requesterNode: requester.node } : {}) },
  );
  const { verdict, ceph, heal } = judged;
  const evidence = { ...judged.evidence, attempt: look.attempt };
  if (ceph && !judged.status)
    return settle(deps, ctx, look, 'refused', 'not-found', `Ceph has no image ${ctx.at.image}`);
  if (!verdict.free) {
    if (verdict.code === 'already-free') {
      // Also after a crash between the block and the record: what the heal noted is kept on the image.
      const noted = heal?.blocked ? { via: heal.blocked.via, blocked: heal.blocked.addresses } : {};
      return settle(deps, ctx, look, 'freed', 'already-free', verdict.reason, evidence, noted);
    }
    const mode = heal ? modeVerdict(heal) : undefined;
    if (mode) return notYet(deps, ctx, look, mode.code, mode.reason, evidence);
    return notYet(deps, ctx, look, verdict.code, verdict.reason, evidence);
  }
  // The verdict needs an active heal that fenced the node, so there is one.
  if (!heal) return notYet(deps, ctx, look, 'not-fenced', `no heal of ${ctx.node} is recorded`, evidence);
  await record({ action: 'rbd.verdict', outcome: 'succeeded', reason: verdict.reason, details: evidence });
  const act = { deps, ctx, look, heal, block: verdict.block, image };
  if (freeing.via === 'network-fence') return freeWithFence({ ...act, freeing });
  if (!ceph) throw new Error('unreachable: a cluster that frees through Ceph has a Ceph gateway');
  return freeWithCeph({ ...act, ceph, freeing });
};

/**
 * Why the holder is not fenced, when the reason is its heal's mode or a person: observe mode never fences
 * (refused at once), approve mode waits for `capstan heal approve`, a person's cancel stops it.
 */
const modeVerdict = (
  heal: NodeHeal,
): { code: 'observe-mode' | 'awaiting-approval' | 'cancelled'; reason: string } | undefined => {
  if (heal.phase === 'suspected' && heal.mode === 'observe') {
    return {
      code: 'observe-mode',
      reason: `${heal.node} heals in observe mode: it is never fenced, so nothing is freed`,
    };
  }
  if (heal.phase === 'awaiting-approval') {
    return {
      code: 'awaiting-approval',
      reason: `fencing ${heal.node} waits for \`capstan heal approve ${heal.cluster} ${heal.node}\``,
    };
  }
  if (heal.phase === 'cancelled' && heal.cancelledBy) {
    return { code: 'cancelled', reason: `${heal.cancelledBy} cancelled healing ${heal.node}: nothing is freed` };
  }
  return undefined;
};

/** Not freed now: looked at again if a later look may decide otherwise and looks remain, else refused. */
const notYet = async (
  deps: HealDeps,
  ctx: ImageContext,
  look: Look,
  code: NotFreeCode | 'observe-mode' | 'awaiting-approval' | 'cancelled',
  reason: string,
  details: Record<string, unknown>,
): Promise<StepResult> => {
  const waits = code === 'awaiting-approval' || (WAIT_FOR as readonly string[]).includes(code);
  if (!waits || look.attempt >= deps.settings.maxRechecks) {
    const stop = waits ? `${reason}; no look left (${look.attempt} looks)` : reason;
    return settle(deps, ctx, look, 'refused', code, stop, details);
  }
  const after =
    code === 'storm' || code === 'zone-storm'
      ? deps.settings.fence.recheckSeconds * 6
      : deps.settings.fence.recheckSeconds;
  const now = deps.now().toISOString();
  await deps.store.images.advance(ctx.key, ['waiting'], 'waiting', { code, reason, updatedAt: now });
  await recordImageStep(deps, look.cause, ctx, {
    action: 'rbd.verdict',
    outcome: 'skipped',
    code,
    reason: `${reason}; looking again in ${after}s`,
    details,
  });
  await lookAgain(deps, ctx, look, after);
  return { outcome: 'skipped', code };
};
