import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEvent } from '../../events/index.ts';
import sample from '../../events/samples/deploy.requested.json' with { type: 'json' };
import { rolloutStatus } from '../../lib/deploy/decisions/rollout.ts';
import { renderManifests, stampRevision } from '../../lib/deploy/render/manifests.ts';
import { ClusterRejectedError, ClusterUnavailableError } from '../../lib/errors.ts';
import { applyAll, applyObject } from '../../lib/kube/apply.ts';
import { connector } from '../../lib/kube/connect.ts';
import { uniqueName } from '../support/aws.ts';
import { connect, eventually, localClusters } from '../support/kube.ts';

const workload = (app: string, replicas = 2) => {
  const parsed = parseEvent({ ...sample, data: { ...sample.data, app, namespace: app, replicas } });
  if (!parsed.ok || parsed.event.type !== 'deploy.requested') throw new Error(`bad sample: ${JSON.stringify(parsed)}`);
  return parsed.event.data;
};

describe('server-side apply against a real kube-apiserver', () => {
  const [cluster] = localClusters();

  it('apply twice: the second is unchanged; a real change is configured', async () => {
    const kube = await connect(cluster!);
    const objects = stampRevision(renderManifests(workload(uniqueName('twice'))), 1);
    const first = await applyAll(kube, objects);
    expect(first.map((r) => `${r.kind}:${r.outcome}`)).toEqual([
      'Namespace:created',
      'Deployment:created',
      'Service:created',
    ]);
    const second = await applyAll(kube, objects);
    expect(second.map((r) => r.outcome)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    // Not the resourceVersion: the Deployment controller writes status in between. The spec was not touched.
    expect(second[1]?.object.metadata?.generation).toBe(first[1]?.object.metadata?.generation);

    const bumped = stampRevision(renderManifests({ ...workload(objects[0]?.metadata?.name ?? ''), replicas: 3 }), 2);
    const third = await applyAll(kube, bumped);
    expect(third.map((r) => r.outcome)).toEqual(['unchanged', 'configured', 'unchanged']);
  });

  it('dry run reports what would happen and persists nothing', async () => {
    const kube = await connect(cluster!);
    const app = uniqueName('dry');
    const [namespace, deployment] = renderManifests(workload(app));
    await applyObject(kube, namespace!);
    const dry = await applyObject(kube, deployment!, { dryRun: true });
    expect(dry.outcome).toBe('created');
    await expect(kube.apps.readNamespacedDeployment({ name: app, namespace: app })).rejects.toMatchObject({
      code: 404,
    });
  });

  it('a Deployment really rolls out on kwok nodes', async () => {
    const kube = await connect(cluster!);
    const app = uniqueName('roll');
    await applyAll(kube, stampRevision(renderManifests(workload(app, 3)), 1));
    const verdict = await eventually('rollout ready', async () => {
      const d = await kube.apps.readNamespacedDeployment({ name: app, namespace: app });
      const v = rolloutStatus(d);
      return v.state === 'ready' ? v : undefined;
    });
    expect(verdict.message).toBe('3 of 3 replicas available');
  });

  it('a refused object is a terminal error naming the cluster and the reason', async () => {
    const kube = await connect(cluster!);
    const bad = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Not_Valid', namespace: 'default' } };
    const error = await applyObject(kube, bad).catch((e) => e);
    expect(error).toBeInstanceOf(ClusterRejectedError);
    expect(error.message).toMatch(new RegExp(`^cluster ${cluster!.name}: HTTP 400: .*Not_Valid`));
  });

  it('an unreachable cluster is a retryable error', async () => {
    const dead = connector();
    const kube = await dead({
      ...cluster!,
      name: 'gone',
      credentials: { kind: 'kubeconfig', path: writeDeadKubeconfig(), context: 'gone' },
    });
    const error = await applyObject(kube, renderManifests(workload('x'))[0]!).catch((e) => e);
    expect(error).toBeInstanceOf(ClusterUnavailableError);
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('cluster gone: unreachable');
  });
});

/** A kubeconfig pointing at a loopback port nothing listens on. */
const writeDeadKubeconfig = () => {
  const path = join(tmpdir(), `${uniqueName('dead')}.kubeconfig`);
  writeFileSync(
    path,
    `apiVersion: v1
kind: Config
clusters: [{name: gone, cluster: {server: "https://127.0.0.1:9", insecure-skip-tls-verify: true}}]
users: [{name: gone, user: {token: nothing}}]
contexts: [{name: gone, context: {cluster: gone, user: gone}}]
current-context: gone
`,
  );
  return path;
};
