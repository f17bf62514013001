import type { KubernetesObject, V1Deployment, V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import { ClusterUnavailableError } from '../../errors.ts';
import type { KubeGateway } from '../../kube/gateway.ts';
import { type Demand, demandOf } from '../decisions/qos.ts';
import { chargedReplicas, quotaShortfallsIn } from '../decisions/quota.ts';

/**
 * Would this release fit the namespace's ResourceQuotas in this cluster? Judged on what changes: the new
 * pods (with rollout surge) against what the running Deployment uses today. Returns every shortfall. An
 * HPA-managed Deployment is charged as chargedReplicas (decisions/quota.ts) says: what runs, at least the min.
 */
export const quotaGate = async (kube: KubeGateway, manifests: readonly KubernetesObject[]): Promise<string[]> => {
  const deployment = manifests.find((m) => m.kind === 'Deployment') as V1Deployment | undefined;
  if (!deployment?.spec || !deployment.metadata?.name) return [];
  const namespace = deployment.metadata.namespace ?? 'default';
  const running = await kube.readDeployment(namespace, deployment.metadata.name);
  const hpa = manifests.find(
    (m): m is V2HorizontalPodAutoscaler =>
      m.kind === 'HorizontalPodAutoscaler' &&
      (m as V2HorizontalPodAutoscaler).spec?.scaleTargetRef.name === deployment.metadata?.name,
  );
  const demand = demandOf(deployment.spec, {
    replicas: chargedReplicas(
      deployment.spec.replicas,
      running?.spec?.replicas,
      hpa ? (hpa.spec?.minReplicas ?? 1) : undefined,
    ),
    rollout: Boolean(running),
  });
  const shortfalls = await quotaShortfalls(kube, namespace, demand, running?.spec ? demandOf(running.spec) : undefined);
  return shortfalls.map((s) => `cluster ${kube.cluster}: ${s}`);
};

/**
 * Reasons the namespace's ResourceQuotas would turn the demand away, empty when it fits. No quota (or no
 * namespace yet) means no limit. A quota whose usage the controller has not computed yet is a retryable
 * error: it is a matter of seconds, and the quota admission would refuse pods until then anyway.
 */
export const quotaShortfalls = async (
  kube: KubeGateway,
  namespace: string,
  demand: Demand,
  current?: Demand,
): Promise<string[]> => {
  const quotas = await kube.listResourceQuotas(namespace);
  const { shortfalls, unknown } = quotaShortfallsIn(namespace, quotas, demand, current);
  if (unknown.length > 0) throw new ClusterUnavailableError(kube.cluster, unknown.join('; '));
  return shortfalls;
};
