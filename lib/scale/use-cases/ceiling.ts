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
    : // MERGE: the scaleDeployment verb lands with the release side of issue 12 (wt-release).
      (ctx.gateway as unknown as { scaleDeployment(n: string, d: string, r: number): Promise<Change> }).scaleDeployment(
        namespace,
        name,
        to,
      );
};
