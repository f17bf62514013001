import { demandOf } from '../../deploy/decisions/qos.ts';
import { podRoomIn } from '../../deploy/decisions/quota.ts';
import { ClusterUnavailableError } from '../../errors.ts';
import type { HpaView } from '../../kube/scaling.ts';
import type { ScaleOverride } from '../../store/scale-overrides.ts';
import type { ScalingObservation } from '../decisions/override.ts';
import type { ScaleDeps } from '../ports.ts';
import type { WorkloadContext } from './target.ts';

/** What one step reads fresh before it decides: the ceiling, the replicas, the quota's room, the record. */
export interface Observed {
  readonly seen: ScalingObservation;
  /** The HPA capstan renders for the app (undefined with `hpa: false`). */
  readonly hpa?: HpaView;
  readonly currentReplicas: number;
  readonly record?: ScaleOverride;
}

/** Why a step cannot read what it needs: the workload or its HPA is not in the cluster (not released yet). */
export type Missing = { readonly missing: string };

/**
 * The workload as it is now. The quota's room is counted from the replicas running (their pods are in the
 * quota's `used`), so a raise leaves room for exactly the pods the new ceiling may add. A quota whose usage
 * is not computed yet is retried: its admission turns pods away until it is.
 */
export const observe = async (deps: ScaleDeps, ctx: WorkloadContext): Promise<Observed | Missing> => {
  const { namespace, name } = ctx.key.workload;
  const [deployment, hpa, quotas, record] = await Promise.all([
    ctx.gateway.readDeployment(namespace, name),
    ctx.autoscaling.hpa ? ctx.gateway.readHpa(namespace, ctx.app.name) : undefined,
    ctx.gateway.listResourceQuotas(namespace),
    deps.store.overrides.get(ctx.key),
  ]);
  if (!deployment?.spec) return { missing: `Deployment ${namespace}/${name} is not in cluster ${ctx.cluster.name}` };
  if (ctx.autoscaling.hpa && !hpa) {
    return {
      missing: `HPA ${namespace}/${ctx.app.name} is not in cluster ${ctx.cluster.name} (release the app first)`,
    };
  }
  const currentMax = hpa ? hpa.maxReplicas : (deployment.spec.replicas ?? 1);
  const currentReplicas = hpa ? hpa.currentReplicas : (deployment.status?.replicas ?? currentMax);
  const { room, unknown } = podRoomIn(quotas, demandOf(deployment.spec, { replicas: 1 }));
  if (unknown.length > 0) throw new ClusterUnavailableError(ctx.cluster.name, unknown.join('; '));
  const active = record?.state === 'active' ? record : undefined;
  return {
    seen: {
      now: deps.now(),
      currentMax,
      override: active && { max: active.max, raisedAt: active.raisedAt, expiresAt: active.endsAt },
      ...(record ? { lastChangedAt: record.revertedAt ?? record.raisedAt } : {}),
      // Relative to the ceiling: what may be added above it.
      quotaRoom: room === undefined ? undefined : Math.max(0, currentReplicas + room - currentMax),
    },
    ...(hpa ? { hpa } : {}),
    currentReplicas,
    ...(record ? { record } : {}),
  };
};
