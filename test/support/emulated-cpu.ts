import type { KubernetesObject } from '@kubernetes/client-node';
import type { KubeClients } from '../../lib/kube/connect.ts';
import { CLUSTER_RESOURCE_USAGE } from '../../lib/local/kwok-metrics.ts';

/** The ClusterResourceUsage that sets a namespace's usage: one per namespace, so kwok's first match is it. */
export const usageObjectName = (namespace: string): string => `emulated-usage-${namespace}`;

interface ClusterResourceUsage extends KubernetesObject {
  spec: {
    selector: { matchNamespaces: string[] };
    usages: { usage: Record<'cpu' | 'memory', { value: string }> }[];
  };
}

/**
 * Sets the emulated usage of every container of every pod in `namespace` on a metrics cluster
 * (startMetricsCluster): now and for pods created later (an HPA's new replicas), until set again. kwok
 * reads it at each scrape; metrics-server scrapes every 10 s and needs two scrapes for a rate, so the
 * metrics API shows the new figure within about 20 s, and the HPA acts on its next sync (5 s).
 * `cpu` and `memory` are Kubernetes quantities per container ('800m', '64Mi'). A Deployment per
 * namespace makes this "the Deployment's CPU".
 */
export const setEmulatedCpu = async (
  kube: KubeClients,
  namespace: string,
  cpu: string,
  memory = '64Mi',
): Promise<void> => {
  const body: ClusterResourceUsage = {
    apiVersion: `${CLUSTER_RESOURCE_USAGE.group}/${CLUSTER_RESOURCE_USAGE.version}`,
    kind: 'ClusterResourceUsage',
    metadata: { name: usageObjectName(namespace) },
    spec: {
      selector: { matchNamespaces: [namespace] },
      usages: [{ usage: { cpu: { value: cpu }, memory: { value: memory } } }],
    },
  };
  const existing = await kube.objects
    .read<ClusterResourceUsage>({
      apiVersion: body.apiVersion,
      kind: body.kind,
      metadata: { name: body.metadata?.name ?? '' },
    })
    .catch(() => undefined);
  if (existing) {
    await kube.objects.replace({
      ...body,
      metadata: { ...body.metadata, resourceVersion: existing.metadata?.resourceVersion },
    });
  } else {
    await kube.objects.create(body);
  }
};
