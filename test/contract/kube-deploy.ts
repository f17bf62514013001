import type { KubernetesObject } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { parseEvent } from '../../events/index.ts';
import sample from '../../events/samples/deploy.requested.json' with { type: 'json' };
import { renderManifests, stampRevision } from '../../lib/deploy/render/manifests.ts';
import type { KubeGateway } from '../../lib/kube/gateway.ts';
import { uniqueName } from '../support/aws.ts';

// What the deploy verbs of KubeGateway promise, run against the real adapter on a real kube-apiserver
// (test/integration/kube-deploy-contract.test.ts) and against the in-memory double (test/unit/kube-contract.test.ts),
// so the release use-case tests through the double mean the same thing. Only what the use cases rely on is
// asserted: a real dry run says which field changes how, the double only which object changes.

/** The gateway of a cluster the suite may create namespaces in. */
export interface DeployFixture {
  readonly gateway: KubeGateway;
}

/**
 * Namespace, Deployment and Service of an app in a namespace of its own, as a release renders them; `label` is
 * one more label on the Deployment's and the Service's own metadata.
 */
const release = (
  app: string,
  { replicas = 2, revision = 1, label }: { replicas?: number; revision?: number; label?: string } = {},
) => {
  const parsed = parseEvent({ ...sample, data: { ...sample.data, app, namespace: app, replicas } });
  if (!parsed.ok || parsed.event.type !== 'deploy.requested') throw new Error(`bad sample: ${JSON.stringify(parsed)}`);
  const objects = stampRevision(renderManifests(parsed.event.data), revision);
  return label
    ? objects.map((o) =>
        o.kind === 'Namespace'
          ? o
          : { ...o, metadata: { ...o.metadata, labels: { ...o.metadata?.labels, contract: label } } },
      )
    : objects;
};

const ids = (objects: readonly KubernetesObject[]) => objects.map((o) => `${o.kind}/${o.metadata?.name}`);

/** The same object with every key, at every depth, in reverse order: the same to Kubernetes. */
const reordered = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(reordered);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([k, v]) => [k, reordered(v)]),
  );
};

const generationOf = async (gateway: KubeGateway, app: string) =>
  (await gateway.readDeployment(app, app))?.metadata?.generation;

export const deployVerbsContract = (fixture: () => DeployFixture) =>
  describe('deploy verbs (contract)', () => {
    it('apply: one result per object in the order given, created, then unchanged; a change is configured', async () => {
      const { gateway } = fixture();
      const app = uniqueName('kd-apply');
      const objects = release(app);
      const first = await gateway.apply(objects);
      expect(first.map((r) => `${r.kind}/${r.name}: ${r.outcome}`)).toEqual(ids(objects).map((id) => `${id}: created`));
      expect(first.map((r) => r.object.metadata?.name)).toEqual([app, app, app]);
      expect((await gateway.apply(objects)).map((r) => r.outcome)).toEqual(['unchanged', 'unchanged', 'unchanged']);
      // Kubernetes compares content, not the order of keys (a release read back from the table may have another).
      expect((await gateway.apply(objects.map((o) => reordered(o) as KubernetesObject))).map((r) => r.outcome)).toEqual(
        ['unchanged', 'unchanged', 'unchanged'],
      );
      expect((await gateway.apply(release(app, { label: 'a' }))).map((r) => r.outcome)).toEqual([
        'unchanged',
        'configured',
        'configured',
      ]);
    });

    it("apply: a Deployment's generation moves on a spec or annotation change, not on a re-apply nor a label", async () => {
      const { gateway } = fixture();
      const app = uniqueName('kd-gen');
      const [, created] = await gateway.apply(release(app));
      const generation = created?.object.metadata?.generation ?? 0;
      expect(generation).toBeGreaterThanOrEqual(1);
      expect(await generationOf(gateway, app)).toBe(generation);

      const [, again] = await gateway.apply(release(app));
      expect(again?.object.metadata?.generation).toBe(generation);
      const [, labelled] = await gateway.apply(release(app, { label: 'a' }));
      expect(labelled?.outcome).toBe('configured');
      expect(labelled?.object.metadata?.generation).toBe(generation);

      // The revision is an annotation of the Deployment's own, and Kubernetes copies a Deployment's annotations
      // to its ReplicaSets: a new revision of the same spec is a new generation to watch roll out.
      const [, restamped] = await gateway.apply(release(app, { label: 'a', revision: 2 }));
      expect(restamped?.outcome).toBe('configured');
      expect(restamped?.before?.metadata?.generation).toBe(generation);
      expect(restamped?.object.metadata?.generation).toBeGreaterThan(generation);

      const restampedGeneration = restamped?.object.metadata?.generation ?? 0;
      const [, scaled] = await gateway.apply(release(app, { label: 'a', replicas: 3, revision: 2 }));
      expect(scaled?.outcome).toBe('configured');
      expect(scaled?.object.metadata?.generation).toBeGreaterThan(restampedGeneration);
      const live = await gateway.readDeployment(app, app);
      expect(live?.spec?.replicas).toBe(3);
      expect(live?.metadata?.generation).toBe(scaled?.object.metadata?.generation);
    });

    it('dryRun in a new namespace: every object created, and nothing is', async () => {
      const { gateway } = fixture();
      const app = uniqueName('kd-dry');
      const objects = release(app);
      expect(await gateway.dryRun(objects)).toEqual(ids(objects).map((id) => `${id}: created`));
      expect(await gateway.readDeployment(app, app)).toBeUndefined();
      expect(await gateway.listResourceQuotas(app)).toEqual([]);
      // Nothing was left behind: a real apply still creates all of it.
      expect((await gateway.apply(objects)).map((r) => r.outcome)).toEqual(['created', 'created', 'created']);
    });

    it('dryRun of what is live: no lines; of a change: lines naming the changed object only, and nothing changes', async () => {
      const { gateway } = fixture();
      const app = uniqueName('kd-diff');
      await gateway.apply(release(app));
      const generation = await generationOf(gateway, app);
      expect(await gateway.dryRun(release(app))).toEqual([]);
      expect(await gateway.dryRun(release(app).map((o) => reordered(o) as KubernetesObject))).toEqual([]);

      const lines = await gateway.dryRun(release(app, { replicas: 3, revision: 2 }));
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect(line).toMatch(new RegExp(`^Deployment/${app}[ :]`));
      const live = await gateway.readDeployment(app, app);
      expect(live?.spec?.replicas).toBe(2);
      expect(live?.metadata?.generation).toBe(generation);
      // And a real apply of the change still configures it.
      expect((await gateway.apply(release(app, { replicas: 3, revision: 2 }))).map((r) => r.outcome)).toEqual([
        'unchanged',
        'configured',
        'unchanged',
      ]);
    });

    it('reads: an absent Deployment is undefined, a missing namespace has no quotas, the version is a string', async () => {
      const { gateway } = fixture();
      const app = uniqueName('kd-read');
      expect(await gateway.readDeployment(app, app)).toBeUndefined();
      await gateway.apply(release(app));
      expect((await gateway.readDeployment(app, app))?.metadata?.name).toBe(app);
      expect(await gateway.readDeployment(app, 'no-such-deployment')).toBeUndefined();
      expect(await gateway.listResourceQuotas(uniqueName('kd-no-namespace'))).toEqual([]);
      expect(await gateway.listResourceQuotas(app)).toEqual([]);
      expect(await gateway.version()).toMatch(/^v1\.\d+/);
    });
  });
