import type { V1Deployment } from '@kubernetes/client-node';
import type { ReplicaCounts } from '../../store/releases.ts';
import { REVISION_ANNOTATION } from '../render/manifests.ts';
import type { RolloutTiming } from '../settings.ts';

export type RolloutVerdict =
  | { readonly state: 'progressing'; readonly message: string }
  | { readonly state: 'ready'; readonly message: string }
  | { readonly state: 'failed'; readonly message: string };

/**
 * Where a Deployment's rollout stands, by the same rules as `kubectl rollout status`: the controller has
 * seen the latest spec, every replica is updated and available, no old replica is left, and the
 * progress deadline has not been exceeded.
 */
export const rolloutStatus = (d: V1Deployment): RolloutVerdict => {
  const generation = d.metadata?.generation ?? 0;
  const status = d.status ?? {};
  if ((status.observedGeneration ?? 0) < generation) {
    return { state: 'progressing', message: 'waiting for the deployment spec update to be observed' };
  }
  const progressing = status.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return { state: 'failed', message: `progress deadline exceeded: ${progressing.message ?? ''}`.trim() };
  }
  const want = d.spec?.replicas ?? 1;
  const updated = status.updatedReplicas ?? 0;
  const total = status.replicas ?? 0;
  const available = status.availableReplicas ?? 0;
  if (updated < want) return { state: 'progressing', message: `${updated} of ${want} new replicas updated` };
  if (total > updated) return { state: 'progressing', message: `${total - updated} old replicas pending termination` };
  if (available < updated)
    return { state: 'progressing', message: `${available} of ${updated} updated replicas available` };
  return { state: 'ready', message: `${available} of ${want} replicas available` };
};

/**
 * A Deployment's replicas for the dashboard's old/new: `old` is what runs an older template, never below 0.
 * A status the controller wrote before it saw the latest spec counts the previous template as updated, so
 * until it catches up every replica is old and none is updated. Negative numbers (never sent by a
 * kube-apiserver) are read as 0: the table's schema refuses them, and would refuse the whole release with them.
 */
export const replicaCounts = (d: V1Deployment): ReplicaCounts => {
  const status = d.status ?? {};
  const count = (n: number | undefined) => Math.max(0, n ?? 0);
  const observed = (status.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
  const total = count(status.replicas);
  const updated = observed ? count(status.updatedReplicas) : 0;
  return {
    desired: count(d.spec?.replicas ?? 1),
    updated,
    available: count(status.availableReplicas),
    old: Math.max(0, total - updated),
  };
};

/** What a rollout.check asks about: the release it watches on one cluster, and until when. */
export interface RolloutCheckState {
  readonly revision: number;
  readonly attempt: number;
  readonly deadline: string;
}

export type CheckVerdict =
  | { readonly next: 'superseded'; readonly reason: string }
  /** `message` and `replicas`: how far it got, for the cluster's entry while it waits. */
  | {
      readonly next: 'check-again';
      readonly delaySeconds: number;
      readonly message: string;
      readonly replicas: ReplicaCounts;
    }
  | {
      readonly next: 'settle';
      readonly rollout: 'ready' | 'failed';
      readonly code?: 'rollout-failed' | 'rollout-timeout';
      readonly message: string;
      readonly replicas: ReplicaCounts;
    };

/**
 * One look at a Deployment -> the cluster's part of the release is settled (ready or failed, a timeout
 * being a failure), or is checked again after a backoff (doubling from the first delay, capped), or the
 * cluster already runs a newer release. As cluster-api's needsRemediation does: a verdict and when to look next.
 */
export const checkVerdict = (
  deployment: V1Deployment,
  check: RolloutCheckState,
  now: Date,
  timing: RolloutTiming,
): CheckVerdict => {
  const running = Number(deployment.metadata?.annotations?.[REVISION_ANNOTATION] ?? 0);
  if (running > check.revision)
    return { next: 'superseded', reason: `superseded: the cluster runs release #${running}` };
  const verdict = rolloutStatus(deployment);
  const replicas = replicaCounts(deployment);
  const timedOut = verdict.state === 'progressing' && now.getTime() >= Date.parse(check.deadline);
  if (verdict.state === 'progressing' && !timedOut) {
    const delaySeconds = Math.min(timing.maxCheckIntervalSeconds, timing.firstCheckSeconds * 2 ** check.attempt);
    return { next: 'check-again', delaySeconds, message: verdict.message, replicas };
  }
  if (verdict.state === 'ready') return { next: 'settle', rollout: 'ready', message: verdict.message, replicas };
  return timedOut
    ? {
        next: 'settle',
        rollout: 'failed',
        code: 'rollout-timeout',
        message: `timed out after waiting until ${check.deadline}: ${verdict.message}`,
        replicas,
      }
    : { next: 'settle', rollout: 'failed', code: 'rollout-failed', message: verdict.message, replicas };
};
