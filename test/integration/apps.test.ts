import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppSpec } from '../../lib/apps/spec.ts';
import { AppSpecSchema } from '../../lib/apps/spec.ts';
import { approveCommand } from '../../lib/cli/commands/approvals.ts';
import { promoteCommand } from '../../lib/cli/commands/promote.ts';
import { REVISION_ANNOTATION } from '../../lib/deploy/render/manifests.ts';
import { appStatus } from '../../lib/deploy/use-cases/status.ts';
import { hookSecret } from '../../lib/ingest/hook-secret.ts';
import { gatewayConnector } from '../../lib/kube/gateway.ts';
import type { Runtime } from '../../lib/runtime/up.ts';
import { appsTracking, findApp, putApp, removeApp } from '../../lib/store/apps.ts';
import { putCluster } from '../../lib/store/clusters.ts';
import { createDb, type Db } from '../../lib/store/db.ts';
import { dynamoStore } from '../../lib/store/dynamo.ts';
import { environmentPolicy, setEnvironment } from '../../lib/store/environments.ts';
import { EXPLAINED_OUTCOMES, HistoryEntrySchema, queryHistory } from '../../lib/store/history.ts';
import { UNROUTED_APP } from '../../lib/store/ports.ts';
import { getApproval, listApprovals } from '../../lib/store/release-approvals.ts';
import { listReleases, type Release } from '../../lib/store/releases.ts';
import { env } from '../../lib/topology.ts';
import { awsClients, uniqueName } from '../support/aws.ts';
import { connect, eventually, localClusters } from '../support/kube.ts';
import { digestOf, distributionEnvelope } from '../support/registry.ts';
import { startTestRuntime } from '../support/runtime.ts';

// Registered apps end to end, on real parts only: registry webhooks through the HTTP edge, ElasticMQ,
// DynamoDB Local, and two real kube-apiservers with controller-manager, scheduler and kwok nodes.
// `staging` spans both clusters (waves 1 and 2); `qa` is the first cluster and the protected `live` the
// second, so an app released to qa and live never shares a Deployment.
let runtime: Runtime;
let db: Db;
const clusters = localClusters();
const { sqs } = awsClients();
const REGISTRY = 'registry.local:5000';

beforeAll(async () => {
  runtime = await startTestRuntime('apps');
  db = createDb(runtime.state.table);
  const [first, second] = clusters;
  await putCluster(db, { ...first!, name: `${first!.name}-qa`, environment: 'qa', wave: 0 });
  await putCluster(db, { ...second!, name: `${second!.name}-live`, environment: 'live', wave: 0 });
  await setEnvironment(db, { name: 'live', protected: true, updatedAt: new Date().toISOString() });
});
afterAll(async () => {
  await runtime?.stop();
});

/** An app as production rules want it, tracking its own repository (unique per test). */
const appSpec = (name: string, environments: Record<string, unknown>, patch: Record<string, unknown> = {}): AppSpec =>
  AppSpecSchema.parse({
    name,
    namespace: name,
    replicas: 3,
    containers: [
      {
        name: 'web',
        repository: `${REGISTRY}/acme/${name}`,
        ports: [{ name: 'http', containerPort: 8080 }],
        probes: {
          liveness: { httpGet: { path: '/healthz', port: 8080 } },
          readiness: { httpGet: { path: '/ready', port: 8080 } },
        },
        limits: { cpu: '200m', memory: '64Mi' },
      },
    ],
    environments,
    ...patch,
  });

const register = async (spec: AppSpec) => (await putApp(db, spec, new Date())).change;

