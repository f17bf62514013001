import type { KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OUT_OF_SERVICE_TAINT } from '../../lib/heal/decisions/fencing.ts';
import { applyAll } from '../../lib/kube/apply.ts';
import { connector, type KubeClients } from '../../lib/kube/connect.ts';
import { gatewayOf, type KubeGateway } from '../../lib/kube/gateway.ts';
import { NODE_LEASE_NAMESPACE } from '../../lib/kube/nodes.ts';
import { capstanRules, nodeLeaseRules } from '../../lib/kube/rbac.ts';
import { uniqueName } from '../support/aws.ts';
import { connect, eventually, localClusters } from '../support/kube.ts';
import { createKwokNode, deleteKwokNode } from '../support/kwok-node.ts';
import { kubeconfigWithToken } from '../support/service-account.ts';

// Exactly what capstan is granted (lib/kube/rbac.ts: capstanRules cluster-wide, nodeLeaseRules in
// kube-node-lease), under a service account of this file's own with nothing else: enough for every healing
// and freeing verb (NetworkFences, which need their CRD, are proven in kube-volumes.test.ts), and every
// scaling verb (issue 12: the HPA a release applies and removes, its bounds, a Deployment's scale).
const CLUSTER_RULES = [...capstanRules];
const LEASE_RULES = [...nodeLeaseRules];

const [cluster] = localClusters();
const name = uniqueName('capstan-verbs');
const namespace = name;
let admin: KubeClients;
let node: string;
let clients: KubeClients;
let asCapstan: KubeGateway;

const grants = (): KubernetesObject[] => {
  const subjects = [{ kind: 'ServiceAccount', name, namespace }];
  const rbac = 'rbac.authorization.k8s.io/v1';
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } },
    { apiVersion: rbac, kind: 'ClusterRole', metadata: { name }, rules: CLUSTER_RULES } as KubernetesObject,
    {
      apiVersion: rbac,
      kind: 'ClusterRoleBinding',
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects,
    } as KubernetesObject,
    {
      apiVersion: rbac,
      kind: 'Role',
      metadata: { name, namespace: NODE_LEASE_NAMESPACE },
      rules: LEASE_RULES,
    } as KubernetesObject,
    {
      apiVersion: rbac,
      kind: 'RoleBinding',
      metadata: { name, namespace: NODE_LEASE_NAMESPACE },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects,
    } as KubernetesObject,
  ];
};

const hpa = {
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'web', namespace },
  spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 3 },
} as KubernetesObject;

beforeAll(async () => {
  admin = await connect(cluster!);
  node = await createKwokNode(admin, 41);
  await applyAll(admin, [...grants(), hpa]);
  const { status } = await admin.core.createNamespacedServiceAccountToken({
    name,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 600 } },
  });
  const path = kubeconfigWithToken(cluster!.credentials as { path: string; context: string }, status?.token);
  clients = await connector()({
    ...cluster!,
    name: 'as-capstan',
    credentials: { kind: 'kubeconfig', path, context: 'capstan' },
  });
  asCapstan = gatewayOf(clients);
  // The authorizer sees new bindings through its informers, a moment later; and kwok makes the node Ready.
  await eventually('the node Ready, read as the service account', async () => {
    const view = await asCapstan.readNode(node);
    return view?.ready === 'True' && view.leaseRenewedAt && view.taints.length === 0 ? view : undefined;
  });
});

afterAll(async () => {
  if (!admin) return;
  const rbac = admin.objects;
  for (const object of grants().slice(2).reverse()) await rbac.delete(object).catch(() => undefined);
  await admin.core.deleteNamespace({ name: namespace }).catch(() => undefined);
  if (node) await deleteKwokNode(admin, node);
});

