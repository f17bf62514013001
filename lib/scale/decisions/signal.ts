import type { HpaThresholdHitData } from '../../../events/hpa-threshold-hit.ts';
import type { Autoscaling } from '../../apps/autoscaling.ts';
import type { ScalingSignal, ScalingSpec } from './override.ts';

/**
 * What an alert asks of the override. "Maxed out" and "CPU high" firing ask for room; the same alerts
 * resolved, or "CPU low" firing, say the load is gone. `KubeHpaReplicasMismatch` says the HPA has not
 * reached the replicas it wants (pods pending, a quota): a higher ceiling would not help, so it is recorded
 * and left alone.
 */
export const signalOf = (
  data: Pick<HpaThresholdHitData, 'signal' | 'status'>,
): { signal: ScalingSignal } | { ignore: string } => {
  if (data.signal === 'replicas-mismatch') {
    return {
      ignore:
        'replicas-mismatch: the HPA has not reached the replicas it wants (pending pods, a quota); a higher ceiling would not help',
    };
  }
  if (data.signal === 'cpu-low') return { signal: data.status === 'firing' ? 'resolved' : 'firing' };
  return { signal: data.status };
};

/** The override's bounds from the app's autoscaling block: put back to `max`, raised at most to `burstMax`. */
export const scalingSpecOf = (a: Autoscaling): ScalingSpec => ({
  min: a.min,
  max: a.max,
  burstMax: a.burstMax ?? a.max,
  ...(a.burstStep !== undefined ? { burstStep: a.burstStep } : {}),
  burstForSeconds: a.burstFor,
  cooldownSeconds: a.cooldown,
});
