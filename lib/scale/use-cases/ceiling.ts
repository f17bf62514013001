import type { Change } from '../../kube/optimistic.ts';
import type { WorkloadContext } from './target.ts';

/**
 * Sets the workload's ceiling: the HPA's `maxReplicas` (the HPA controller then scales within it), or,
 * with `hpa: false`, the Deployment's replicas through its scale subresource. `unchanged` when it is so.
 */
export const setCeiling = (ctx: WorkloadContext, to: number): Promise<Change> => {
  const { namespace, name } = ctx.key.workload;
  return ctx.autoscaling.hpa
    ? ctx.gateway.setHpaBounds(namespace, ctx.app.name, { maxReplicas: to })
    : ctx.gateway.scaleDeployment(namespace, name, to);
};
