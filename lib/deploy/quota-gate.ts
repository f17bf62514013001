import type { KubernetesObject, V1Deployment } from '@kubernetes/client-node';
import type { KubeClients } from '../kube/connect.ts';
import { isNotFound, translateKubeError } from '../kube/errors.ts';
import { quotaShortfalls } from '../kube/quota.ts';
import { demandOf } from './qos.ts';

/**
 * Would this release fit the namespace's ResourceQuotas in this cluster? Judged on what changes: the new
 * pods (with rollout surge) against what the running Deployment uses today. Returns every shortfall.
 */
export const quotaGate = async (kube: KubeClients, manifests: readonly KubernetesObject[]): Promise<string[]> => {
  const deployment = manifests.find((m) => m.kind === 'Deployment') as V1Deployment | undefined;
  if (!deployment?.spec || !deployment.metadata?.name) return [];
  const namespace = deployment.metadata.namespace ?? 'default';
  const running = await kube.apps
    .readNamespacedDeployment({ name: deployment.metadata.name, namespace })
    .catch((error) => (isNotFound(error) ? undefined : translateKubeError(kube.cluster, error)));
  const demand = demandOf(deployment.spec, {
    replicas: deployment.spec.replicas ?? running?.spec?.replicas,
    rollout: Boolean(running),
  });
  const shortfalls = await quotaShortfalls(kube, namespace, demand, running?.spec ? demandOf(running.spec) : undefined);
  return shortfalls.map((s) => `cluster ${kube.cluster}: ${s}`);
};
