import type { KubernetesObject } from '@kubernetes/client-node';
import type { DeployRequested } from '../../../events/index.ts';

export const LABELS = {
  name: 'app.kubernetes.io/name',
  managedBy: 'app.kubernetes.io/managed-by',
  environment: 'capstan.dev/environment',
} as const;
export const REVISION_ANNOTATION = 'capstan.dev/revision';

type Workload = DeployRequested['data'];

/**
 * The objects a release applies, in apply order: Namespace, Deployment, then Service when ports are
 * declared. Pure and deterministic: the same request always renders the same objects, which is what
 * makes a second apply `unchanged`.
 */
export const renderManifests = (w: Workload): KubernetesObject[] => {
  const labels = { [LABELS.name]: w.app, [LABELS.managedBy]: 'capstan', [LABELS.environment]: w.environment };
  const selector = { [LABELS.name]: w.app };
  const objects: KubernetesObject[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: w.namespace, labels: { [LABELS.managedBy]: 'capstan' } } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: w.app, namespace: w.namespace, labels },
      spec: {
        replicas: w.replicas,
        revisionHistoryLimit: 10,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels },
          spec: {
            containers: [
              {
                name: w.app,
                image: w.image,
                ports: w.ports.map((p) => ({
                  ...(p.name ? { name: p.name } : {}),
                  containerPort: p.containerPort,
                  protocol: p.protocol,
                })),
                env: Object.entries(w.env).map(([name, value]) => ({ name, value })),
              },
            ],
          },
        },
      },
    } as KubernetesObject,
  ];
  if (w.ports.length > 0) {
    objects.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: w.app, namespace: w.namespace, labels },
      spec: {
        selector,
        ports: w.ports.map((p) => ({
          // Unique even for 53/TCP beside 53/UDP, which the contract allows unnamed.
          name: p.name ?? `${p.protocol.toLowerCase()}-${p.containerPort}`,
          port: p.containerPort,
          targetPort: p.containerPort,
          protocol: p.protocol,
        })),
      },
    } as KubernetesObject);
  }
  return objects;
};

/** Stamps the release revision on the Deployment (not its pod template, so it never restarts pods). */
export const stampRevision = (objects: readonly KubernetesObject[], revision: number): KubernetesObject[] =>
  objects.map((o) =>
    o.kind === 'Deployment'
      ? {
          ...o,
          metadata: {
            ...o.metadata,
            annotations: { ...o.metadata?.annotations, [REVISION_ANNOTATION]: String(revision) },
          },
        }
      : o,
  );
