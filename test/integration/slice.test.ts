import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import sample from '../../events/samples/deploy.requested.json' with { type: 'json' };
import { REVISION_ANNOTATION, stampRevision } from '../../lib/deploy/render/manifests.ts';
import { applyAll } from '../../lib/kube/apply.ts';
import type { Runtime } from '../../lib/runtime/up.ts';
import { putCluster } from '../../lib/store/clusters.ts';
import { createDb, type Db } from '../../lib/store/db.ts';
import { queryHistory } from '../../lib/store/history.ts';
import { UNROUTED_APP } from '../../lib/store/ports.ts';
import { listReleases, type Release } from '../../lib/store/releases.ts';
import { awsClients, uniqueName } from '../support/aws.ts';
import { connect, eventually, localClusters } from '../support/kube.ts';
import { startTestRuntime } from '../support/runtime.ts';

// The thin slice end to end, on real parts only: the HTTP edge, ElasticMQ queues, the deploy and rollout
// handlers, DynamoDB Local, and two real kube-apiservers with controller-manager, scheduler and kwok nodes.
let runtime: Runtime;
let db: Db;
const clusters = localClusters();
const { sqs } = awsClients();

beforeAll(async () => {
  runtime = await startTestRuntime('slice');
  db = createDb(runtime.state.table);
});
afterAll(async () => {
  await runtime?.stop();
});

const deployEvent = (app: string, id = uniqueName('evt'), replicas = 2) => ({
  ...sample,
  id,
  time: new Date().toISOString(),
  data: { ...sample.data, app, namespace: app, replicas },
});

const post = async (body: unknown, token = runtime.state.ingestToken) => {
  const response = await fetch(`${runtime.state.httpUrl}/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

/** Up to 10 messages of the deploy DLQ, left visible for the next look. */
const peekDeadLetters = async () => {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: runtime.state.queues.deploy!.dlqUrl,
      MaxNumberOfMessages: 10,
      MessageAttributeNames: ['All'],
      WaitTimeSeconds: 1,
      VisibilityTimeout: 0,
    }),
  );
  return Messages;
};

/** Nothing reached any cluster: not even the namespace a release would create first. */
const expectNoNamespace = async (name: string) => {
  for (const cluster of clusters) {
    const error = await (await connect(cluster)).core.readNamespace({ name }).catch((e: { code?: number }) => e);
    expect(error).toMatchObject({ code: 404 });
  }
};

const settled = (app: string, timeoutMs = 120_000) =>
  eventually(
    `release of ${app} to settle`,
    async (): Promise<Release | undefined> => {
      const [release] = await listReleases(db, app, 'staging', 1);
      return release && (release.status === 'succeeded' || release.status === 'failed') ? release : undefined;
    },
    timeoutMs,
  );

describe('deploy.requested -> release on every cluster of the environment', () => {
  const app = uniqueName('hello');
  const event = deployEvent(app);

  it('applies wave by wave, observes each rollout until Ready, and records it all', async () => {
    expect(await post(event)).toEqual({
      status: 202,
      body: { accepted: event.id, type: 'deploy.requested', queue: 'deploy' },
    });
    const release = await settled(app);
    expect(release.status).toBe('succeeded');
    expect(release.revision).toBe(1);
    expect(Object.keys(release.clusters).sort()).toEqual(clusters.map((c) => c.name).sort());
    for (const c of Object.values(release.clusters)) expect(c).toMatchObject({ apply: 'created', rollout: 'ready' });

    for (const cluster of clusters) {
      const d = await (await connect(cluster)).apps.readNamespacedDeployment({ name: app, namespace: app });
      expect(d.status?.readyReplicas).toBe(2);
      expect(d.spec?.template.spec?.containers[0]?.image).toBe(sample.data.image);
      expect(d.metadata?.annotations?.[REVISION_ANNOTATION]).toBe('1');
    }

    const history = await queryHistory(db, { app });
    const lines = history.map((e) => `${e.action}:${e.cluster ?? '-'}:${e.outcome}`).sort();
    expect(lines).toEqual(
      [
        'release:-:accepted',
        'wave:-:accepted',
        'release:-:succeeded',
        ...clusters.flatMap((c) => [`apply:${c.name}:created`, `rollout:${c.name}:succeeded`]),
      ].sort(),
    );
  });

  it('the same event delivered twice makes one release, and re-applying it is unchanged', async () => {
    const before = await queryHistory(db, { app });
    // Once through the edge (FIFO dedup), once straight onto the queue with a fresh deduplication id, as
    // a redelivery after SQS's 5-minute window would arrive: the idempotency record catches it.
    expect((await post(event)).status).toBe(202);
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: runtime.state.queues.deploy!.url,
        MessageBody: JSON.stringify(event),
        MessageGroupId: `${app}#staging`,
        MessageDeduplicationId: uniqueName('redelivery'),
      }),
    );
    await new Promise((r) => setTimeout(r, 4000));
    expect(await listReleases(db, app, 'staging')).toHaveLength(1);
    expect(await queryHistory(db, { app })).toHaveLength(before.length);

    const [release] = await listReleases(db, app, 'staging');
    for (const cluster of clusters) {
      const again = await applyAll(await connect(cluster), stampRevision(release!.manifests as never, 1));
      expect(again.map((r) => r.outcome)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    }
  });
});

