import type { KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterRejectedError } from '../../lib/errors.ts';
import { applyAll } from '../../lib/kube/apply.ts';
import type { KubeClients } from '../../lib/kube/connect.ts';
import { gatewayOf, type KubeGateway } from '../../lib/kube/gateway.ts';
import { hpaVerbsContract } from '../contract/kube-nodes.ts';
import { scalingVerbsContract } from '../contract/kube-scaling.ts';
import { uniqueName } from '../support/aws.ts';
import { connect, eventually, localClusters } from '../support/kube.ts';

// The scaling verbs of the gateway against a real kube-apiserver, with the real HPA controller of
// kube-controller-manager. There is no metrics API here, so the controller cannot compute utilization,
// but it still keeps the target's replicas within [minReplicas, maxReplicas]: that is what shows it read
// the bounds capstan set.
const [cluster] = localClusters();
const namespace = uniqueName('scale');
const name = 'web';
let kube: KubeClients;
let gateway: KubeGateway;

const workload = (): KubernetesObject[] => [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [{ name, image: 'registry.local/web:1', resources: { requests: { cpu: '100m' } } }],
        },
      },
    },
  } as KubernetesObject,
  {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name, namespace },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicas: 1,
      maxReplicas: 3,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
      ],
    },
  } as KubernetesObject,
];

beforeAll(async () => {
  kube = await connect(cluster!);
  gateway = gatewayOf(kube);
  await applyAll(kube, workload());
});

afterAll(async () => {
  await kube?.core.deleteNamespace({ name: namespace }).catch(() => undefined);
});

const liveHpa = () => kube.autoscaling.readNamespacedHorizontalPodAutoscaler({ name, namespace });
const deploymentReplicas = async () => (await kube.apps.readNamespacedDeployment({ name, namespace })).spec?.replicas;

describe('HPA verbs of the gateway, with the real HPA controller', () => {
  it('reads an HPA: its bounds, its target, and the controller status once it has synced', async () => {
    expect(await gateway.readHpa(namespace, name)).toMatchObject({
      namespace,
      name,
      target: 'Deployment/web',
      minReplicas: 1,
      maxReplicas: 3,
    });
    const synced = await eventually('the HPA controller to sync', async () => {
      const view = await gateway.readHpa(namespace, name);
      return view?.currentReplicas === 1 && view.conditions.length > 0 ? view : undefined;
    });
    // No metrics API in this cluster: the controller says so in its conditions (and, failing to compute
    // one, leaves desiredReplicas at 0).
    expect(synced.conditions).toContainEqual(expect.objectContaining({ type: 'AbleToScale', status: 'True' }));
    expect(synced.conditions).toContainEqual(expect.objectContaining({ type: 'ScalingActive', status: 'False' }));
  });

  it('an absent HPA reads as undefined; setting its bounds is a terminal error', async () => {
    expect(await gateway.readHpa(namespace, 'none')).toBeUndefined();
    expect(await gateway.readHpa(uniqueName('no-namespace'), name)).toBeUndefined();
    const error = await gateway.setHpaBounds(namespace, 'none', { maxReplicas: 4 }).catch((e) => e);
    expect(error).toBeInstanceOf(ClusterRejectedError);
    expect(error.message).toMatch(new RegExp(`^cluster ${cluster!.name}: HTTP 404`));
    // The API server's own validation: min > max.
    const invalid = await gateway.setHpaBounds(namespace, name, { minReplicas: 9 }).catch((e) => e);
    expect(invalid.message).toMatch(new RegExp(`^cluster ${cluster!.name}: HTTP 422: .*minReplicas`));
  });

  it('maxReplicas set twice: the second is unchanged', async () => {
    expect(await gateway.setHpaBounds(namespace, name, { maxReplicas: 5 })).toBe('changed');
    expect(await gateway.setHpaBounds(namespace, name, { maxReplicas: 5 })).toBe('unchanged');
    expect((await liveHpa()).spec).toMatchObject({ minReplicas: 1, maxReplicas: 5 });
    expect(await gateway.readHpa(namespace, name)).toMatchObject({ minReplicas: 1, maxReplicas: 5 });
  });

  it('minReplicas raised: the real controller scales the Deployment up to it; put back, it stays unchanged', async () => {
    expect(await gateway.setHpaBounds(namespace, name, { minReplicas: 2 })).toBe('changed');
    expect(await gateway.setHpaBounds(namespace, name, { minReplicas: 2, maxReplicas: 5 })).toBe('unchanged');
    await eventually('the HPA controller to scale to 2', async () =>
      (await deploymentReplicas()) === 2 ? true : undefined,
    );
    expect(await gateway.setHpaBounds(namespace, name, { minReplicas: 1, maxReplicas: 3 })).toBe('changed');
    expect(await gateway.setHpaBounds(namespace, name, { minReplicas: 1, maxReplicas: 3 })).toBe('unchanged');
    expect((await liveHpa()).spec).toMatchObject({ minReplicas: 1, maxReplicas: 3 });
  });

  it('concurrent writers of different bounds both land', async () => {
    const [max, min] = await Promise.all([
      gateway.setHpaBounds(namespace, name, { maxReplicas: 8 }),
      gatewayOf(await connect({ ...cluster!, name: `${cluster!.name}-other` })).setHpaBounds(namespace, name, {
        minReplicas: 2,
      }),
    ]);
    expect([max, min]).toEqual(['changed', 'changed']);
    expect((await liveHpa()).spec).toMatchObject({ minReplicas: 2, maxReplicas: 8 });
    expect(await gateway.setHpaBounds(namespace, name, { minReplicas: 1, maxReplicas: 3 })).toBe('changed');
  });
});

// The promises the in-memory double keeps too (test/contract/kube-nodes.ts), here on the real adapter.
hpaVerbsContract(() => ({ gateway, namespace, name }));
scalingVerbsContract(() => ({ gateway }));
