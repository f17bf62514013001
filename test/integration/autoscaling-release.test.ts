import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppSpec, AppSpecSchema } from '../../lib/apps/spec.ts';
import type { KubeClients } from '../../lib/kube/connect.ts';
import type { Runtime } from '../../lib/runtime/up.ts';
import { putApp } from '../../lib/store/apps.ts';
import { putCluster } from '../../lib/store/clusters.ts';
import { createDb, type Db } from '../../lib/store/db.ts';
import { dynamoStore } from '../../lib/store/dynamo.ts';
import { queryHistory } from '../../lib/store/history.ts';
import type { Store } from '../../lib/store/ports.ts';
import { listReleases, type Release } from '../../lib/store/releases.ts';
import { workloadLease } from '../../lib/store/scale-overrides.ts';
import { uniqueName } from '../support/aws.ts';
import { connect, eventually, localClusters } from '../support/kube.ts';
import { digestOf } from '../support/registry.ts';
import { startTestRuntime } from '../support/runtime.ts';

// The release side of autoscaling (issue 12) end to end, on real parts: a registered app with an
// `autoscaling` block released through the runtime (HTTP edge, ElasticMQ, DynamoDB Local) to a real
// kube-apiserver whose kube-controller-manager runs the real HPA controller. No metrics API here: the
// controller cannot compute utilization, but it still keeps the Deployment within [minReplicas, maxReplicas],
// which is what shows the Deployment's count is the HPA's.
let runtime: Runtime;
let db: Db;
let store: Store;
let kube: KubeClients;
const [first] = localClusters();
const cluster = `${first!.name}-autoscale`;
const environment = 'autoscale';
const REGISTRY = 'registry.local:5000';
const app = uniqueName('hpa-app');

beforeAll(async () => {
  runtime = await startTestRuntime('autoscale');
  db = createDb(runtime.state.table);
  store = dynamoStore(db);
  kube = await connect(first!);
  await putCluster(db, { ...first!, name: cluster, environment, wave: 0 });
});
afterAll(async () => {
  await kube?.core.deleteNamespace({ name: app }).catch(() => undefined);
  await runtime?.stop();
});

const spec = (settings: Record<string, unknown>): AppSpec =>
  AppSpecSchema.parse({
    name: app,
    namespace: app,
    containers: [
      {
        name: 'web',
        repository: `${REGISTRY}/acme/${app}`,
        limits: { cpu: '200m', memory: '64Mi' },
      },
    ],
    environments: { [environment]: settings },
  });

const ref = (tag: string) => `${REGISTRY}/acme/${app}:${tag}@${digestOf(`${app}:${tag}`)}`;

