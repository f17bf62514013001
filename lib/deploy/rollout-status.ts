import type { V1Deployment } from '@kubernetes/client-node';

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
