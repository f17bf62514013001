import type { KubernetesObject } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { ClusterRejectedError } from '../../lib/errors.ts';
import type { KubeGateway } from '../../lib/kube/gateway.ts';
import { uniqueName } from '../support/aws.ts';

// What the release-side scaling verbs of KubeGateway promise (deleteHpa, scaleDeployment), run against the
// real adapter on a real kube-apiserver (test/integration/kube-scaling.test.ts) and against the in-memory
// double (test/unit/kube-contract.test.ts). Each test works in a namespace of its own, made by `apply`.

export interface ScalingFixture {
  readonly gateway: KubeGateway;
}

const CAPSTAN = { 'app.kubernetes.io/managed-by': 'capstan' };

/** A Namespace, a Deployment of `replicas` and, with `hpa`, an HPA of it labelled as given. */
const workload = (
  namespace: string,
  { replicas = 2, hpa }: { replicas?: number; hpa?: Record<string, string> } = {},
): KubernetesObject[] => [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: CAPSTAN } },
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace, labels: CAPSTAN },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'web:1' }] } },
    },
  } as KubernetesObject,
  ...(hpa
    ? [
        {
          apiVersion: 'autoscaling/v2',
          kind: 'HorizontalPodAutoscaler',
          metadata: { name: 'web', namespace, labels: hpa },
          spec: {
            scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
            minReplicas: 1,
            maxReplicas: 4,
          },
        } as KubernetesObject,
      ]
    : []),
];

export const scalingVerbsContract = (fixture: () => ScalingFixture) =>
  describe('release scaling verbs (contract)', () => {
    it("deleteHpa: capstan's HPA deleted, then unchanged; absent is unchanged", async () => {
      const { gateway } = fixture();
      const namespace = uniqueName('ks-del');
      await gateway.apply(workload(namespace, { hpa: CAPSTAN }));
      expect(await gateway.readHpa(namespace, 'web')).toMatchObject({ minReplicas: 1, maxReplicas: 4 });
      expect(await gateway.deleteHpa(namespace, 'web')).toBe('changed');
      expect(await gateway.deleteHpa(namespace, 'web')).toBe('unchanged');
      expect(await gateway.readHpa(namespace, 'web')).toBeUndefined();
      expect(await gateway.deleteHpa(uniqueName('ks-none'), 'web')).toBe('unchanged');
      // The Deployment it scaled is left alone.
      expect((await gateway.readDeployment(namespace, 'web'))?.spec?.replicas).toBe(2);
    });

    it("deleteHpa: someone else's HPA (no capstan label) is left alone, unchanged", async () => {
      const { gateway } = fixture();
      const namespace = uniqueName('ks-theirs');
      await gateway.apply(workload(namespace, { hpa: { 'app.kubernetes.io/managed-by': 'helm' } }));
      expect(await gateway.deleteHpa(namespace, 'web')).toBe('unchanged');
      expect(await gateway.readHpa(namespace, 'web')).toMatchObject({ maxReplicas: 4 });
    });

    it('scaleDeployment: set twice, the second unchanged; an absent Deployment is refused for good', async () => {
      const { gateway } = fixture();
      const namespace = uniqueName('ks-scale');
      await gateway.apply(workload(namespace));
      expect(await gateway.scaleDeployment(namespace, 'web', 3)).toBe('changed');
      expect(await gateway.scaleDeployment(namespace, 'web', 3)).toBe('unchanged');
      expect((await gateway.readDeployment(namespace, 'web'))?.spec?.replicas).toBe(3);
      expect(await gateway.scaleDeployment(namespace, 'web', 2)).toBe('changed');
      await expect(gateway.scaleDeployment(namespace, 'none', 2)).rejects.toBeInstanceOf(ClusterRejectedError);
    });
  });
