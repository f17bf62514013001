import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AppSpecSchema } from '../../lib/apps/spec.ts';
import { alertmanagerHookToken } from '../../lib/ingest/hook-secret.ts';
import { readHpa } from '../../lib/kube/scaling.ts';
import { type LocalAlertmanager, type PostedAlert, startAlertmanager } from '../../lib/local/alertmanager.ts';
import type { Runtime } from '../../lib/runtime/up.ts';
import { putApp } from '../../lib/store/apps.ts';
import { createDb, type Db } from '../../lib/store/db.ts';
import { type HistoryEntry, queryHistory } from '../../lib/store/history.ts';
import { UNROUTED_APP } from '../../lib/store/ports.ts';
import { listReleases, revisionOfEvent } from '../../lib/store/releases.ts';
import { awsClients, uniqueName } from '../support/aws.ts';
import { setEmulatedCpu } from '../support/emulated-cpu.ts';
import type { HealCluster } from '../support/heal-cluster.ts';
import { eventually } from '../support/kube.ts';
import { startMetricsCluster } from '../support/metrics-cluster.ts';
import { postDeployRequest, startTestRuntime } from '../support/runtime.ts';
import { type SlackStandIn, startSlackStandIn } from '../support/slack-api.ts';

// Issue 12's acceptance, end to end on real components: a metrics cluster of this file's own (kwok's
// emulated CPU, metrics-server behind metrics.k8s.io, the real HPA controller), the real runtime (HTTP
// edge, scale and alarms queues on ElasticMQ, the table on DynamoDB Local) and a real Alertmanager sending
// its notifications to capstan's route. Load pushes the HPA to its max; the alert reaches capstan, which
// raises maxReplicas; the HPA scales up; the alert resolves; after the cooldown capstan puts the spec back
// and the HPA scales down.

const APP = 'web';
const NAMESPACE = 'web';
const IMAGE = `registry.local:5000/acme/web:1.0.0@sha256:${'b'.repeat(64)}`;
const COOLDOWN_SECONDS = 20;
// The app's channel for staging: its releases and its scaling are told there, through the Slack stand-in.
const CHANNEL = 'C0SCALEWEB';
const BOT_TOKEN = 'xoxb-scale-test-token';

let cluster: HealCluster;
let runtime: Runtime;
let db: Db;
let alertmanager: LocalAlertmanager;
let slack: SlackStandIn;
const figures: Record<string, string> = {};
const since = (t: number, what: string) => {
  figures[what] = `${((Date.now() - t) / 1000).toFixed(1)}s`;
};

const spec = (autoscaling: Record<string, unknown> | null = {}) =>
  AppSpecSchema.parse({
    name: APP,
    namespace: NAMESPACE,
    containers: [{ name: APP, repository: 'registry.local:5000/acme/web', limits: { cpu: '200m', memory: '64Mi' } }],
    environments: {
      staging: {
        notify: { slack: { channel: CHANNEL } },
        ...(autoscaling
          ? {
              autoscaling: {
                min: 1,
                max: 2,
                burstStep: 2,
                burstMax: 4,
                cpuTarget: 50,
                cooldown: `${COOLDOWN_SECONDS}s`,
                burstFor: '10m',
                ...autoscaling,
              },
            }
          : {}),
      },
    },
  });

beforeAll(async () => {
  process.env.CAPSTAN_SCALE_LEASE_WAIT_SECONDS = '3';
  cluster = await startMetricsCluster('scale', 2);
  slack = await startSlackStandIn({ botToken: BOT_TOKEN });
  process.env.CAPSTAN_SLACK_API_URL = slack.apiUrl;
  process.env.CAPSTAN_CHAT_SECRET = JSON.stringify({
    slack: { signingSecret: 'scale-test-secret', botToken: BOT_TOKEN },
  });
  runtime = await startTestRuntime('scale', { clusters: [cluster.asCapstan] });
  db = createDb(runtime.state.table, awsClients().ddb);
  alertmanager = await startAlertmanager({
    dir: await mkdtemp(join(tmpdir(), 'capstan-alertmanager-')),
    log: () => {},
    webhook: {
      url: `${runtime.state.httpUrl}/hooks/alertmanager`,
      token: alertmanagerHookToken(runtime.state.ingestToken),
    },
  });
}, 300_000);