const hook = async (app: string, push: Parameters<typeof distributionEnvelope>[2], body?: string) => {
  const response = await fetch(`${runtime.state.httpUrl}/hooks/distribution`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${hookSecret(runtime.state.ingestToken, 'distribution')}`,
      'content-type': 'application/vnd.docker.distribution.events.v2+json',
    },
    body: body ?? JSON.stringify(distributionEnvelope(REGISTRY, `acme/${app}`, push)),
  });
  return { status: response.status, body: (await response.json()) as { accepted: string[]; ignored: string[] } };
};

const post = async (event: unknown) => {
  const response = await fetch(`${runtime.state.httpUrl}/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${runtime.state.ingestToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(event),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

const deployRequest = (app: string, environment: string, image: string, more: Record<string, unknown> = {}) => ({
  specversion: '1.0',
  id: uniqueName('req'),
  type: 'deploy.requested',
  source: 'ci/test',
  time: new Date().toISOString(),
  schemaversion: '1',
  data: { app, environment, image, ...more },
});

const ref = (app: string, tag: string) => `${REGISTRY}/acme/${app}:${tag}@${digestOf(`${app}:${tag}`)}`;

/** The newest release once it has settled (succeeded or failed). */
const settled = (app: string, environment: string, revision?: number) =>
  eventually(
    `release of ${app} in ${environment} to settle`,
    async (): Promise<Release | undefined> => {
      const [release] = await listReleases(db, app, environment, 1);
      if (!release || (revision !== undefined && release.revision !== revision)) return undefined;
      return release.status === 'succeeded' || release.status === 'failed' ? release : undefined;
    },
    120_000,
  );

const imageIn = async (cluster: (typeof clusters)[number], app: string) => {
  const d = await (await connect(cluster)).apps.readNamespacedDeployment({ name: app, namespace: app });
  return {
    image: d.spec?.template.spec?.containers[0]?.image,
    revision: d.metadata?.annotations?.[REVISION_ANNOTATION],
  };
};

/** Container name -> image of the app's Deployment in a cluster. */
const imagesIn = async (cluster: (typeof clusters)[number], app: string) => {
  const d = await (await connect(cluster)).apps.readNamespacedDeployment({ name: app, namespace: app });
  return Object.fromEntries((d.spec?.template.spec?.containers ?? []).map((c) => [c.name, c.image]));
};

/** Lets the queues drain: what a test says "changes nothing" must have had its chance to change something. */
const quiet = () => new Promise((r) => setTimeout(r, 4000));

describe('apps in the table', () => {
  it('registers, leaves an identical spec unchanged, and moves tracking with the repository', async () => {
    const name = uniqueName('store');
    const spec = appSpec(name, { staging: {} });
    expect(await register(spec)).toBe('created');
    expect(await register(spec)).toBe('unchanged');
    const moved = { ...spec, containers: [{ ...spec.containers[0]!, repository: `${REGISTRY}/acme/${name}-v2` }] };
    expect(await register(moved)).toBe('configured');
    expect((await findApp(db, name))?.generation).toBe(2);
    expect(await appsTracking(db, `${REGISTRY}/acme/${name}`)).toEqual([]);
    expect(
      (await appsTracking(db, `${REGISTRY}/acme/${name}-v2`)).map((a) => [a.record.spec.name, a.containers]),
    ).toEqual([[name, ['web']]]);
  });

  it('removing an app drops its tracking, keeps its history, and is refused twice', async () => {
    const name = uniqueName('gone');
    await register(appSpec(name, { live: {} }));
    expect((await removeApp(db, name)).spec.name).toBe(name);
    expect(await findApp(db, name)).toBeUndefined();
    expect(await appsTracking(db, `${REGISTRY}/acme/${name}`)).toEqual([]);
    await expect(removeApp(db, name)).rejects.toThrow(`app ${name} is not registered`);
  });

  it('environments: explicit settings win, unset ones named like production are protected', async () => {
    expect(await environmentPolicy(db, 'live')).toEqual({ name: 'live', protected: true, configured: true });
    expect((await environmentPolicy(db, 'production')).protected).toBe(true);
    expect((await environmentPolicy(db, 'staging')).protected).toBe(false);
  });
});

describe('image.pushed -> release by digest', () => {
  const app = uniqueName('pushed');

  beforeAll(async () => {
    await register(appSpec(app, { staging: { track: { tags: { semver: '^1.0.0' } }, autoDeploy: true, replicas: 2 } }));
  });

  it('a matching tag deploys by digest to every cluster of the environment, wave by wave', async () => {
    const answer = await hook(app, { tag: '1.2.0', digest: digestOf(`${app}:1.2.0`) });
    expect(answer).toMatchObject({ status: 202, body: { accepted: [expect.any(String)], ignored: [] } });
    const release = await settled(app, 'staging');
    expect(release).toMatchObject({ status: 'succeeded', revision: 1, image: ref(app, '1.2.0') });
    expect(release.waves).toEqual(clusters.map((c) => [c.name]));
    for (const cluster of clusters)
      expect(await imageIn(cluster, app)).toEqual({ image: ref(app, '1.2.0'), revision: '1' });

    // Wave 2 was applied only after wave 1's rollout had succeeded.
    const history = await queryHistory(db, { app });
    const at = (action: string, cluster: string, outcome: string) =>
      history.find((e) => e.action === action && e.cluster === cluster && e.outcome === outcome)?.recordedAt ?? '';
    const [first, second] = clusters;
    expect(at('apply', second!.name, 'created') > at('rollout', first!.name, 'succeeded')).toBe(true);
    expect(history.find((e) => e.action === 'track')).toMatchObject({
      outcome: 'accepted',
      environment: 'staging',
      reason: '1.2.0 is the first release',
    });
  });

  it('a non-matching tag, an untagged push and a blob upload change nothing', async () => {
    const before = await queryHistory(db, { app });
    expect((await hook(app, { tag: '2.0.0', digest: digestOf(`${app}:2.0.0`) })).status).toBe(202);
    expect((await hook(app, { tag: 'latest', digest: digestOf(`${app}:latest`) })).status).toBe(202);
    const untagged = await hook(app, { digest: digestOf(`${app}:child`) });
    const blob = await hook(app, { digest: digestOf(`${app}:layer`), blob: true });
    expect(untagged.body).toMatchObject({ accepted: [], ignored: [expect.any(String)] });
    expect(blob.body).toMatchObject({ accepted: [], ignored: [expect.any(String)] });
    await quiet();
    expect(await listReleases(db, app, 'staging')).toHaveLength(1);
    const skipped = (await queryHistory(db, { app })).filter((e) => !before.some((b) => b.eventId === e.eventId));
    expect(skipped.map((e) => [e.outcome, e.code])).toEqual([
      ['skipped', 'no-match'],
      ['skipped', 'no-match'],
    ]);
    for (const cluster of clusters) expect((await imageIn(cluster, app)).image).toBe(ref(app, '1.2.0'));
  });

  it('the same push delivered twice makes one release', async () => {
    const body = JSON.stringify(
      distributionEnvelope(REGISTRY, `acme/${app}`, { tag: '1.3.0', digest: digestOf(`${app}:1.3.0`) }),
    );
    expect((await hook(app, { digest: '' }, body)).status).toBe(202);
    expect((await hook(app, { digest: '' }, body)).status).toBe(202);
    const release = await settled(app, 'staging', 2);
    expect(release).toMatchObject({ status: 'succeeded', image: ref(app, '1.3.0') });
    await quiet();
    expect(await listReleases(db, app, 'staging')).toHaveLength(2);
  });

  it('an older version arriving after a newer one is skipped with the reason', async () => {
    const late = await hook(app, { tag: '1.2.5', digest: digestOf(`${app}:1.2.5`) });
    expect(late.status).toBe(202);
    const entry = await eventually('the skipped push in the history', async () =>
      (await queryHistory(db, { app })).find((e) => e.action === 'track' && e.details?.image === ref(app, '1.2.5')),
    );
    expect(entry).toMatchObject({ outcome: 'skipped', code: 'not-newer' });
    await quiet();
    expect(await listReleases(db, app, 'staging')).toHaveLength(2);
    for (const cluster of clusters) expect((await imageIn(cluster, app)).image).toBe(ref(app, '1.3.0'));
  });
});

describe('deploy.requested for a registered app', () => {
  it('three concurrent requests for one version make one release; the newer of two versions ends up everywhere', async () => {
    const app = uniqueName('dup');
    await register(appSpec(app, { staging: { replicas: 2 } }));
    const answers = await Promise.all([1, 2, 3].map(() => post(deployRequest(app, 'staging', ref(app, '1.0.0')))));
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202]);
    await settled(app, 'staging');
    await quiet();
    expect(await listReleases(db, app, 'staging')).toHaveLength(1);

    await post(deployRequest(app, 'staging', ref(app, '1.1.0')));
    await post(deployRequest(app, 'staging', ref(app, '1.2.0')));
    const last = await eventually(
      'the newer version to succeed',
      async () => {
        const [newest] = await listReleases(db, app, 'staging', 1);
        return newest?.image === ref(app, '1.2.0') && newest.status === 'succeeded' ? newest : undefined;
      },
      120_000,
    );
    for (const cluster of clusters) {
      expect(await imageIn(cluster, app)).toEqual({ image: ref(app, '1.2.0'), revision: String(last.revision) });
    }
    const status = await appStatus({ store: dynamoStore(db), kube: gatewayConnector(connect) }, app, ['staging']);
    expect(status.map((s) => [s.cluster, s.release, s.healthy])).toEqual(
      clusters.map((c) => [c.name, last.revision, true]),
    );
  });

  it('a protected environment refuses each policy violation with its reason, and applies nothing', async () => {
    const app = uniqueName('weak');
    const weak = appSpec(app, { live: {} }, { replicas: 1, qos: 'critical' });
    weak.containers[0] = { ...weak.containers[0]!, probes: {}, limits: undefined };
    await register(weak);
    const answer = await post(deployRequest(app, 'live', `${REGISTRY}/acme/${app}:latest`));
    expect(answer.status).toBe(202);
    const refused = await eventually('the refusal in the history', async () =>
      (await queryHistory(db, { app })).find((e) => e.outcome === 'refused'),
    );
    expect(refused.code).toBe('policy');
    // Every broken rule is named, by its rule.
    const reasons = (refused.details!.reasons as string[]).map((r) => r.split(':')[0]).sort();
    expect(reasons).toEqual(expect.arrayContaining(['image-digest', 'latest-tag', 'replicas', 'probes', 'limits']));
    expect(await listReleases(db, app, 'live')).toEqual([]);
    const error = await (await connect(clusters[1]!)).core.readNamespace({ name: app }).catch((e) => e);
    expect(error).toMatchObject({ code: 404 });
  });

  it('an unregistered app is kept out of a protected environment', async () => {
    const app = uniqueName('stray');
    await post(deployRequest(app, 'live', ref(app, '1.0.0')));
    const refused = await eventually('the refusal in the history', async () =>
      (await queryHistory(db, { app })).find((e) => e.outcome === 'refused'),
    );
    expect(refused.code).toBe('policy');
  });
});

describe('never latest in a protected environment', () => {
  it('a push of latest, pinned by digest and matching the rule, releases to qa but is refused in live', async () => {
    const app = uniqueName('moving');
    const track = { track: { tags: { glob: '*' } }, autoDeploy: true };
    await register(appSpec(app, { qa: track, live: track }));
    expect((await hook(app, { tag: 'latest', digest: digestOf(`${app}:latest`) })).status).toBe(202);
    expect(await settled(app, 'qa')).toMatchObject({ status: 'succeeded', image: ref(app, 'latest') });
    const refused = await eventually('the refusal in live', async () =>
      (await queryHistory(db, { app, environment: 'live' })).find((e) => e.outcome === 'refused'),
    );
    expect(refused.code).toBe('policy');
    // It says so: the words name the tag and the environment.
    expect(refused.reason).toContain('the tag "latest" is refused in protected environment "live"');
    await quiet();
    expect(await listReleases(db, app, 'live')).toEqual([]);
    expect(await listApprovals(db, app, 'live')).toEqual([]);
    const error = await (await connect(clusters[1]!)).core.readNamespace({ name: app }).catch((e) => e);
    expect(error).toMatchObject({ code: 404 });
  });
});

describe('approval and promotion', () => {
  const app = uniqueName('shop');
  const endpoint = () => ({ url: runtime.state.httpUrl, token: runtime.state.ingestToken });
  const lines: string[] = [];
  const out = (line: string) => void lines.push(line);

  beforeAll(async () => {
    process.env[env.table] = runtime.state.table; // the CLI commands reach this runtime's table
    await register(
      appSpec(app, {
        qa: { track: { tags: { semver: '>=1.0.0' } }, autoDeploy: true },
        live: { track: { tags: { semver: '>=1.0.0' } }, autoDeploy: false },
      }),
    );
  });
  afterAll(() => {
    delete process.env[env.table];
  });

  it('a push deploys to qa at once and waits for approval in live; a newer push replaces it; approving releases that', async () => {
    const open = async () => listApprovals(db, app, 'live', { state: 'open' });
    await hook(app, { tag: '1.0.0', digest: digestOf(`${app}:1.0.0`) });
    expect(await settled(app, 'qa')).toMatchObject({ status: 'succeeded', image: ref(app, '1.0.0') });
    const first = await eventually('the first push to wait', async () => (await open())[0]);
    expect(first).toMatchObject({ request: { image: ref(app, '1.0.0'), awaitApproval: true }, required: 1 });

    await hook(app, { tag: '1.0.1', digest: digestOf(`${app}:1.0.1`) });
    const waiting = await eventually('the newer push to wait', async () =>
      (await open()).find((a) => a.request.image === ref(app, '1.0.1')),
    );
    // The older one ended, so a vote cannot release an image already replaced.
    const older = await eventually('the older push to be superseded', async () => {
      const found = await getApproval(db, app, 'live', first.id);
      return found?.state === 'superseded' ? found : undefined;
    });
    expect(older.supersededBy).toBe(waiting.id);
    expect((await open()).map((a) => a.id)).toEqual([waiting.id]);
    expect(await listReleases(db, app, 'live')).toEqual([]);

    await approveCommand(app, { env: 'live', ...endpoint() }, out);
    expect(await settled(app, 'live')).toMatchObject({ status: 'succeeded', image: ref(app, '1.0.1') });
    expect(await getApproval(db, app, 'live', waiting.id)).toMatchObject({ state: 'released', revision: 1 });
    expect(await open()).toEqual([]);
    expect(await imageIn(clusters[1]!, app)).toMatchObject({ image: ref(app, '1.0.1') });
  });

  it('promote releases the digest that succeeded in qa to live', async () => {
    await hook(app, { tag: '1.1.0', digest: digestOf(`${app}:1.1.0`) });
    await eventually(
      '1.1.0 to succeed in qa',
      async () => {
        const [r] = await listReleases(db, app, 'qa', 1);
        return r?.image === ref(app, '1.1.0') && r.status === 'succeeded' ? r : undefined;
      },
      120_000,
    );
    await promoteCommand(app, { from: 'qa', to: 'live', ...endpoint() }, out);
    const promoted = await eventually(
      '1.1.0 to succeed in live',
      async () => {
        const [r] = await listReleases(db, app, 'live', 1);
        return r?.image === ref(app, '1.1.0') && r.status === 'succeeded' ? r : undefined;
      },
      120_000,
    );
    expect(promoted.reason).toMatch(/^promoted from qa #3/);
    expect(await imageIn(clusters[1]!, app)).toEqual({ image: ref(app, '1.1.0'), revision: String(promoted.revision) });
    expect(lines.join('\n')).toContain(`promoting ${app} ${ref(app, '1.1.0')} from qa #3 to live`);
  });
});

describe('an app with a sidecar', () => {
  const app = uniqueName('sidecar');
  const proxy = `${app}-proxy`;
  const push = (repository: string, tag: string) => hook(repository, { tag, digest: digestOf(`${repository}:${tag}`) });
  const newest = (revision: number) => settled(app, 'qa', revision);

  beforeAll(async () => {
    const spec = appSpec(app, { qa: { track: { tags: { semver: '>=1.0.0' } }, autoDeploy: true, replicas: 1 } });
    spec.containers.push({ ...spec.containers[0]!, name: 'proxy', repository: `${REGISTRY}/acme/${proxy}`, ports: [] });
    await register(spec);
  });

  it('a push of either repository releases that container and keeps the other as it runs', async () => {
    // The first release names both images; a push alone could not, and is refused with the reason.
    await push(app, '1.0.0');
    const refused = await eventually('the refusal of a first release without the proxy image', async () =>
      (await queryHistory(db, { app })).find((e) => e.outcome === 'refused'),
    );
    expect(refused.code).toBe('policy');
    expect(refused.reason).toContain('container "proxy"');
    await post(deployRequest(app, 'qa', ref(app, '1.0.0'), { images: { proxy: ref(proxy, '1.0.0') } }));
    expect(await newest(1)).toMatchObject({ status: 'succeeded' });
    expect(await imagesIn(clusters[0]!, app)).toEqual({ web: ref(app, '1.0.0'), proxy: ref(proxy, '1.0.0') });

    await push(proxy, '1.1.0');
    expect(await newest(2)).toMatchObject({ status: 'succeeded', image: ref(proxy, '1.1.0') });
    expect(await imagesIn(clusters[0]!, app)).toEqual({ web: ref(app, '1.0.0'), proxy: ref(proxy, '1.1.0') });

    await push(app, '1.2.0');
    expect(await newest(3)).toMatchObject({ status: 'succeeded', image: ref(app, '1.2.0') });
    expect(await imagesIn(clusters[0]!, app)).toEqual({ web: ref(app, '1.2.0'), proxy: ref(proxy, '1.1.0') });
  });

  it('a late push of an older sidecar version is compared with the sidecar, and skipped', async () => {
    await push(proxy, '1.0.5');
    const entry = await eventually('the skipped sidecar push', async () =>
      (await queryHistory(db, { app })).find((e) => e.action === 'track' && e.details?.image === ref(proxy, '1.0.5')),
    );
    expect(entry).toMatchObject({
      outcome: 'skipped',
      code: 'not-newer',
      details: expect.objectContaining({ container: 'proxy' }),
    });
    await quiet();
    expect(await listReleases(db, app, 'qa')).toHaveLength(3);
  });

  it('a main-image push delivered after a later sidecar release is not stale: lateness is per container', async () => {
    await push(proxy, '1.2.0');
    expect(await newest(4)).toMatchObject({ status: 'succeeded', image: ref(proxy, '1.2.0') });
    // Pushed after the web release #3 was asked for, before the sidecar release #4 was.
    const [fourth, third] = await listReleases(db, app, 'qa', 2);
    const between = new Date(Date.parse(third!.requestedAt!) + 1).toISOString();
    expect(between < fourth!.requestedAt!).toBe(true);
    await hook(app, { tag: '1.3.0', digest: digestOf(`${app}:1.3.0`), timestamp: between });
    expect(await newest(5)).toMatchObject({ status: 'succeeded', image: ref(app, '1.3.0') });
    expect(await imagesIn(clusters[0]!, app)).toEqual({ web: ref(app, '1.3.0'), proxy: ref(proxy, '1.2.0') });
  });

  it('two containers running one repository are released together by one push, in one release', async () => {
    const twin = uniqueName('twin');
    const spec = appSpec(twin, { qa: { track: { tags: { semver: '>=1.0.0' } }, autoDeploy: true, replicas: 1 } });
    spec.containers.push({ ...spec.containers[0]!, name: 'worker', ports: [] });
    await register(spec);
    await hook(twin, { tag: '1.0.0', digest: digestOf(`${twin}:1.0.0`) });
    expect(await settled(twin, 'qa', 1)).toMatchObject({ status: 'succeeded', containers: ['web', 'worker'] });
    expect(await imagesIn(clusters[0]!, twin)).toEqual({ web: ref(twin, '1.0.0'), worker: ref(twin, '1.0.0') });
    await quiet();
    expect(await listReleases(db, twin, 'qa')).toHaveLength(1);
  });
});

describe('a failed rollout where the app says autoRollback: false', () => {
  it('stays failed and is not rolled back, and the history says why', async () => {
    const app = uniqueName('keep');
    const spec = appSpec(app, {
      qa: { track: { tags: { semver: '>=1.0.0' } }, autoDeploy: true, replicas: 1, autoRollback: false },
    });
    await register(spec);
    await hook(app, { tag: '1.0.0', digest: digestOf(`${app}:1.0.0`) });
    expect(await settled(app, 'qa', 1)).toMatchObject({ status: 'succeeded' });

    // The next version asks for more CPU than any node has: its pods never schedule, its rollout never ends.
    spec.containers[0] = { ...spec.containers[0]!, limits: { cpu: '64', memory: '64Mi' } };
    expect(await register(spec)).toBe('configured');
    await hook(app, { tag: '1.1.0', digest: digestOf(`${app}:1.1.0`) });
    expect(await settled(app, 'qa', 2)).toMatchObject({ status: 'failed', autoRollback: false });
    await quiet();
    expect((await listReleases(db, app, 'qa')).map((r) => r.revision)).toEqual([2, 1]);
    const settledEntry = (await queryHistory(db, { app })).find(
      (e) => e.revision === 2 && e.outcome === 'failed' && e.action === 'release',
    );
    expect(settledEntry?.code).toMatch(/^rollout-(failed|timeout)$/);
    // Why no rollback followed: the words are the point here.
    expect(settledEntry?.reason).toContain(`automatic rollback is off for ${app} in qa (autoRollback: false)`);
    expect(await imageIn(clusters[0]!, app)).toMatchObject({ image: ref(app, '1.1.0'), revision: '2' });
  });
});

describe('ECR through EventBridge -> SQS', () => {
  it('a push on the registry queue releases the app tracking that ECR repository; a bad body goes to the DLQ', async () => {
    const app = uniqueName('ecr');
    const host = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
    const spec = appSpec(app, { staging: { track: { tags: { semver: '>=1.0.0' } }, autoDeploy: true, replicas: 1 } });
    spec.containers[0] = { ...spec.containers[0]!, repository: `${host}/shop/${app}` };
    await register(spec);
    const digest = digestOf(`${app}:2.3.1`);
    const eventBridge = {
      version: '0',
      id: uniqueName('eb'),
      'detail-type': 'ECR Image Action',
      source: 'aws.ecr',
      account: '123456789012',
      time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      region: 'eu-west-1',
      resources: [],
      detail: {
        result: 'SUCCESS',
        'repository-name': `shop/${app}`,
        'image-digest': digest,
        'action-type': 'PUSH',
        'image-tag': '2.3.1',
        'manifest-media-type': 'application/vnd.oci.image.manifest.v1+json',
      },
    };
    const queue = runtime.state.queues.registry!;
    await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: JSON.stringify(eventBridge) }));
    await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: '{"source":"aws.s3"}' }));
    const release = await settled(app, 'staging');
    expect(release).toMatchObject({ status: 'succeeded', image: `${host}/shop/${app}:2.3.1@${digest}` });
    const dead = await eventually('the bad body in the DLQ', async () => {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queue.dlqUrl, MessageAttributeNames: ['All'], WaitTimeSeconds: 1 }),
      );
      return Messages.find((m) => m.Body?.includes('aws.s3'));
    });
    expect(dead.MessageAttributes?.code?.StringValue).toBe('invalid');
  });
});

describe('pushes nobody tracks', () => {
  it('are recorded as skipped with the reason, never lost', async () => {
    const repo = uniqueName('orphan');
    await hook(repo, { tag: '1.0.0', digest: digestOf(repo) });
    const entry = await eventually('the unrouted push', async () =>
      (await queryHistory(db, { app: UNROUTED_APP })).find((e) => e.reason?.includes(repo)),
    );
    expect(entry).toMatchObject({ outcome: 'skipped', code: 'not-tracked' });
  });
});

describe('reason codes', () => {
  it('every refusal, skip and failure this file caused carries a code that says why', async () => {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await db.doc.send(
        new ScanCommand({
          TableName: db.table,
          FilterExpression: 'begins_with(PK, :h)',
          ExpressionAttributeValues: { ':h': 'HIST#' },
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    const explained = items
      .map((item) => HistoryEntrySchema.parse(item))
      .filter((e) => EXPLAINED_OUTCOMES.includes(e.outcome));
    expect(explained.length).toBeGreaterThan(10);
    const uncoded = explained.filter((e) => !e.code || e.code === 'unknown');
    expect(uncoded.map((e) => `${e.action} ${e.outcome}: ${e.reason}`)).toEqual([]);
  });
});
