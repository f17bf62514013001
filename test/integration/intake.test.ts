import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { eventId } from '../../events/index.ts';
import { cacheRoot } from '../../lib/local/components.ts';
import { freePort } from '../../lib/local/ports.ts';
import type { Runtime } from '../../lib/runtime/up.ts';
import { normalizeAlertmanager } from '../../lib/sources/alertmanager.ts';
import { normalizeCloudWatch } from '../../lib/sources/cloudwatch.ts';
import { isoTime } from '../../lib/sources/image-event.ts';
import { createDb } from '../../lib/store/db.ts';
import { keys } from '../../lib/store/keys.ts';
import { eventually } from '../support/kube.ts';
import { startTestRuntime } from '../support/runtime.ts';

// Scaling's intake on a real runtime (local server, ingest and alarms functions, ElasticMQ, DynamoDB Local):
// Alertmanager's webhook configured with what `capstan hooks` prints, and a CloudWatch alarm's SNS envelope on the
// alarms queue, each ending up as hpa.threshold.hit messages on the scale queue, which the scale consumer receives.
let runtime: Runtime;
let sqs: SQSClient;

beforeAll(async () => {
  runtime = await startTestRuntime('intake');
  sqs = new SQSClient({
    endpoint: runtime.state.endpoints.sqs,
    region: runtime.state.region,
    credentials: { accessKeyId: 'capstanlocal', secretAccessKey: 'capstanlocal' },
  });
});
afterAll(async () => {
  sqs?.destroy();
  await runtime?.stop();
});

const run = promisify(execFile);
const bin = join(import.meta.dirname, '../../lib/cli/bin.js');
const fixture = (name: string) => readFileSync(new URL(`../fixtures/sources/${name}.json`, import.meta.url), 'utf8');

/** The scale consumer's receipt of an event: written when it takes the message off the scale queue. */
const received = (id: string) =>
  eventually(`the scale function received ${id}`, async () => {
    const { Item } = await createDb(runtime.state.table).doc.send(
      new GetCommand({ TableName: runtime.state.table, Key: keys.receipt(id), ConsistentRead: true }),
    );
    return Item;
  });