afterAll(async () => {
  console.log(`scale figures: ${JSON.stringify(figures, null, 2)}`);
  await alertmanager?.stop();
  await runtime?.stop();
  await cluster?.stop();
  await slack?.close();
  delete process.env.CAPSTAN_SCALE_LEASE_WAIT_SECONDS;
  delete process.env.CAPSTAN_CHAT_SECRET;
  delete process.env.CAPSTAN_SLACK_API_URL;
}, 120_000);

afterEach(async (context) => {
  if (context.task.result?.state !== 'fail') return;
  const entries = [...(await history(APP)), ...(await history(UNROUTED_APP))];
  console.error(
    entries.map((e) => `${e.recordedAt} ${e.action} ${e.outcome} ${e.code ?? ''} ${e.reason ?? ''}`).join('\n'),
  );
});

const history = (app: string): Promise<HistoryEntry[]> => queryHistory(db, { app, limit: 200 });
const steps = async (after = '') =>
  (await history(APP))
    .filter((e) => e.action.startsWith('scale.') && e.recordedAt > after)
    .reverse()
    .map((e) => `${e.action} ${e.outcome}${e.code ? ` ${e.code}` : ''}`);

const post = async (path: string, body: unknown, token = runtime.state.ingestToken) => {
  const response = await fetch(`${runtime.state.httpUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

const release = async (image = IMAGE) => {
  const id = await postDeployRequest(runtime, { app: APP, environment: 'staging', image });
  const revision = await eventually('the release to be made', () => revisionOfEvent(db, APP, 'staging', id));
  return eventually(
    `release ${revision} to succeed`,
    async () => {
      const [newest] = await listReleases(db, APP, 'staging', 1);
      if (newest?.revision !== revision) return undefined;
      if (newest.status === 'failed') throw new Error(`release ${revision} failed: ${newest.statusReason?.reason}`);
      return newest.status === 'succeeded' ? newest : undefined;
    },
    120_000,
  );
};

/** The scaling messages in the app's channel whose headline contains `words`. */
const told = (words: string) => slack.messages().filter((m) => m.channel === CHANNEL && (m.text ?? '').includes(words));
const untilTold = (words: string) =>
  eventually(`"${words}" posted`, async () => {
    const found = told(words);
    return found.length ? found : undefined;
  });

const hpa = () => readHpa(cluster.kube, NAMESPACE, APP);
const hpaWhere = (what: string, ok: (h: NonNullable<Awaited<ReturnType<typeof hpa>>>) => boolean, ms = 120_000) =>
  eventually(
    what,
    async () => {
      const h = await hpa();
      return h && ok(h) ? h : undefined;
    },
    ms,
  );

const maxedOut = (labels: Record<string, string> = {}): PostedAlert => ({
  labels: {
    alertname: 'KubeHpaMaxedOut',
    severity: 'warning',
    namespace: NAMESPACE,
    horizontalpodautoscaler: APP,
    cluster: cluster.name,
    ...labels,
  },
  annotations: { description: 'HPA has been running at max replicas for longer than 15 minutes.' },
  // Fixed, so resolving it later (endsAt a second ago) ends after it began.
  startsAt: new Date(Date.now() - 60_000),
});

describe('autoscaling from the spec, and the override driven by a real Alertmanager', () => {
  it('releases the HPA with the spec; load maxes it out; the alert raises maxReplicas; resolved, it goes back', async () => {
    await putApp(db, spec(), new Date());
    await release();
    expect(await hpa()).toMatchObject({ minReplicas: 1, maxReplicas: 2, target: `Deployment/${APP}` });

    let t = Date.now();
    await setEmulatedCpu(cluster.kube, NAMESPACE, '200m');
    await hpaWhere('the HPA to reach its max under load', (h) => h.currentReplicas === 2, 180_000);
    since(t, 'load -> HPA at max');

    t = Date.now();
    const alert = maxedOut();
    await alertmanager.post([alert]);
    await hpaWhere('capstan to raise maxReplicas', (h) => h.maxReplicas === 4);
    since(t, 'alert posted -> maxReplicas raised');
    await hpaWhere('the HPA to scale into the raise', (h) => h.currentReplicas === 4);
    since(t, 'alert posted -> HPA at the raised max');

    // A release while the override is in force keeps it.
    await release(IMAGE.replace('1.0.0', '1.0.1'));
    expect((await hpa())?.maxReplicas).toBe(4);

    t = Date.now();
    await setEmulatedCpu(cluster.kube, NAMESPACE, '10m');
    await alertmanager.resolve([alert]);
    await hpaWhere('capstan to put maxReplicas back', (h) => h.maxReplicas === 2, 120_000);
    since(t, 'resolved -> maxReplicas back');
    await hpaWhere('the HPA to scale back', (h) => h.currentReplicas <= 2, 180_000);
    since(t, 'resolved -> HPA back within the spec');

    await eventually('the revert in the history', async () =>
      (await steps()).includes('scale.revert configured') ? true : undefined,
    );
    const seen = await steps();
    expect(seen[0]).toBe('scale.raise configured');
    expect(seen.filter((s) => s === 'scale.revert configured')).toHaveLength(1);

    // Told in the app's channel, once each, with who asked and how to read the rest.
    const workload = `${APP}'s ${NAMESPACE}/Deployment/${APP} in ${cluster.name} (staging)`;
    const [raised] = await untilTold(`${workload}: ceiling raised from 2 to 4`);
    expect(JSON.stringify(raised?.blocks)).toContain('by alert:KubeHpaMaxedOut');
    expect(JSON.stringify(raised?.blocks)).toContain(
      `capstan history ${APP} --env staging --cluster ${cluster.name} --action scale`,
    );
    await untilTold(`${workload}: ceiling put back from 4 to 2`);
    expect(told('ceiling raised')).toHaveLength(1);
    expect(told('ceiling put back')).toHaveLength(1);
  }, 600_000);

  it('refuses, changing nothing: unknown workload, unknown cluster, a resolve with no override, the same notification 3 times', async () => {
    const at = new Date().toISOString();
    const body = (status: 'firing' | 'resolved', labels: Record<string, string>) => ({
      version: '4',
      groupKey: '{}:{alertname="KubeHpaMaxedOut"}',
      truncatedAlerts: 0,
      status,
      receiver: 'capstan',
      groupLabels: { alertname: 'KubeHpaMaxedOut' },
      commonLabels: labels,
      commonAnnotations: {},
      externalURL: 'http://127.0.0.1:9093',
      alerts: [
        {
          status,
          labels,
          annotations: {},
          startsAt: at,
          endsAt: status === 'firing' ? '0001-01-01T00:00:00Z' : new Date().toISOString(),
          generatorURL: 'http://prometheus/graph',
          fingerprint: Math.random().toString(16).slice(2, 18).padEnd(16, '0'),
        },
      ],
    });
    const token = alertmanagerHookToken(runtime.state.ingestToken);
    const labels = maxedOut().labels;
    const ghost = await post(
      '/hooks/alertmanager',
      body('firing', { ...labels, horizontalpodautoscaler: 'ghost' }),
      token,
    );
    const nowhere = await post('/hooks/alertmanager', body('firing', { ...labels, cluster: 'nowhere' }), token);
    expect([ghost.status, nowhere.status]).toEqual([200, 200]);
    const resolved = body('resolved', labels);
    for (let i = 0; i < 3; i++) expect((await post('/hooks/alertmanager', resolved, token)).status).toBe(200);
    await eventually('the refusals to be recorded', async () => {
      const unrouted = (await history(UNROUTED_APP)).filter((e) => e.action === 'scale.ignore').map((e) => e.code);
      const mine = (await history(APP)).filter((e) => e.recordedAt > at && e.code === 'no-override');
      return unrouted.includes('unknown-workload') && unrouted.includes('not-found') && mine.length > 0
        ? true
        : undefined;
    });
    // Three deliveries of one notification: one event, one entry.
    expect((await history(APP)).filter((e) => e.recordedAt > at && e.code === 'no-override')).toHaveLength(1);
    expect((await hpa())?.maxReplicas).toBe(2);
  }, 180_000);

  it('no quota room: the raise is refused and the HPA left as it is', async () => {
    const at = new Date().toISOString();
    await cluster.kube.core.createNamespacedResourceQuota({
      namespace: NAMESPACE,
      body: { metadata: { name: 'pods' }, spec: { hard: { pods: '2' } } },
    });
    await eventually('the quota to be computed', async () => {
      const q = await cluster.kube.core.readNamespacedResourceQuota({ name: 'pods', namespace: NAMESPACE });
      return q.status?.used?.pods !== undefined ? true : undefined;
    });
    await setEmulatedCpu(cluster.kube, NAMESPACE, '200m');
    await hpaWhere('the HPA at its max again', (h) => h.currentReplicas === 2, 180_000);
    // Past the cooldown since the last revert, which would hold the raise instead.
    await new Promise((resolve) => setTimeout(resolve, (COOLDOWN_SECONDS + 2) * 1000));
    await alertmanager.post([maxedOut({ attempt: 'quota' })]);
    await eventually('the refusal', async () =>
      (await steps(at)).includes('scale.refuse refused quota') ? true : undefined,
    );
    expect((await hpa())?.maxReplicas).toBe(2);
    const [refused] = await untilTold('ceiling not changed');
    expect(JSON.stringify(refused?.blocks)).toContain('`quota`');
    await cluster.kube.core.deleteNamespacedResourceQuota({ name: 'pods', namespace: NAMESPACE });
  }, 300_000);

  it('CloudWatch alarms through SNS -> SQS: ALARM raises, OK puts it back after the cooldown', async () => {
    const at = new Date().toISOString();
    const alarm = (state: 'ALARM' | 'OK') => ({
      Type: 'Notification',
      MessageId: uniqueName('sns'),
      TopicArn: 'arn:aws:sns:us-east-1:000000000000:capstan-alarms',
      Subject: `${state}: "web-cpu" in US East (N. Virginia)`,
      Message: JSON.stringify({
        AlarmName: 'web-cpu',
        AlarmArn: 'arn:aws:cloudwatch:us-east-1:000000000000:alarm:web-cpu',
        NewStateValue: state,
        OldStateValue: state === 'ALARM' ? 'OK' : 'ALARM',
        NewStateReason: 'Threshold Crossed',
        StateChangeTime: new Date().toISOString().replace('Z', '+0000'),
        Trigger: {
          MetricName: 'pod_cpu_utilization',
          Namespace: 'ContainerInsights',
          Dimensions: [
            { name: 'ClusterName', value: cluster.name },
            { name: 'Namespace', value: NAMESPACE },
            { name: 'HorizontalPodAutoscaler', value: APP },
          ],
          Threshold: 80,
        },
      }),
      Timestamp: new Date().toISOString(),
      SignatureVersion: '1',
      Signature: 'c2lnbmF0dXJl',
      SigningCertURL: 'https://sns.us-east-1.amazonaws.com/cert.pem',
    });
    const send = (body: unknown) =>
      awsClients().sqs.send(
        new SendMessageCommand({ QueueUrl: runtime.state.queues.alarms?.url, MessageBody: JSON.stringify(body) }),
      );
    await hpaWhere('the HPA at its max', (h) => h.currentReplicas === 2 && h.maxReplicas === 2, 180_000);
    await send(alarm('ALARM'));
    await hpaWhere('the alarm to raise maxReplicas', (h) => h.maxReplicas === 4);
    await send(alarm('OK'));
    await hpaWhere('OK to put it back', (h) => h.maxReplicas === 2, 120_000);
    // The history entry follows the cluster write.
    await eventually('the revert in the history', async () =>
      (await steps(at)).includes('scale.revert configured') ? true : undefined,
    );
    expect(await steps(at)).toContain('scale.raise configured');
  }, 420_000);

  it('turning autoscaling off and releasing removes the HPA capstan made', async () => {
    await putApp(db, spec(null), new Date());
    await release(IMAGE.replace('1.0.0', '1.0.2'));
    expect(await hpa()).toBeUndefined();
  }, 180_000);
});
