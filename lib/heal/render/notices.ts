import type { OpsNotifyData, OpsNotifyWhat } from '../../../events/index.ts';

/** A step of healing as the history records it (lib/heal/use-cases/record.ts). */
export interface HealStepFacts {
  readonly action: string;
  readonly outcome: string;
  readonly code?: string;
  readonly reason?: string;
}

/** Where the step happened and when, and the event it answered. */
export interface HealStepPlace {
  readonly cluster: string;
  readonly environment?: string;
  readonly node: string;
  readonly image?: string;
  readonly at: string;
  readonly cause: string;
}

/**
 * The steps of healing people are told of: a lost node left alone (observe mode) or waiting for a person,
 * fenced, not fenceable, back before it was fenced, restored, deleted while healed; an image freed or refused. The many steps in
 * between (cordon, taint, each wait) stay in the history.
 */
const TOLD: readonly { action: string; outcome: string; code?: string; what: OpsNotifyWhat }[] = [
  { action: 'heal.start', outcome: 'skipped', code: 'observe-mode', what: 'node-lost' },
  { action: 'heal.start', outcome: 'pending', code: 'awaiting-approval', what: 'node-awaiting-approval' },
  { action: 'heal.fenced', outcome: 'succeeded', what: 'node-fenced' },
  { action: 'heal.fence', outcome: 'failed', what: 'node-fence-failed' },
  { action: 'heal.recover', outcome: 'skipped', code: 'node-returned', what: 'node-returned' },
  { action: 'heal.fence', outcome: 'skipped', code: 'node-returned', what: 'node-returned' },
  { action: 'heal.restored', outcome: 'succeeded', what: 'node-restored' },
  { action: 'heal.end', outcome: 'skipped', code: 'node-absent', what: 'node-deleted' },
  { action: 'heal.fence', outcome: 'skipped', code: 'node-absent', what: 'node-deleted' },
  { action: 'heal.recover', outcome: 'skipped', code: 'node-absent', what: 'node-deleted' },
  { action: 'rbd.free', outcome: 'succeeded', what: 'image-freed' },
  { action: 'rbd.verdict', outcome: 'refused', what: 'image-not-freed' },
];

export const healNotice = (step: HealStepFacts, place: HealStepPlace): OpsNotifyData | undefined => {
  const told = TOLD.find(
    (t) => t.action === step.action && t.outcome === step.outcome && (t.code === undefined || t.code === step.code),
  );
  if (!told) return undefined;
  return {
    what: told.what,
    ...(place.environment ? { environment: place.environment } : {}),
    cluster: place.cluster,
    node: place.node,
    ...(place.image ? { image: place.image } : {}),
    ...(step.code ? { code: step.code } : {}),
    reason: (step.reason ?? step.action).slice(0, 2000),
    at: place.at,
    cause: place.cause,
  };
};
