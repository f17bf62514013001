import type { V1Deployment, V1ResourceQuota } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { AppSpecSchema } from '../../lib/apps/spec.ts';
import { demandOf, qosClass } from '../../lib/deploy/decisions/qos.ts';
import { MiB } from '../../lib/deploy/decisions/quantity.ts';
import { renderApp } from '../../lib/deploy/render/app.ts';
import { quotaShortfalls } from '../../lib/deploy/use-cases/quota-gate.ts';
import { applyAll, applyObject } from '../../lib/kube/apply.ts';
import { gatewayOf } from '../../lib/kube/gateway.ts';
import { uniqueName } from '../support/aws.ts';
import { connect, eventually, localClusters } from '../support/kube.ts';

const IMAGE = `registry.local:5000/acme/api@sha256:${'c'.repeat(64)}`;

const appIn = (namespace: string) =>
  AppSpecSchema.parse({
    name: 'api',
    namespace,
    qos: 'standard',
    cpuOvercommit: 2,
    replicas: 3,
    containers: [
      {
        name: 'api',
        repository: 'registry.local:5000/acme/api',
        ports: [{ name: 'http', containerPort: 8080 }],
        probes: { liveness: { httpGet: { path: '/healthz', port: 8080 } }, readiness: { tcpSocket: { port: 8080 } } },
        limits: { cpu: '500m', memory: '256Mi' },
      },
    ],
    environments: { staging: {} },
  });

const demand = (cpuRequestsMillis: number, memoryRequestsBytes: number, pods: number) => ({
  cpuRequestsMillis,
  memoryRequestsBytes,
  cpuLimitsMillis: 2 * cpuRequestsMillis,
  memoryLimitsBytes: 2 * memoryRequestsBytes,
  pods,
});