describe("capstan's RBAC and the healing verbs, on a real kube-apiserver", () => {
  it('is enough for every node verb', async () => {
    expect((await asCapstan.listNodes()).find((n) => n.name === node)).toMatchObject({
      ready: 'True',
      leaseRenewedAt: expect.any(String),
    });
    // Each twice, as healing's redeliveries would: the second read under the same token says unchanged
    // (test/integration/kube-nodes.test.ts holds the verbs' semantics; here only the identity differs).
    expect(await asCapstan.cordon(node)).toBe('changed');
    expect(await asCapstan.cordon(node)).toBe('unchanged');
    expect(await asCapstan.addTaint(node, OUT_OF_SERVICE_TAINT)).toBe('changed');
    expect(await asCapstan.addTaint(node, OUT_OF_SERVICE_TAINT)).toBe('unchanged');
    expect(await asCapstan.removeTaint(node, OUT_OF_SERVICE_TAINT)).toBe('changed');
    expect(await asCapstan.removeTaint(node, OUT_OF_SERVICE_TAINT)).toBe('unchanged');
    expect(await asCapstan.uncordon(node)).toBe('changed');
    expect(await asCapstan.uncordon(node)).toBe('unchanged');
    expect(await asCapstan.readNode('no-such-node')).toBeUndefined();
  });

  it('is enough for pods and VolumeAttachments on a node', async () => {
    await admin.core.createNamespacedPod({
      namespace,
      body: { metadata: { name: 'here' }, spec: { nodeName: node, containers: [{ name: 'app', image: 'app:1' }] } },
    });
    expect((await asCapstan.listPodsOnNode(node)).map((p) => p.name)).toEqual(['here']);
    expect(await asCapstan.readPod(namespace, 'here')).toMatchObject({ name: 'here', node });
    expect(await asCapstan.readPod(namespace, 'absent')).toBeUndefined();

    const va = uniqueName('va');
    await admin.storage.createVolumeAttachment({
      body: {
        metadata: { name: va },
        spec: { attacher: 'rbd.csi.ceph.com', nodeName: node, source: { persistentVolumeName: `pv-${va}` } },
      },
    });
    expect((await asCapstan.listVolumeAttachments(node)).map((v) => v.name)).toEqual([va]);
    expect((await asCapstan.listVolumeAttachmentsOfVolume(`pv-${va}`)).map((v) => v.name)).toEqual([va]);
    // Freeing a stale attachment (issue 11), twice as a redelivery would: the second is unchanged.
    expect(await asCapstan.deleteVolumeAttachment(va)).toBe('changed');
    expect(await asCapstan.deleteVolumeAttachment(va)).toBe('unchanged');
  });

  it('is enough for the way from a pod to its volume, and for the Warning events of stuck mounts', async () => {
    const pv = uniqueName('pv');
    await admin.core.createPersistentVolume({
      body: {
        metadata: { name: pv },
        spec: {
          capacity: { storage: '1Gi' },
          accessModes: ['ReadWriteOnce'],
          claimRef: { namespace, name: 'data' },
          csi: { driver: 'rbd.csi.ceph.com', volumeHandle: pv, volumeAttributes: { pool: 'p', imageName: 'i' } },
        },
      },
    });
    await admin.core.createNamespacedPersistentVolumeClaim({
      namespace,
      body: {
        metadata: { name: 'data' },
        spec: {
          accessModes: ['ReadWriteOnce'],
          storageClassName: '',
          volumeName: pv,
          resources: { requests: { storage: '1Gi' } },
        },
      },
    });
    expect(await asCapstan.readPersistentVolumeClaim(namespace, 'data')).toMatchObject({ volumeName: pv });
    expect((await asCapstan.readPersistentVolume(pv))?.spec?.csi?.volumeAttributes).toEqual({
      pool: 'p',
      imageName: 'i',
    });
    expect(await asCapstan.readPersistentVolumeClaim(namespace, 'absent')).toBeUndefined();
    expect(await asCapstan.readPersistentVolume('absent')).toBeUndefined();
    // No CRD on this cluster: no NetworkFence, and discovery is open to every identity.
    expect(await asCapstan.readNetworkFence('capstan-absent')).toBeUndefined();
    // The sweep's detection (lib/sources/rbd-symptoms.ts) lists pods' Warning events, in every namespace.
    const warnings = await clients.core.listEventForAllNamespaces({ fieldSelector: 'type=Warning' });
    expect(warnings.items).toEqual(expect.any(Array));
    await admin.core.deletePersistentVolume({ name: pv });
  });

  it('is enough for every scaling verb: the HPA applied, read, bounded and deleted; a Deployment scaled', async () => {
    const labels = { 'app.kubernetes.io/managed-by': 'capstan' };
    const objects: KubernetesObject[] = [
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'scaled', namespace, labels },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'scaled' } },
          template: {
            metadata: { labels: { app: 'scaled' } },
            spec: { containers: [{ name: 'web', image: 'web:1' }] },
          },
        },
      } as KubernetesObject,
      {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'scaled', namespace, labels },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'scaled' },
          minReplicas: 1,
          maxReplicas: 3,
        },
      } as KubernetesObject,
    ];
    expect((await asCapstan.apply(objects)).map((r) => r.outcome)).toEqual(['created', 'created']);
    expect((await asCapstan.apply(objects)).map((r) => r.outcome)).toEqual(['unchanged', 'unchanged']);
    expect(await asCapstan.readHpa(namespace, 'web')).toMatchObject({ maxReplicas: 3 });
    expect(await asCapstan.setHpaBounds(namespace, 'scaled', { maxReplicas: 4 })).toBe('changed');
    expect(await asCapstan.setHpaBounds(namespace, 'scaled', { maxReplicas: 4 })).toBe('unchanged');
    // The HPA made by someone else (no capstan label) is left alone; capstan's is deleted once.
    expect(await asCapstan.deleteHpa(namespace, 'web')).toBe('unchanged');
    expect(await asCapstan.deleteHpa(namespace, 'scaled')).toBe('changed');
    expect(await asCapstan.deleteHpa(namespace, 'scaled')).toBe('unchanged');
    expect(await asCapstan.scaleDeployment(namespace, 'scaled', 2)).toBe('changed');
    expect(await asCapstan.scaleDeployment(namespace, 'scaled', 2)).toBe('unchanged');
    expect((await admin.apps.readNamespacedDeployment({ name: 'scaled', namespace })).spec?.replicas).toBe(2);
  });

  it('grants nothing more: Leases outside kube-node-lease, deleting or replacing a node are refused', async () => {
    const raw = clients;
    const forbidden = async (call: () => Promise<unknown>) =>
      expect(await call().catch((e: { code?: number }) => e.code)).toBe(403);
    await forbidden(() => raw.coordination.listNamespacedLease({ namespace: 'kube-system' }));
    await forbidden(() => raw.core.deleteNode({ name: node }));
    await forbidden(async () => raw.core.replaceNode({ name: node, body: await raw.core.readNode({ name: node }) }));
    await forbidden(() => raw.coordination.deleteNamespacedLease({ name: node, namespace: NODE_LEASE_NAMESPACE }));
    await forbidden(() => raw.core.deleteNamespacedPod({ name: 'here', namespace }));
    await forbidden(() => raw.core.patchNodeStatus({ name: node, body: [{ op: 'test', path: '/status', value: {} }] }));
    // Freeing reads volumes and deletes attachments; it never deletes or changes claims, volumes or events.
    await forbidden(() => raw.core.deleteNamespacedPersistentVolumeClaim({ name: 'data', namespace }));
    await forbidden(() => raw.core.listPersistentVolume());
    await forbidden(() => raw.core.deleteCollectionNamespacedEvent({ namespace }));
    // Scaling reads and writes single HPAs and Deployment scales; it neither lists HPAs nor replaces a scale.
    await forbidden(() => raw.autoscaling.listHorizontalPodAutoscalerForAllNamespaces());
    await forbidden(() =>
      raw.apps.replaceNamespacedDeploymentScale({
        name: 'scaled',
        namespace,
        body: { metadata: { name: 'scaled', namespace }, spec: { replicas: 1 } },
      }),
    );
    await forbidden(() =>
      raw.storage.createVolumeAttachment({
        body: {
          metadata: { name: 'x' },
          spec: { attacher: 'a', nodeName: node, source: { persistentVolumeName: 'x' } },
        },
      }),
    );
  });
});
