import type { KubeGateway } from '../../kube/gateway.ts';
import type { ReasonCode } from '../../reasons.ts';
import type { Cluster } from '../../store/clusters.ts';
import type { NodeHeal } from '../../store/heals.ts';
import type { ImageHeal, ImageKey, ImagePatch } from '../../store/image-heals.ts';
import type { HealDeps } from '../ports.ts';
import { healCheck } from '../render/events.ts';
import { type Cause, type Look, recordHealStep, type StepResult } from './record.ts';

// What every step of freeing an image shares (./free-image.ts, ./free-ceph.ts, ./free-fence.ts): where it
// is, how it records itself, looks again, and ends.

/** One look at freeing one image: the holder node's context, the image, its record's key. */
export interface ImageContext {
  readonly cluster: Cluster;
  readonly gateway: KubeGateway;
  readonly node: string;
  readonly key: ImageKey;
  readonly at: {
    readonly cluster: string;
    readonly environment: string;
    readonly node: string;
    readonly image: string;
  };
}

export const imageName = (key: ImageKey) => `${key.pool}/${key.image}`;

export const imageContext = (cluster: Cluster, gateway: KubeGateway, node: string, key: ImageKey): ImageContext => ({
  cluster,
  gateway,
  node,
  key,
  at: { cluster: cluster.name, environment: cluster.environment, node, image: imageName(key) },
});

/** A step of freeing an image in the history: under `_nodes`, with the holder node and the image. */
export const recordImageStep = (
  deps: Pick<HealDeps, 'store' | 'now' | 'tell'>,
  cause: Cause,
  ctx: Pick<ImageContext, 'at'>,
  step: Parameters<typeof recordHealStep>[3],
) => recordHealStep(deps, cause, ctx.at, step);

/** What acting on a verdict to free needs: the look, the holder's heal, the addresses to block, the record. */
export interface FreeAct {
  readonly deps: HealDeps;
  readonly ctx: ImageContext;
  readonly look: Look;
  readonly heal: NodeHeal;
  /** The lost node's addresses, from its Node: the only ones blocked. */
  readonly block: readonly string[];
  readonly image: ImageHeal;
}

/** The next look at freeing the image (heal.check step `free`). */
export const lookAgain = (deps: HealDeps, ctx: ImageContext, look: Look, delaySeconds: number) =>
  deps.enqueue(healCheck(ctx.cluster.name, ctx.node, look.origin, look.attempt + 1, deps.now(), 'free', ctx.at.image), {
    delaySeconds,
  });

/** Ends the image's record, freed or refused, with the verdict's code and words, and records why. */
export const settle = async (
  deps: HealDeps,
  ctx: ImageContext,
  look: Look,
  to: 'freed' | 'refused',
  code: ReasonCode | undefined,
  reason: string,
  details?: Record<string, unknown>,
  patch: Omit<ImagePatch, 'updatedAt'> = {},
): Promise<StepResult> => {
  const now = deps.now().toISOString();
  const when = to === 'freed' ? { freedAt: now } : { refusedAt: now };
  const moved = await deps.store.images.advance(ctx.key, ['waiting'], to, {
    ...patch,
    ...when,
    ...(code ? { code } : {}),
    reason,
    updatedAt: now,
  });
  if (!moved) return { outcome: 'superseded' };
  await recordImageStep(deps, look.cause, ctx, {
    action: to === 'freed' ? 'rbd.free' : 'rbd.verdict',
    outcome: to === 'freed' ? 'succeeded' : 'refused',
    ...(code ? { code } : {}),
    reason,
    ...(details ? { details } : {}),
  });
  return { outcome: to === 'freed' ? 'succeeded' : 'refused', ...(code ? { code } : {}) };
};
