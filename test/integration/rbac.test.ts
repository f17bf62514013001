import { describe, expect, it } from 'vitest';
import { parseEvent } from '../../events/index.ts';
import sample from '../../events/samples/deploy.requested.json' with { type: 'json' };
import { renderManifests, stampRevision } from '../../lib/deploy/render/manifests.ts';
import { ClusterRejectedError } from '../../lib/errors.ts';
import { applyAll } from '../../lib/kube/apply.ts';
import { connector } from '../../lib/kube/connect.ts';
import { translateKubeError } from '../../lib/kube/errors.ts';
import { gatewayOf } from '../../lib/kube/gateway.ts';
import { RBAC_NAME, rbacManifests } from '../../lib/kube/rbac.ts';
import { uniqueName } from '../support/aws.ts';
import { connect, localClusters } from '../support/kube.ts';
import { kubeconfigWithToken } from '../support/service-account.ts';

const NAMESPACE = 'capstan-system';

describe("capstan's least-privilege ClusterRole, on a real kube-apiserver with RBAC", () => {
  const [admin] = localClusters();

  it('applies twice: the second is unchanged', async () => {
    const kube = await connect(admin!);
    const first = await applyAll(kube, rbacManifests(NAMESPACE));
    expect(first.every((r) => r.outcome === 'created' || r.outcome === 'unchanged')).toBe(true);
    const second = await applyAll(kube, rbacManifests(NAMESPACE));
    expect(second.map((r) => r.outcome)).toEqual(Array(6).fill('unchanged'));
    // The Node Leases through a Role in kube-node-lease alone, not cluster-wide.
    expect(second.map((r) => `${r.kind}/${r.object?.metadata?.namespace ?? ''}`)).toEqual([
      'Namespace/',
      `ServiceAccount/${NAMESPACE}`,
      'ClusterRole/',
      'ClusterRoleBinding/',
      'Role/kube-node-lease',
      'RoleBinding/kube-node-lease',
    ]);
  });

  it("is enough for a release under the service account's own token, and refuses anything else", async () => {
    const adminKube = await connect(admin!);
    const { status } = await adminKube.core.createNamespacedServiceAccountToken({
      name: RBAC_NAME,
      namespace: NAMESPACE,
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const path = kubeconfigWithToken(admin!.credentials as { path: string; context: string }, status!.token);
    const asCapstan = await connector()({
      ...admin!,
      name: 'as-capstan',
      credentials: { kind: 'kubeconfig', path, context: 'capstan' },
    });

    const app = uniqueName('rbac');
    const parsed = parseEvent({ ...sample, data: { ...sample.data, app, namespace: app } });
    if (!parsed.ok || parsed.event.type !== 'deploy.requested') throw new Error('bad sample');
    // Every verb of the gateway a release uses, as a release uses it.
    const gateway = gatewayOf(asCapstan);
    const objects = stampRevision(renderManifests(parsed.event.data), 1);
    expect(await gateway.listResourceQuotas(app)).toEqual([]);
    expect(await gateway.dryRun(objects)).toHaveLength(3);
    const applied = await gateway.apply(objects);
    expect(applied.map((r) => r.outcome)).toEqual(['created', 'created', 'created']);
    expect(await gateway.listResourceQuotas(app)).toEqual([]);
    expect(await gateway.dryRun(objects)).toEqual([]);
    expect((await gateway.readDeployment(app, app))?.metadata?.name).toBe(app);
    expect(await gateway.version()).toMatch(/^v1/);

    const forbidden = async (call: () => Promise<unknown>) => {
      const error = (await call().catch((e: unknown) => e)) as { code?: number };
      expect(() => translateKubeError('as-capstan', error)).toThrow(ClusterRejectedError);
      expect(error.code).toBe(403);
    };
    await forbidden(() => asCapstan.core.listNamespacedSecret({ namespace: NAMESPACE }));
    await forbidden(() => asCapstan.core.deleteNamespace({ name: app }));
    await forbidden(() => asCapstan.core.deleteNode({ name: `${admin!.name}-worker-1` }));
    await forbidden(() => asCapstan.coordination.listNamespacedLease({ namespace: 'kube-system' }));
    await forbidden(() => asCapstan.autoscaling.listHorizontalPodAutoscalerForAllNamespaces());
  });

  it("lets healing read every node with its Lease, and freeing its volumes, under the service account's own token", async () => {
    const adminKube = await connect(admin!);
    const { status } = await adminKube.core.createNamespacedServiceAccountToken({
      name: RBAC_NAME,
      namespace: NAMESPACE,
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const path = kubeconfigWithToken(admin!.credentials as { path: string; context: string }, status!.token);
    const gateway = gatewayOf(
      await connector()({
        ...admin!,
        name: 'as-capstan',
        credentials: { kind: 'kubeconfig', path, context: 'capstan' },
      }),
    );
    const workers = (await gateway.listNodes()).filter((n) => n.name.startsWith(`${admin!.name}-worker-`));
    expect(workers.length).toBeGreaterThanOrEqual(3);
    for (const n of workers) expect(n).toMatchObject({ ready: 'True', leaseRenewedAt: expect.any(String) });
    expect((await gateway.readNode(workers[0]!.name))?.leaseHolder).toBeTruthy();
    expect(await gateway.listPodsOnNode(workers[0]!.name)).toEqual(expect.any(Array));
    expect(await gateway.listVolumeAttachments(workers[0]!.name)).toEqual(expect.any(Array));
    // And freeing RBD images (issue 11) its way from a pod to its volume.
    expect(await gateway.readPersistentVolumeClaim('default', 'absent')).toBeUndefined();
    expect(await gateway.readPersistentVolume('absent')).toBeUndefined();
    expect(await gateway.listVolumeAttachmentsOfVolume('absent')).toEqual([]);
  });
});
