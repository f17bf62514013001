import { randomBytes } from 'node:crypto';
import { AppsV1Api, CoreV1Api, KubeConfig, VersionApi } from '@kubernetes/client-node';
import { describe, expect, inject, it } from 'vitest';
import { startApiServer, stopApiServer } from '../harness/control.ts';
import type { InfraCluster } from '../harness/infra.ts';
import { eventually } from '../support/kube.ts';

// The harness's own promise: real control planes with kwok nodes that run workloads, and an apiserver
// that can be taken down and brought back. Everything else in the integration suite builds on this.

const clients = (c: InfraCluster) => {
  const kc = new KubeConfig();
  kc.loadFromFile(c.kubeconfigPath);
  kc.setCurrentContext(c.context);
  return {
    apps: kc.makeApiClient(AppsV1Api),
    core: kc.makeApiClient(CoreV1Api),
    version: kc.makeApiClient(VersionApi),
  };
};

const unique = (prefix: string) => `${prefix}-${randomBytes(3).toString('hex')}`;

/** A Deployment as production rules want it: pinned image, 3 replicas, probes, Burstable requests. */
const deployment = (name: string, replicas: number) => ({
  metadata: { name, labels: { app: name } },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: {
        containers: [
          {
            name: 'web',
            image: `registry.local/acme/web@sha256:${'b'.repeat(64)}`,
            resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '192Mi' } },
            readinessProbe: { httpGet: { path: '/ready', port: 8080 } },
            livenessProbe: { httpGet: { path: '/live', port: 8080 } },
          },
        ],
      },
    },
  },
});

/** Creates a namespace and a Deployment, and waits until all replicas are available. */
const rollOut = async (c: InfraCluster, replicas: number) => {
  const { apps, core } = clients(c);
  const namespace = unique('harness');
  const name = unique('web');
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  // The namespace's `default` ServiceAccount is created asynchronously; Pods are refused until it exists
  // (the ReplicaSet controller retries), which is part of what is measured here.
  const started = Date.now();
  await apps.createNamespacedDeployment({ namespace, body: deployment(name, replicas) });
  const status = await eventually(
    `${c.name}: ${replicas} available replicas of ${namespace}/${name}`,
    async () => {
      const d = await apps.readNamespacedDeployment({ name, namespace });
      return d.status?.availableReplicas === replicas && d.status.updatedReplicas === replicas ? d.status : undefined;
    },
    60_000,
  );
  return { namespace, name, status, seconds: (Date.now() - started) / 1000 };
};

describe('local clusters started by the harness', () => {
  const { clusters } = inject('infra');

  it('are two independent clusters answering /version with v1.34.4 over verified TLS', async () => {
    expect(clusters).toHaveLength(2);
    expect(new Set(clusters.map((c) => c.server)).size).toBe(2);
    for (const c of clusters) {
      expect(c.context).toBe(c.name);
      expect(c.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const info = await clients(c).version.getCode();
      expect(info.gitVersion).toBe('v1.34.4');
    }
  });

  it('have three Ready kwok nodes each, with realistic capacity', async () => {
    for (const c of clusters) {
      const { items } = await clients(c).core.listNode();
      expect(items).toHaveLength(3);
      for (const node of items) {
        expect(node.status?.conditions?.find((x) => x.type === 'Ready')?.status).toBe('True');
        expect(node.status?.capacity).toMatchObject({ cpu: '32', memory: '256Gi', pods: '110' });
        expect(node.spec?.taints ?? []).toEqual([]);
      }
    }
  });

  it('roll out a 3-replica Deployment: scheduled on the nodes, pods Running and Ready', async () => {
    const c = clusters[0] as InfraCluster;
    const { namespace, name, status, seconds } = await rollOut(c, 3);
    console.info(`${c.name}: 3 replicas available ${seconds.toFixed(1)}s after the Deployment was created`);
    expect(status.readyReplicas).toBe(3);
    const { items: pods } = await clients(c).core.listNamespacedPod({ namespace, labelSelector: `app=${name}` });
    expect(pods).toHaveLength(3);
    for (const pod of pods) {
      expect(pod.spec?.nodeName).toMatch(new RegExp(`^${c.name}-worker-\\d$`));
      expect(pod.status?.phase).toBe('Running');
      expect(pod.status?.conditions?.find((x) => x.type === 'Ready')?.status).toBe('True');
      expect(pod.status?.podIP).toMatch(/^10\.244\./);
    }
  });

  it('lose one apiserver while the other answers, and get it back with its data', async () => {
    const [up, down] = clusters as [InfraCluster, InfraCluster];
    const namespace = unique('survives');
    await clients(down).core.createNamespace({ body: { metadata: { name: namespace } } });
    await clients(down).core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'marker' }, data: { written: 'before the outage' } },
    });

    await stopApiServer(down.name);
    try {
      await expect(clients(down).version.getCode()).rejects.toThrow(/ECONNREFUSED|connect/);
      expect((await clients(up).version.getCode()).gitVersion).toBe('v1.34.4');
    } finally {
      await startApiServer(down.name);
    }

    expect((await clients(down).version.getCode()).gitVersion).toBe('v1.34.4');
    const marker = await clients(down).core.readNamespacedConfigMap({ name: 'marker', namespace });
    expect(marker.data).toEqual({ written: 'before the outage' });
    // The whole control plane is back, not just the API: a new rollout completes promptly.
    const { seconds } = await rollOut(down, 3);
    console.info(`${down.name}: rollout after the restart took ${seconds.toFixed(1)}s`);
  });
});