describe('bad input changes nothing', () => {
  it('an invalid event is refused at the edge with the bad field named', async () => {
    const app = uniqueName('bad');
    const answer = await post({ ...deployEvent(app), data: { ...deployEvent(app).data, replicas: 5000 } });
    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.body.issues)).toContain('data.replicas');
    expect(await listReleases(db, app, 'staging')).toHaveLength(0);
    await expectNoNamespace(app);
  });

  it('a request without the right token is refused', async () => {
    expect((await post(deployEvent('x'), 'wrong-token-wrong-token')).status).toBe(401);
    expect((await post('{not json')).status).toBe(400);
  });

  it('a malformed queue message ends in the DLQ with its reason, and in the history', async () => {
    const app = uniqueName('poison');
    const invalid = { ...deployEvent(app), data: { ...deployEvent(app).data, image: 'Not An Image' } };
    for (const body of ['{definitely not json', JSON.stringify(invalid)]) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: runtime.state.queues.deploy!.url,
          MessageBody: body,
          MessageGroupId: 'poison',
          MessageDeduplicationId: uniqueName('poison'),
        }),
      );
    }
    const seen = new Map<string, { code?: string; reason?: string }>(); // by message id: peeking may repeat one
    const dead = await eventually('both messages in the DLQ', async () => {
      const Messages = await peekDeadLetters();
      for (const m of Messages) {
        const { code, reason } = m.MessageAttributes ?? {};
        if (m.Body?.includes('definitely not json') || m.Body?.includes(app)) {
          seen.set(m.MessageId ?? '', { code: code?.StringValue, reason: reason?.StringValue });
        }
      }
      return seen.size >= 2 ? [...seen.values()] : undefined;
    });
    expect(dead.map((d) => d.code)).toEqual(['invalid', 'invalid']);
    // The words name the bad field, which is what a person fixing the producer needs.
    expect(dead.some((d) => d.reason?.startsWith('invalid event: data.image'))).toBe(true);

    const refusedForApp = await queryHistory(db, { app });
    expect(refusedForApp.map((e) => [e.action, e.outcome, e.code])).toEqual([['receive', 'refused', 'invalid']]);
    const unrouted = await queryHistory(db, { app: UNROUTED_APP });
    expect(unrouted.some((e) => e.code === 'invalid' && e.reason === 'message body is not JSON')).toBe(true);
    expect(await listReleases(db, app, 'staging')).toHaveLength(0);
    await expectNoNamespace(app);
  });
});

describe('partial failure', () => {
  it('the second wave down mid-release: the first is done, the second is retried and completes once back', async () => {
    const control = inject('infra').controlUrl;
    const [up0, down] = clusters;
    const app = uniqueName('partial');
    await fetch(`${control}/clusters/${down!.name}/apiserver/stop`, { method: 'POST' });
    try {
      expect((await post(deployEvent(app))).status).toBe(202);
      await eventually('the down cluster to be reported failed', async () => {
        const history = await queryHistory(db, { app, cluster: down!.name });
        return history.find((e) => e.outcome === 'failed' && e.code === 'unreachable');
      });
      const [pending] = await listReleases(db, app, 'staging', 1);
      expect(pending?.clusters[up0!.name]?.apply).toBe('created');
      expect(pending?.status).toBe('applying');
    } finally {
      await fetch(`${control}/clusters/${down!.name}/apiserver/start`, { method: 'POST' });
    }
    const release = await settled(app, 180_000);
    expect(release.status).toBe('succeeded');
    const applies = (await queryHistory(db, { app })).filter((e) => e.action === 'apply');
    // The first wave was applied once; only the wave that failed was retried.
    expect(applies.filter((e) => e.cluster === up0!.name).map((e) => e.outcome)).toEqual(['created']);
    expect(
      applies
        .filter((e) => e.cluster === down!.name)
        .map((e) => e.outcome)
        .sort(),
    ).toEqual(['created', 'failed']);
  });
});

