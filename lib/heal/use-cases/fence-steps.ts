import type { NodeView } from '../../kube/nodes.ts';
import type { HealPatch, NodeHeal } from '../../store/heals.ts';
import { OUT_OF_SERVICE_TAINT } from '../decisions/fencing.ts';
import type { HealDeps } from '../ports.ts';
import { type Look, type NodeContext, recordHealStep, secondsSince } from './record.ts';

type Patch = (p: Omit<HealPatch, 'updatedAt'>) => Promise<boolean>;

/** When the out-of-service taint was added, as the node says (NoExecute taints carry timeAdded). */
export const taintTime = (node: NodeView): string | undefined =>
  node.taints.find((t) => t.key === OUT_OF_SERVICE_TAINT.key && t.effect === OUT_OF_SERVICE_TAINT.effect)?.timeAdded;

/** The pod GC has removed every pod of the node: when, and how long after the taint. */
export const podsGone = async (deps: HealDeps, heal: NodeHeal, look: Look, ctx: NodeContext, patch: Patch) => {
  const now = deps.now();
  await patch({ podsGoneAt: now.toISOString() });
  const took = secondsSince(heal.taintedAt, now);
  await recordHealStep(deps, look.cause, ctx.at, {
    action: 'heal.pods',
    outcome: 'succeeded',
    reason: `the pod GC removed every pod of ${ctx.node}${took === undefined ? '' : ` ${took}s after the taint`}`,
    details: { secondsAfterTaint: took },
  });
};

/** Nothing references the node any more: fenced, with how long each part took. */
export const fenced = async (deps: HealDeps, heal: NodeHeal, look: Look, ctx: NodeContext, patch: Patch) => {
  if (!heal.podsGoneAt) await podsGone(deps, heal, look, ctx, patch);
  const now = deps.now();
  const iso = now.toISOString();
  const moved = await deps.store.heals.advance(heal, ['fencing'], 'fenced', {
    attachmentsGoneAt: iso,
    fencedAt: iso,
    updatedAt: iso,
  });
  if (!moved) return { outcome: 'superseded' as const };
  const details = {
    secondsToFence: secondsSince(heal.fencingAt ?? heal.suspectedAt, now),
    podsGoneSecondsAfterTaint: secondsSince(heal.taintedAt, heal.podsGoneAt ? new Date(heal.podsGoneAt) : now),
    attachmentsGoneSecondsAfterTaint: secondsSince(heal.taintedAt, now),
  };
  await recordHealStep(deps, look.cause, ctx.at, {
    action: 'heal.fenced',
    outcome: 'succeeded',
    reason: `node ${ctx.node} is fenced: cordoned, out-of-service, no pod or VolumeAttachment left`,
    details,
  });
  return { outcome: 'succeeded' as const, details };
};
