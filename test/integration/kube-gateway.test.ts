import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEvent } from '../../events/index.ts';
import sample from '../../events/samples/deploy.requested.json' with { type: 'json' };
import { renderManifests, stampRevision } from '../../lib/deploy/render/manifests.ts';
import { ClusterUnavailableError } from '../../lib/errors.ts';
import { gatewayConnector } from '../../lib/kube/gateway.ts';
import { uniqueName } from '../support/aws.ts';
import { connect, localClusters } from '../support/kube.ts';

const objectsOf = (app: string, replicas = 2, revision = 1) => {
  const parsed = parseEvent({ ...sample, data: { ...sample.data, app, namespace: app, replicas } });
  if (!parsed.ok || parsed.event.type !== 'deploy.requested') throw new Error(`bad sample: ${JSON.stringify(parsed)}`);
  return stampRevision(renderManifests(parsed.event.data), revision);
};

/** The deploy verbs of the Kubernetes gateway, the one port the use cases reach a cluster through. */
describe('the Kubernetes gateway against a real kube-apiserver', () => {
  const [cluster] = localClusters();
  const gateway = gatewayConnector(connect);

  it('apply twice: the second is unchanged, and the change set names every object', async () => {
    const kube = await gateway(cluster!);
    const objects = objectsOf(uniqueName('gw'));
    expect((await kube.apply(objects)).map((r) => `${r.kind}/${r.name}: ${r.outcome}`)).toEqual(
      objects.map((o) => `${o.kind}/${o.metadata?.name}: created`),
    );
    expect((await kube.apply(objects)).map((r) => r.outcome)).toEqual(['unchanged', 'unchanged', 'unchanged']);
  });

  it('a dry run says what would change and changes nothing; in a new namespace all of it is created', async () => {
    const kube = await gateway(cluster!);
    const app = uniqueName('gwdry');
    const fresh = await kube.dryRun(objectsOf(app));
    expect(fresh).toEqual([`Namespace/${app}: created`, `Deployment/${app}: created`, `Service/${app}: created`]);
    expect(await kube.readDeployment(app, app)).toBeUndefined();

    await kube.apply(objectsOf(app, 2));
    expect(await kube.dryRun(objectsOf(app, 2))).toEqual([]);
    const lines = await kube.dryRun(objectsOf(app, 3, 2));
    expect(lines).toContain(`Deployment/${app} spec.replicas: 2 -> 3`);
    expect((await kube.readDeployment(app, app))?.spec?.replicas).toBe(2);
  });

  it('reads live state: a Deployment, quotas (none where the namespace is missing), the version', async () => {
    const kube = await gateway(cluster!);
    const app = uniqueName('gwread');
    await kube.apply(objectsOf(app));
    expect((await kube.readDeployment(app, app))?.metadata?.name).toBe(app);
    expect(await kube.readDeployment(app, 'no-such-deployment')).toBeUndefined();
    expect(await kube.listResourceQuotas(uniqueName('no-such-namespace'))).toEqual([]);
    expect(await kube.version()).toMatch(/^v1\.\d+/);
  });

  it('every verb of an unreachable cluster is a retryable error naming it; none says "absent"', async () => {
    const path = join(tmpdir(), `${uniqueName('dead')}.kubeconfig`);
    writeFileSync(
      path,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: gone, cluster: {server: "https://127.0.0.1:9", insecure-skip-tls-verify: true}}]',
        'users: [{name: gone, user: {token: nothing}}]',
        'contexts: [{name: gone, context: {cluster: gone, user: gone}}]',
        'current-context: gone',
      ].join('\n'),
    );
    const kube = await gateway({ name: 'gone', credentials: { kind: 'kubeconfig', path, context: 'gone' } });
    for (const call of [
      () => kube.apply(objectsOf('x')),
      () => kube.dryRun(objectsOf('x')),
      () => kube.readDeployment('x', 'x'),
      () => kube.listResourceQuotas('x'),
      () => kube.version(),
    ]) {
      const error = await call().catch((e) => e);
      expect(error).toBeInstanceOf(ClusterUnavailableError);
      expect(error.message).toMatch(/^cluster gone: unreachable/);
    }
  });
});