const deploy = async (tag: string) => {
  const response = await fetch(`${runtime.state.httpUrl}/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${runtime.state.ingestToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      specversion: '1.0',
      id: uniqueName('req'),
      type: 'deploy.requested',
      source: 'ci/test',
      time: new Date().toISOString(),
      schemaversion: '1',
      data: { app, environment, image: ref(tag) },
    }),
  });
  expect(response.status).toBe(202);
};

/** The release of that revision once it settled. */
const settled = (revision: number) =>
  eventually(
    `release #${revision} of ${app} to settle`,
    async (): Promise<Release | undefined> => {
      const [release] = await listReleases(db, app, environment, 1);
      if (release?.revision !== revision) return undefined;
      return release.status === 'succeeded' || release.status === 'failed' ? release : undefined;
    },
    120_000,
  );

/** What the apply of that revision said about each object. */
const appliedObjects = async (revision: number) => {
  const history = await queryHistory(db, { app });
  const entry = history.find((e) => e.action === 'apply' && e.revision === revision && e.outcome !== 'failed');
  return entry?.details?.objects as string[] | undefined;
};

const hpa = () => kube.autoscaling.readNamespacedHorizontalPodAutoscaler({ name: app, namespace: app });
const deployment = () => kube.apps.readNamespacedDeployment({ name: app, namespace: app });
const workload = { cluster, workload: { namespace: app, kind: 'Deployment' as const, name: app } };

describe('a release of an app with autoscaling', () => {
  it('renders the HPA with the spec values; the Deployment is left to it, and the controller scales it to min', async () => {
    await putApp(db, spec({ autoscaling: { min: 2, max: 4, cpuTarget: 70, cooldown: '2m' } }), new Date());
    await deploy('1.0.0');
    expect(await settled(1)).toMatchObject({ status: 'succeeded' });
    const live = await hpa();
    expect(live.metadata?.labels).toMatchObject({
      'app.kubernetes.io/name': app,
      'app.kubernetes.io/managed-by': 'capstan',
      'capstan.dev/environment': environment,
    });
    expect(live.spec).toMatchObject({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: app },
      minReplicas: 2,
      maxReplicas: 4,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
      ],
      behavior: { scaleDown: { stabilizationWindowSeconds: 120 } },
    });
    // The release does not own replicas: the HPA controller's write through the scale subresource does.
    await eventually('the HPA controller to scale the Deployment to min', async () =>
      (await deployment()).spec?.replicas === 2 ? true : undefined,
    );
    const owners = ((await deployment()).metadata?.managedFields ?? [])
      .filter((f) => JSON.stringify(f.fieldsV1 ?? {}).includes('"f:replicas"') && f.subresource !== 'status')
      .map((f) => f.manager);
    expect(owners).not.toContain('capstan');
  });

  it('re-releasing leaves the HPA unchanged, and the count the HPA set', async () => {
    await deploy('1.0.1');
    expect(await settled(2)).toMatchObject({ status: 'succeeded' });
    expect(await appliedObjects(2)).toContain(`HorizontalPodAutoscaler/${app}: unchanged`);
    expect((await deployment()).spec?.replicas).toBe(2);
  });

  it("a release while an override is active keeps the override's maxReplicas", async () => {
    const now = new Date();
    const saved = await store.overrides.save(
      {
        ...workload,
        app,
        environment,
        hpa: app,
        specMax: 4,
        max: 7,
        state: 'active',
        raisedAt: now.toISOString(),
        endsAt: new Date(now.getTime() + 3600_000).toISOString(),
        by: 'alert:HighCpu',
        eventId: uniqueName('alert'),
        updatedAt: now.toISOString(),
      },
      undefined,
    );
    expect(saved).toBe(true);
    await deploy('1.0.2');
    expect(await settled(3)).toMatchObject({ status: 'succeeded' });
    expect((await hpa()).spec).toMatchObject({ minReplicas: 2, maxReplicas: 7 });
  });

  it('a release waits while a scaling step holds the workload lease, and goes on once it is let go', async () => {
    const name = workloadLease(workload);
    await store.leases.acquire(name, 'scale/test', 60);
    await deploy('1.0.3');
    await eventually('the apply to be held off by the lease', async () => {
      const history = await queryHistory(db, { app });
      return history.some((e) => e.action === 'apply' && e.revision === 4 && e.code === 'lease-held')
        ? true
        : undefined;
    });
    const [waiting] = await listReleases(db, app, environment, 1);
    expect(waiting?.clusters[cluster]).toMatchObject({ apply: 'failed', code: 'lease-held' });
    await store.leases.release(name, 'scale/test');
    expect(await settled(4)).toMatchObject({ status: 'succeeded' });
    // Settled: the release let go of the lease, so a scaling step can take it.
    await store.leases.acquire(name, 'scale/test', 60);
    await store.leases.release(name, 'scale/test');
  });

  it('turning autoscaling off removes the HPA with the next release; the Deployment runs the spec replicas', async () => {
    // The override is over (reverted): the spec is what a release applies again.
    const current = await store.overrides.get(workload);
    await store.overrides.save(
      { ...current!, state: 'reverted', revertedAt: new Date().toISOString() },
      current!.version,
    );
    await putApp(db, spec({ replicas: 3 }), new Date());
    await deploy('1.0.4');
    expect(await settled(5)).toMatchObject({ status: 'succeeded' });
    expect(await appliedObjects(5)).toContain(`HorizontalPodAutoscaler/${app}: deleted`);
    await expect(hpa()).rejects.toMatchObject({ code: 404 });
    expect((await deployment()).spec?.replicas).toBe(3);
    // Once more: nothing left to delete.
    await deploy('1.0.5');
    expect(await settled(6)).toMatchObject({ status: 'succeeded' });
    expect((await appliedObjects(6))?.some((o) => o.startsWith('HorizontalPodAutoscaler'))).toBe(false);
  });
});