/** A kubeconfig whose one context points at a port nothing listens on: a cluster that never answers. */
const writeDeadKubeconfig = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'capstan-slice-'));
  const path = join(dir, 'kubeconfig');
  await writeFile(
    path,
    [
      'apiVersion: v1',
      'kind: Config',
      "clusters: [{ name: gone, cluster: { server: 'https://127.0.0.1:1', insecure-skip-tls-verify: true } }]",
      'users: [{ name: gone, user: { token: t } }]',
      'contexts: [{ name: gone, context: { cluster: gone, user: gone } }]',
      '',
    ].join('\n'),
  );
  return path;
};

describe('a failure that never heals', () => {
  it('is retried until the receives run out, lands in the DLQ with its reason, and halts later waves', async () => {
    const app = uniqueName('doomed');
    await putCluster(db, {
      name: uniqueName('gone'),
      environment: 'doomed',
      wave: 0,
      credentials: { kind: 'kubeconfig', path: await writeDeadKubeconfig(), context: 'gone' },
      registeredAt: new Date().toISOString(),
    });
    // A healthy cluster in the next wave: it must never be touched.
    await putCluster(db, { ...clusters[0]!, name: uniqueName('later'), environment: 'doomed', wave: 1 });
    expect(
      (await post({ ...deployEvent(app), data: { ...deployEvent(app).data, environment: 'doomed' } })).status,
    ).toBe(202);
    const refused = await eventually(
      'the message to give up',
      async () => (await queryHistory(db, { app })).find((e) => e.outcome === 'refused'),
      120_000,
    );
    expect(refused.code).toBe('gave-up');
    expect(refused.reason).toContain('5 attempts');
    const history = await queryHistory(db, { app });
    expect(history.filter((e) => e.action === 'apply').map((e) => [e.outcome, e.code])).toEqual([
      ['failed', 'unreachable'],
    ]);
    expect(history.find((e) => e.action === 'release' && e.outcome === 'failed')).toMatchObject({
      code: 'gave-up',
      reason: refused.reason,
    });
    const [release] = await listReleases(db, app, 'doomed');
    expect(release).toMatchObject({ status: 'failed', statusReason: { code: 'gave-up' } });
    const dead = await eventually('the message in the DLQ', async () => {
      const Messages = await peekDeadLetters();
      return Messages.find((m) => m.Body?.includes(app));
    });
    expect(dead.MessageAttributes?.reason?.StringValue).toBe(refused.reason);
    expect(dead.MessageAttributes?.code?.StringValue).toBe('gave-up');
    await expectNoNamespace(app);
  });

  it('a cluster whose kubeconfig is missing is refused at once, naming the cluster, not retried', async () => {
    const app = uniqueName('nocreds');
    const gone = uniqueName('gone');
    await putCluster(db, {
      name: gone,
      environment: 'nocreds',
      wave: 0,
      credentials: { kind: 'kubeconfig', path: '/nonexistent/kubeconfig', context: 'gone' },
      registeredAt: new Date().toISOString(),
    });
    expect(
      (await post({ ...deployEvent(app), data: { ...deployEvent(app).data, environment: 'nocreds' } })).status,
    ).toBe(202);
    const [release] = await eventually('the release to be refused', async () => {
      const releases = await listReleases(db, app, 'nocreds');
      return releases[0]?.status === 'failed' ? releases : undefined;
    });
    expect(release?.statusReason).toMatchObject({ code: 'credentials' });
    expect(release?.statusReason?.reason).toContain(
      `cluster ${gone}: kubeconfig /nonexistent/kubeconfig cannot be read`,
    );
    const history = await queryHistory(db, { app });
    expect(history.find((e) => e.action === 'release' && e.outcome === 'refused')).toMatchObject({
      code: 'credentials',
    });
    expect(history.filter((e) => e.code === 'gave-up' || e.code === 'unreachable')).toEqual([]);
    expect(history.filter((e) => e.action === 'apply')).toEqual([]);
    await expectNoNamespace(app);
  });
});

