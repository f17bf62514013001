import type { KubernetesObject, V1Deployment, V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import type { ScaleOverride, WorkloadKey } from '../../store/scale-overrides.ts';

/** What withOverride reads of an override record. */
export type OverrideLike = Pick<ScaleOverride, 'state' | 'max' | 'endsAt' | 'workload'>;

/** The objects' Deployment on a cluster, as scale overrides and the workload lease name it; none without one. */
export const deploymentWorkload = (objects: readonly KubernetesObject[], cluster: string): WorkloadKey | undefined => {
  const deployment = objects.find((o) => o.kind === 'Deployment');
  const name = deployment?.metadata?.name;
  if (!name) return undefined;
  return { cluster, workload: { namespace: deployment.metadata?.namespace ?? 'default', kind: 'Deployment', name } };
};

/** An override is in force while active and not past its expiry (a revert may simply not have run yet). */
export const overrideInForce = (override: OverrideLike | undefined, now: Date): override is OverrideLike =>
  override !== undefined && override.state === 'active' && Date.parse(override.endsAt) > now.getTime();

/**
 * The release's objects with an active scale override kept (issue 12): a release must not undo the raised
 * ceiling an alert bought. The HPA of the overridden Deployment gets the override's `maxReplicas` (never
 * below its `minReplicas`, nor below what the release asks); without an HPA the Deployment's own `replicas`
 * is the override's `max` (or the release's, if higher). A
 * reverted or expired override, or none, changes nothing. Pure: the objects given are not modified.
 */
export const withOverride = (
  objects: readonly KubernetesObject[],
  override: OverrideLike | undefined,
  now: Date,
): KubernetesObject[] => {
  if (!overrideInForce(override, now) || override.workload.kind !== 'Deployment') return [...objects];
  const { namespace, name } = override.workload;
  const ours = (o: KubernetesObject) => o.metadata?.namespace === namespace && o.metadata?.name === name;
  const hpa = objects.find(
    (o): o is V2HorizontalPodAutoscaler =>
      o.kind === 'HorizontalPodAutoscaler' &&
      ours(o) &&
      (o as V2HorizontalPodAutoscaler).spec?.scaleTargetRef.kind === 'Deployment' &&
      (o as V2HorizontalPodAutoscaler).spec?.scaleTargetRef.name === name,
  );
  return objects.map((o) => {
    if (hpa && o === hpa && hpa.spec) {
      // Never below what the release itself asks (a release that raises the spec's max above the override).
      const maxReplicas = Math.max(override.max, hpa.spec.maxReplicas, hpa.spec.minReplicas ?? 1);
      return { ...hpa, spec: { ...hpa.spec, maxReplicas } };
    }
    const deployment = o as V1Deployment;
    // With an HPA the Deployment carries no replicas (the HPA's); only a plain one gets the override's count.
    if (!hpa && o.kind === 'Deployment' && ours(o) && deployment.spec?.replicas !== undefined) {
      return {
        ...deployment,
        spec: { ...deployment.spec, replicas: Math.max(override.max, deployment.spec.replicas) },
      };
    }
    return o;
  });
};