describe('Alertmanager, configured with what `capstan hooks` prints', () => {
  const receiver = async () => {
    const { stdout } = await run('node', [bin, 'hooks', '--url', runtime.state.httpUrl, '--json'], {
      env: { ...process.env, CAPSTAN_INGEST_TOKEN: runtime.state.ingestToken, CAPSTAN_STATE: '/nonexistent' },
    });
    const row = (JSON.parse(stdout) as { producer: string; configure: string }[]).find(
      (r) => r.producer === 'alertmanager',
    );
    const config = parse(row?.configure ?? '');
    return config.receivers[0].webhook_configs[0] as {
      url: string;
      http_config: { authorization: { type: string; credentials: string } };
    };
  };

  /** A POST as Alertmanager's webhook notifier sends it: `Authorization: <type> <credentials>`, JSON. */
  const asAlertmanager = async (body: string, authorization?: string) => {
    const webhook = await receiver();
    const auth = webhook.http_config.authorization;
    const response = await fetch(webhook.url, {
      method: 'POST',
      headers: {
        authorization: authorization ?? `${auth.type} ${auth.credentials}`,
        'content-type': 'application/json',
        'user-agent': 'Alertmanager/0.31.1',
      },
      body,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('each mappable alert of the group reaches the scale function as its own hpa.threshold.hit', async () => {
    const body = fixture('alertmanager-hpa-group');
    const expected = normalizeAlertmanager(JSON.parse(body), { requireCluster: true }).events.map((e) => e.id);
    expect(expected).toHaveLength(2);
    const answer = await asAlertmanager(body);
    expect(answer.status).toBe(200);
    expect(answer.body.accepted).toEqual(expected);
    expect(answer.body.ignored).toEqual([
      { alert: 'KubeHpaMaxedOut 7a7a7a7a7a7a7a7a', why: expect.stringContaining('no cluster label') },
      { alert: 'KubePodCrashLooping 1f1f1f1f1f1f1f1f', why: expect.stringContaining('not one capstan scales on') },
    ]);
    for (const id of expected) expect(await received(id)).toMatchObject({ receivedAt: expect.any(String) });
    // The repeat interval sends the group again: the same ids, which the consumer takes once.
    expect((await asAlertmanager(body)).body.accepted).toEqual(expected);
  });

  it('a wrong token is 401, a body that is no v4 notification 400: nothing Alertmanager would retry', async () => {
    const body = fixture('alertmanager-hpa-group');
    expect((await asAlertmanager(body, `Bearer ${runtime.state.ingestToken}`)).status).toBe(401);
    expect((await asAlertmanager(body.replace('"version": "4"', '"version": "3"'))).status).toBe(400);
    expect((await asAlertmanager('{"status":"firing"')).status).toBe(400);
  });
});

/** The Alertmanager binary `capstan install` builds (the real component), if this cache has it. */
const ALERTMANAGER = join(cacheRoot(), 'alertmanager-v0.31.1', 'bin', 'alertmanager');

describe.skipIf(!existsSync(ALERTMANAGER))(
  'a real Alertmanager (v0.31.1), with the receiver `capstan hooks` prints',
  () => {
    let alertmanager: ChildProcess | undefined;
    let dir: string;
    let api: string;

    beforeAll(async () => {
      const { stdout } = await run('node', [bin, 'hooks', '--url', runtime.state.httpUrl, '--json'], {
        env: { ...process.env, CAPSTAN_INGEST_TOKEN: runtime.state.ingestToken, CAPSTAN_STATE: '/nonexistent' },
      });
      const row = (JSON.parse(stdout) as { producer: string; configure: string }[]).find(
        (r) => r.producer === 'alertmanager',
      );
      const pasted = parse(row?.configure ?? '');
      // The operator's alertmanager.yml: a default receiver, and capstan's route and receiver pasted in.
      const config = {
        route: { receiver: 'default', group_wait: '1s', group_interval: '1s', repeat_interval: '1h', ...pasted.route },
        receivers: [{ name: 'default' }, ...pasted.receivers],
      };
      dir = mkdtempSync(join(tmpdir(), 'capstan-alertmanager-'));
      writeFileSync(join(dir, 'alertmanager.yml'), stringify(config));
      const port = await freePort();
      api = `http://127.0.0.1:${port}`;
      alertmanager = spawn(
        ALERTMANAGER,
        [
          `--config.file=${join(dir, 'alertmanager.yml')}`,
          `--storage.path=${join(dir, 'data')}`,
          `--web.listen-address=127.0.0.1:${port}`,
          '--cluster.listen-address=',
        ],
        { stdio: 'ignore' },
      );
      await eventually('Alertmanager ready', async () => ((await fetch(`${api}/-/ready`)).ok ? true : undefined));
    });
    afterAll(async () => {
      // Gone before its folder is: it writes its snapshots on the way out.
      if (alertmanager && alertmanager.exitCode === null) {
        const exited = new Promise((resolve) => alertmanager?.once('exit', resolve));
        alertmanager.kill();
        await exited;
      }
      if (dir) rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    });

    it('its notification of KubeHpaMaxedOut reaches the scale function as an hpa.threshold.hit', async () => {
      const startsAt = new Date(Date.now() - 60_000).toISOString();
      const labels = {
        alertname: 'KubeHpaMaxedOut',
        cluster: 'dc1',
        namespace: 'shop',
        horizontalpodautoscaler: `web-${randomUUID().slice(0, 8)}`,
        severity: 'warning',
      };
      const posted = await fetch(`${api}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([
          { labels, annotations: { summary: 'HPA is running at max replicas' }, startsAt },
          { labels: { ...labels, alertname: 'KubePodCrashLooping' }, startsAt },
        ]),
      });
      expect(posted.ok).toBe(true);
      // Alertmanager's own fingerprint of the alert, as its notification will carry it.
      const alerts = (await (await fetch(`${api}/api/v2/alerts?filter=alertname="KubeHpaMaxedOut"`)).json()) as {
        fingerprint: string;
        startsAt: string;
        labels: Record<string, string>;
      }[];
      const mine = alerts.find((a) => a.labels.horizontalpodautoscaler === labels.horizontalpodautoscaler);
      const id = eventId(['alertmanager', mine!.fingerprint, isoTime(mine!.startsAt), 'firing']);
      expect(await received(id)).toMatchObject({ receivedAt: expect.any(String) });
    });
  },
);

describe('CloudWatch alarms through SNS, on the alarms queue', () => {
  /** The fixture's envelope, for an alarm of this run's own (its ARN), so its id can only have come from here. */
  const envelope = (name: string) => {
    const sns = JSON.parse(fixture(name));
    const alarm = JSON.parse(sns.Message);
    alarm.AlarmArn = `${alarm.AlarmArn}-${randomUUID()}`;
    return JSON.stringify({ ...sns, MessageId: randomUUID(), Message: JSON.stringify(alarm) });
  };

  it('ALARM then OK become hpa.threshold.hit events the scale function receives', async () => {
    const queue = runtime.state.queues.alarms!;
    for (const name of ['cloudwatch-alarm-hpa', 'cloudwatch-ok-deployment']) {
      const body = envelope(name);
      const [event] = normalizeCloudWatch(body).events;
      // As SNS delivers to an SQS subscription with raw delivery off: the envelope as the body.
      await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: body }));
      expect(await received(event!.id)).toMatchObject({ receivedAt: expect.any(String) });
    }
  });

  it('a body that is no alarm goes to the DLQ with its reason; INSUFFICIENT_DATA is passed over', async () => {
    const queue = runtime.state.queues.alarms!;
    const marker = randomUUID();
    await sqs.send(
      new SendMessageCommand({ QueueUrl: queue.url, MessageBody: envelope('cloudwatch-insufficient-data') }),
    );
    const bad = JSON.stringify({ Type: 'Notification', MessageId: marker, Message: `not an alarm ${marker}` });
    await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: bad }));
    const dead = await eventually('the unreadable alarm in the DLQ', async () => {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queue.dlqUrl, MessageAttributeNames: ['All'], WaitTimeSeconds: 1 }),
      );
      return Messages.find((m) => m.Body?.includes(marker));
    });
    expect(dead.MessageAttributes?.code?.StringValue).toBe('invalid');
    expect(dead.MessageAttributes?.reason?.StringValue).toContain('cloudwatch');
  });
});