describe('gates', () => {
  it('a release the namespace quota cannot fit is refused with the reason, and nothing is applied', async () => {
    const app = uniqueName('quota');
    const [first, second] = clusters;
    const kube = await connect(first!);
    await kube.core.createNamespace({ body: { metadata: { name: app } } });
    await kube.core.createNamespacedResourceQuota({
      namespace: app,
      body: { metadata: { name: 'small' }, spec: { hard: { pods: '1' } } },
    });
    await eventually('the quota to be counted', async () => {
      const q = await kube.core.readNamespacedResourceQuota({ name: 'small', namespace: app });
      return q.status?.used ? q : undefined;
    });

    expect((await post(deployEvent(app, uniqueName('evt'), 2))).status).toBe(202);
    const release = await settled(app);
    expect(release).toMatchObject({ status: 'failed', statusReason: { code: 'quota' } });
    const refusal = (await queryHistory(db, { app })).find((e) => e.outcome === 'refused');
    expect(refusal?.code).toBe('quota');
    // Which cluster and which quota: what a person needs to make room.
    expect(refusal?.reason).toContain(`cluster ${first!.name}: ResourceQuota ${app}/small: pods`);
    const none = await kube.apps.readNamespacedDeployment({ name: app, namespace: app }).catch((e) => e);
    expect(none).toMatchObject({ code: 404 });
    const other = await (await connect(second!)).core.readNamespace({ name: app }).catch((e) => e);
    expect(other).toMatchObject({ code: 404 });
  });
});

describe('dry run', () => {
  it('reports per cluster what would change, and changes nothing', async () => {
    const app = uniqueName('dry');
    expect((await post(deployEvent(app))).status).toBe(202);
    expect((await settled(app)).status).toBe('succeeded');

    const dry = { ...deployEvent(app, uniqueName('evt'), 3), data: { ...deployEvent(app, '', 3).data, dryRun: true } };
    expect((await post(dry)).status).toBe(202);
    const entries = await eventually('a dry-run entry per cluster', async () => {
      const found = (await queryHistory(db, { app })).filter((e) => e.action === 'dry-run');
      return found.length === clusters.length ? found : undefined;
    });
    for (const entry of entries) {
      expect(entry.outcome).toBe('configured');
      expect(entry.details?.diff).toContain(`Deployment/${app} spec.replicas: 2 -> 3`);
    }
    expect(await listReleases(db, app, 'staging')).toHaveLength(1);
    for (const cluster of clusters) {
      const d = await (await connect(cluster)).apps.readNamespacedDeployment({ name: app, namespace: app });
      expect(d.spec?.replicas).toBe(2);
    }
  });

  it('for an app not yet anywhere, says it would be created, and creates nothing', async () => {
    const app = uniqueName('drynew');
    const dry = { ...deployEvent(app), data: { ...deployEvent(app).data, dryRun: true } };
    expect((await post(dry)).status).toBe(202);
    const entries = await eventually('a dry-run entry per cluster', async () => {
      const found = (await queryHistory(db, { app })).filter((e) => e.action === 'dry-run');
      return found.length === clusters.length ? found : undefined;
    });
    for (const entry of entries) {
      expect(entry.details?.diff).toEqual([
        `Namespace/${app}: created`,
        `Deployment/${app}: created`,
        `Service/${app}: created`,
      ]);
    }
    await expectNoNamespace(app);
  });
});