describe('namespace quota and rendered apps on a real cluster', () => {
  const [cluster] = localClusters();

  it('reads the room a ResourceQuota leaves, and pods really get the tier’s requests and limits', async () => {
    const kube = await connect(cluster!);
    const namespace = uniqueName('quota');
    const app = appIn(namespace);
    const objects = renderApp({ app, environment: 'staging', image: IMAGE });

    // The app's own Namespace first, so the quota is in place before any pod exists.
    expect((await applyObject(kube, objects[0]!)).outcome).toBe('created');
    await kube.core.createNamespacedResourceQuota({
      namespace,
      body: {
        metadata: { name: 'compute' },
        spec: { hard: { 'requests.cpu': '1', 'requests.memory': '1Gi', pods: '5' } },
      },
    });
    const usage = async (): Promise<V1ResourceQuota> =>
      kube.core.readNamespacedResourceQuota({ name: 'compute', namespace });
    // Usage is the quota controller's to compute; until it has, pods are refused and quotaShortfalls says "retry".
    const computed = await eventually(
      'quota usage computed',
      async () => {
        const quota = await usage();
        return quota.status?.used?.pods !== undefined ? quota : undefined;
      },
      30_000,
      200,
    );
    expect(computed.status?.used).toEqual({ 'requests.cpu': '0', 'requests.memory': '0', pods: '0' });

    expect(await quotaShortfalls(gatewayOf(kube), namespace, demand(1500, 512 * MiB, 6))).toEqual([
      `ResourceQuota ${namespace}/compute: requests.cpu needs 1500m more, only 1 left (hard 1, used 0)`,
      `ResourceQuota ${namespace}/compute: pods needs 6 more, only 5 left (hard 5, used 0)`,
    ]);
    expect(await quotaShortfalls(gatewayOf(kube), namespace, demand(1000, 1024 * MiB, 5))).toEqual([]);
    expect(await quotaShortfalls(gatewayOf(kube), uniqueName('no-such-namespace'), demand(10_000, 0, 100))).toEqual([]);

    // 3 replicas at 250m / 170Mi, plus one surge pod during a rollout: 1000m, 680Mi, 4 pods. It fits.
    const deployment = objects[1] as V1Deployment;
    const rolloutDemand = demandOf(deployment.spec!, { rollout: true });
    expect(rolloutDemand).toMatchObject({ cpuRequestsMillis: 1000, memoryRequestsBytes: 680 * MiB, pods: 4 });
    expect(await quotaShortfalls(gatewayOf(kube), namespace, rolloutDemand)).toEqual([]);

    const first = await applyAll(kube, objects);
    expect(first.map((r) => `${r.kind}:${r.outcome}`)).toEqual([
      'Namespace:unchanged',
      'Deployment:created',
      'Service:created',
    ]);
    const second = await applyAll(kube, objects);
    expect(second.map((r) => r.outcome)).toEqual(['unchanged', 'unchanged', 'unchanged']);

    const rendered = deployment.spec!.template.spec!.containers;
    const pods = await eventually('3 pods', async () => {
      const list = await kube.core.listNamespacedPod({ namespace, labelSelector: 'app.kubernetes.io/name=api' });
      return list.items.length === 3 ? list.items : undefined;
    });
    for (const pod of pods) {
      expect(pod.spec?.containers[0]?.resources).toEqual({
        requests: { cpu: '250m', memory: '170Mi' },
        limits: { cpu: '500m', memory: '256Mi' },
      });
      expect(pod.status?.qosClass).toBe(qosClass(rendered));
    }
    expect(qosClass(rendered)).toBe('Burstable');

    // The pods are in the quota's usage now; an update is judged on what it adds to them.
    await eventually('usage of 3 pods', async () =>
      (await usage()).status?.used?.['requests.cpu'] === '750m' ? true : undefined,
    );
    const live = await kube.apps.readNamespacedDeployment({ name: 'api', namespace });
    const today = demandOf(live.spec!);
    expect(await quotaShortfalls(gatewayOf(kube), namespace, demandOf(live.spec!, { rollout: true }), today)).toEqual(
      [],
    );
    expect(
      await quotaShortfalls(gatewayOf(kube), namespace, demandOf(live.spec!, { rollout: true, replicas: 5 }), today),
    ).toEqual([
      `ResourceQuota ${namespace}/compute: requests.cpu needs 1 more, only 250m left (hard 1, used 750m)`,
      `ResourceQuota ${namespace}/compute: requests.memory needs 680Mi more, only 514Mi left (hard 1Gi, used 510Mi)`,
      `ResourceQuota ${namespace}/compute: pods needs 4 more, only 2 left (hard 5, used 3)`,
    ]);
  });

  it('with an HPA managing replicas, a release leaves its count alone', async () => {
    const kube = await connect(cluster!);
    const namespace = uniqueName('hpa');
    const app = appIn(namespace);
    await applyAll(kube, renderApp({ app, environment: 'staging', image: IMAGE }));
    // What an HPA does: scale through the scale subresource, under its own manager name.
    // No resourceVersion: an unconditional write, as the controller writes status in between.
    await kube.apps.replaceNamespacedDeploymentScale({
      name: 'api',
      namespace,
      fieldManager: 'horizontal-pod-autoscaler',
      body: { metadata: { name: 'api', namespace }, spec: { replicas: 4 } },
    });
    const released = await applyAll(kube, renderApp({ app, environment: 'staging', image: IMAGE, hpaManaged: true }));
    expect(released.map((r) => r.outcome)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    const live = await kube.apps.readNamespacedDeployment({ name: 'api', namespace });
    expect(live.spec?.replicas).toBe(4);
  });

  it('the caveat: before anyone else wrote replicas, leaving them out resets the Deployment to 1', async () => {
    // Server-side apply removes a field its only owner stops applying. Whoever switches an app to
    // hpaManaged must let the HPA write replicas first (or keep them for one more release).
    const kube = await connect(cluster!);
    const app = appIn(uniqueName('handover'));
    await applyAll(kube, renderApp({ app, environment: 'staging', image: IMAGE }));
    const released = await applyAll(kube, renderApp({ app, environment: 'staging', image: IMAGE, hpaManaged: true }));
    expect(released[1]?.outcome).toBe('configured');
    const live = await kube.apps.readNamespacedDeployment({ name: 'api', namespace: app.namespace });
    expect(live.spec?.replicas).toBe(1);
  });
});
