import type { V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import { FIELD_MANAGER } from './apply.ts';
import { type ConditionStatus, conditionStatus } from './condition.ts';
import type { KubeClients } from './connect.ts';
import { isNotFound, translateKubeError } from './errors.ts';
import { type Change, mergePatch, retryOnConflict } from './optimistic.ts';

export interface ReplicaBounds {
  readonly minReplicas: number;
  readonly maxReplicas: number;
}

/** An autoscaling/v2 HPA as the scaling decision reads it: its bounds and where the controller stands. */
export interface HpaView extends ReplicaBounds {
  readonly namespace: string;
  readonly name: string;
  /** What it scales, as `Kind/name` (`Deployment/web`). */
  readonly target: string;
  /** Replicas as the HPA controller last saw them, and what it wants; 0 before its first sync. */
  readonly currentReplicas: number;
  readonly desiredReplicas: number;
  readonly lastScaleTime?: string;
  /** `AbleToScale`, `ScalingActive`, `ScalingLimited` (True with reason TooManyReplicas: pinned at max). */
  readonly conditions: readonly { type: string; status: ConditionStatus; reason?: string }[];
}

/** The HPA; undefined when it does not exist (a plain Deployment, or someone removed it). */
export const readHpa = async (kube: KubeClients, namespace: string, name: string): Promise<HpaView | undefined> => {
  try {
    return hpaView(await kube.autoscaling.readNamespacedHorizontalPodAutoscaler({ name, namespace }));
  } catch (error) {
    if (isNotFound(error)) return undefined;
    return translateKubeError(kube.cluster, error);
  }
};

/**
 * Sets the HPA's bounds (either or both), `unchanged` when they are so already. Both go in one write, so
 * raising both past the old max is never refused for a moment's min > max. The write carries the
 * resourceVersion it was decided on (optimistic.ts). Refused for good (terminal) when the HPA is gone or
 * the bounds are invalid (min > max, max < 1): the API server's own validation.
 */
export const setHpaBounds = async (
  kube: KubeClients,
  namespace: string,
  name: string,
  bounds: Partial<ReplicaBounds>,
): Promise<Change> => {
  try {
    return await retryOnConflict(async () => {
      const hpa = await kube.autoscaling.readNamespacedHorizontalPodAutoscaler({ name, namespace });
      const current = hpaView(hpa);
      const spec = Object.fromEntries(
        (['minReplicas', 'maxReplicas'] as const).flatMap((k) =>
          bounds[k] !== undefined && bounds[k] !== current[k] ? [[k, bounds[k]]] : [],
        ),
      );
      if (Object.keys(spec).length === 0) return 'unchanged';
      const body = { metadata: { resourceVersion: hpa.metadata?.resourceVersion }, spec };
      await kube.autoscaling.patchNamespacedHorizontalPodAutoscaler(
        { name, namespace, body, fieldManager: FIELD_MANAGER },
        mergePatch,
      );
      return 'changed';
    });
  } catch (error) {
    return translateKubeError(kube.cluster, error);
  }
};

/** capstan's label on what it renders (lib/deploy/render): an HPA without it is someone else's. */
const MANAGED_BY = 'app.kubernetes.io/managed-by';

/**
 * Deletes the HPA only if capstan made it (it carries capstan's managed-by label): turning autoscaling off
 * in an app spec removes capstan's HPA, never one a person or another tool made under the same name.
 * `unchanged` when there is none, it is someone else's, or it is being deleted already. The delete carries
 * the uid and resourceVersion it was decided on, so an HPA replaced in between is decided again.
 */
export const deleteHpa = async (kube: KubeClients, namespace: string, name: string): Promise<Change> => {
  try {
    return await retryOnConflict(async () => {
      const hpa = await kube.autoscaling.readNamespacedHorizontalPodAutoscaler({ name, namespace });
      const meta = hpa.metadata;
      if (meta?.labels?.[MANAGED_BY] !== 'capstan' || meta.deletionTimestamp !== undefined) return 'unchanged';
      await kube.autoscaling.deleteNamespacedHorizontalPodAutoscaler({
        name,
        namespace,
        body: { preconditions: { uid: meta.uid, resourceVersion: meta.resourceVersion } },
      });
      return 'changed';
    });
  } catch (error) {
    if (isNotFound(error)) return 'unchanged';
    return translateKubeError(kube.cluster, error);
  }
};

/**
 * Sets a Deployment's replicas through its scale subresource (what `kubectl scale` and the HPA controller
 * do), `unchanged` when it runs that many already: capstan's override of a Deployment without an HPA
 * (`hpa: false`). The write carries the resourceVersion it was decided on. Under capstan's field manager,
 * which owns spec.replicas of such a Deployment anyway (releases render it). Terminal when the Deployment
 * does not exist.
 */
export const scaleDeployment = async (
  kube: KubeClients,
  namespace: string,
  name: string,
  replicas: number,
): Promise<Change> => {
  try {
    return await retryOnConflict(async () => {
      const scale = await kube.apps.readNamespacedDeploymentScale({ name, namespace });
      if (scale.spec?.replicas === replicas) return 'unchanged';
      const body = { metadata: { resourceVersion: scale.metadata?.resourceVersion }, spec: { replicas } };
      await kube.apps.patchNamespacedDeploymentScale(
        { name, namespace, body, fieldManager: FIELD_MANAGER },
        mergePatch,
      );
      return 'changed';
    });
  } catch (error) {
    return translateKubeError(kube.cluster, error);
  }
};

const hpaView = (hpa: V2HorizontalPodAutoscaler): HpaView => ({
  namespace: hpa.metadata?.namespace ?? '',
  name: hpa.metadata?.name ?? '',
  target: `${hpa.spec?.scaleTargetRef.kind}/${hpa.spec?.scaleTargetRef.name}`,
  // The API server defaults minReplicas to 1 (it is optional in the type).
  minReplicas: hpa.spec?.minReplicas ?? 1,
  maxReplicas: hpa.spec?.maxReplicas ?? 0,
  currentReplicas: hpa.status?.currentReplicas ?? 0,
  desiredReplicas: hpa.status?.desiredReplicas ?? 0,
  lastScaleTime: hpa.status?.lastScaleTime?.toISOString(),
  conditions: (hpa.status?.conditions ?? []).map(({ type, status, reason }) => ({
    type,
    status: conditionStatus(status),
    reason,
  })),
});