describe('rollback', () => {
  const imageB = `registry.local:5000/acme/hello@sha256:${'c'.repeat(64)}`;
  const release = (app: string, image: string) => ({
    ...deployEvent(app),
    data: { ...deployEvent(app).data, image },
  });
  const untilRevision = (app: string, revision: number) =>
    eventually(
      `release #${revision} of ${app} to settle`,
      async () => {
        const found = (await listReleases(db, app, 'staging', 10)).find((r) => r.revision === revision);
        return found && (found.status === 'succeeded' || found.status === 'failed') ? found : undefined;
      },
      120_000,
    );
  const templates = async (app: string) =>
    Promise.all(
      clusters.map(async (c) => {
        const d = await (await connect(c)).apps.readNamespacedDeployment({ name: app, namespace: app });
        return d.spec?.template.spec?.containers[0]?.image;
      }),
    );

  it('re-applies exactly a past release, even with every ReplicaSet of it gone', async () => {
    const app = uniqueName('back');
    expect((await post(release(app, sample.data.image))).status).toBe(202);
    const first = await untilRevision(app, 1);
    expect((await post(release(app, imageB))).status).toBe(202);
    expect((await untilRevision(app, 2)).status).toBe('succeeded');
    expect(await templates(app)).toEqual(clusters.map(() => imageB));
    // Kubernetes' own history is gone: capstan must not need it.
    for (const c of clusters) {
      await (await connect(c)).apps.deleteCollectionNamespacedReplicaSet({ namespace: app });
    }

    const rollback = {
      ...sample,
      id: uniqueName('rb'),
      type: 'rollback.requested',
      time: new Date().toISOString(),
      data: { app, environment: 'staging', toRevision: 1, requestedBy: 'test', reason: 'bad #2' },
    };
    expect((await post(rollback)).status).toBe(202);
    const third = await untilRevision(app, 3);
    expect(third).toMatchObject({ status: 'succeeded', rollbackOf: 1, image: sample.data.image });
    expect(third.manifests).toEqual(first.manifests);
    expect(await templates(app)).toEqual(clusters.map(() => sample.data.image));
  });

  it('a rollout that never becomes ready fails, halts, and rolls back on its own', async () => {
    const app = uniqueName('auto');
    expect((await post(release(app, sample.data.image))).status).toBe(202);
    expect((await untilRevision(app, 1)).status).toBe('succeeded');
    // No node of the first wave takes new pods: the new version can never become ready there.
    const kube = await connect(clusters[0]!);
    const nodes = (await kube.core.listNode()).items.map((n) => n.metadata?.name ?? '');
    const cordon = (unschedulable: boolean) =>
      Promise.all(
        nodes.map((name) =>
          kube.core.patchNode(
            { name, body: { spec: { unschedulable } } },
            setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
          ),
        ),
      );
    await cordon(true);
    try {
      expect((await post(release(app, imageB))).status).toBe(202);
      const failed = await untilRevision(app, 2);
      expect(failed.status).toBe('failed');
      // Halted: the second wave never got the new version.
      expect(failed.clusters[clusters[1]!.name]).toBeUndefined();
      const back = await untilRevision(app, 3);
      expect(back).toMatchObject({ status: 'succeeded', rollbackOf: 1, requestedBy: 'capstan' });
      expect(await templates(app)).toEqual(clusters.map(() => sample.data.image));
      const history = await queryHistory(db, { app });
      expect(history.find((e) => e.revision === 2 && e.outcome === 'failed' && e.action === 'rollout')?.code).toBe(
        'rollout-timeout',
      );
      expect(failed.statusReason?.code).toBe('rollout-timeout');
    } finally {
      await cordon(false);
    }
  });
});

describe('order', () => {
  it('a late, older request is skipped and never overwrites the newer release', async () => {
    const app = uniqueName('late');
    const newer = { ...deployEvent(app), time: new Date().toISOString() };
    expect((await post(newer)).status).toBe(202);
    expect((await settled(app)).status).toBe('succeeded');
    const older = { ...deployEvent(app, uniqueName('evt'), 3), time: new Date(Date.now() - 3600_000).toISOString() };
    expect((await post(older)).status).toBe(202);
    const skipped = await eventually('the stale request to be recorded', async () =>
      (await queryHistory(db, { app })).find((e) => e.eventId === older.id && e.outcome === 'skipped'),
    );
    expect(skipped.code).toBe('stale');
    expect(await listReleases(db, app, 'staging')).toHaveLength(1);
    const d = await (await connect(clusters[0]!)).apps.readNamespacedDeployment({ name: app, namespace: app });
    expect(d.spec?.replicas).toBe(2);
  });

  it('a newer request supersedes one still rolling out instead of both rolling out', async () => {
    const app = uniqueName('super');
    expect((await post(deployEvent(app, uniqueName('evt'), 2))).status).toBe(202);
    expect((await post(deployEvent(app, uniqueName('evt'), 3))).status).toBe(202);
    const latest = await eventually('release #2 to settle', async () => {
      const [r] = await listReleases(db, app, 'staging', 1);
      return r?.revision === 2 && r.status === 'succeeded' ? r : undefined;
    });
    expect(latest.status).toBe('succeeded');
    const [, first] = await listReleases(db, app, 'staging');
    expect(first?.status).toBe('superseded');
    for (const cluster of clusters) {
      const d = await (await connect(cluster)).apps.readNamespacedDeployment({ name: app, namespace: app });
      expect(d.spec?.replicas).toBe(3);
    }
  });
});
