import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import sample from '../../events/samples/deploy.requested.json' with { type: 'json' };
import { hookSecret } from '../../lib/ingest/hook-secret.ts';
import type { Runtime } from '../../lib/runtime/up.ts';
import { normalizeKubernetesEvent } from '../../lib/sources/k8s-events.ts';
import { createDb } from '../../lib/store/db.ts';
import { queryHistory } from '../../lib/store/history.ts';
import { keys } from '../../lib/store/keys.ts';
import { uniqueName } from '../support/aws.ts';
import { eventually } from '../support/kube.ts';
import { startTestRuntime } from '../support/runtime.ts';

// The HTTP edge of a real runtime (local server, ingest function, ElasticMQ), configured the way a
// user configures a registry: with exactly what `capstan hooks --json` says to paste.
let runtime: Runtime;

beforeAll(async () => {
  runtime = await startTestRuntime('webhooks');
});
afterAll(async () => {
  await runtime?.stop();
});

const run = promisify(execFile);
const bin = join(import.meta.dirname, '../../lib/cli/bin.js');

interface HookRow {
  readonly producer: string;
  readonly url: string;
  readonly field: string;
  readonly value: string;
  readonly configure: string;
  /** kubernetes-event-exporter's SQS sink alternative. */
  readonly sqs?: { readonly queueName: string; readonly region: string; readonly configure: string };
}

/** `capstan hooks --json` against this runtime's URL and token, as a user of a deployed stack runs it. */
const hooks = async (...args: string[]): Promise<HookRow[]> => {
  const { stdout } = await run('node', [bin, 'hooks', '--url', runtime.state.httpUrl, '--json', ...args], {
    env: { ...process.env, CAPSTAN_INGEST_TOKEN: runtime.state.ingestToken, CAPSTAN_STATE: '/nonexistent' },
  });
  return JSON.parse(stdout) as HookRow[];
};

const fixture = (name: string) => readFileSync(new URL(`../fixtures/sources/${name}.json`, import.meta.url), 'utf8');

/**
 * A POST as Harbor's webhook job sends it (src/pkg/notifier/handler/notification/http_handler.go sets
 * `Authorization` to the policy's Auth Header verbatim; the formatter sets the content type).
 */
const asHarbor = async (url: string, authHeader: string, body: string, contentType = 'application/json') => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: authHeader, 'content-type': contentType, 'user-agent': 'Go-http-client/1.1' },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe('Harbor, configured with what `capstan hooks` prints', () => {
  it('a push with the Auth Header pasted verbatim is accepted, in both payload formats', async () => {
    const harbor = (await hooks()).find((r) => r.producer === 'harbor')!;
    expect(harbor.field).toBe('Auth Header');
    const plain = await asHarbor(harbor.url, harbor.value, fixture('harbor-default-push'));
    expect(plain).toMatchObject({ status: 202, body: { accepted: [expect.any(String)], ignored: [] } });
    const cloud = await asHarbor(
      harbor.url,
      harbor.value,
      fixture('harbor-cloudevents-push'),
      'application/cloudevents+json',
    );
    expect(cloud).toMatchObject({ status: 202, body: { accepted: [expect.any(String)] } });
  });

  it('anything else in the Auth Header is refused with 401', async () => {
    const harbor = (await hooks()).find((r) => r.producer === 'harbor')!;
    const token = runtime.state.ingestToken;
    const wrong = [
      '',
      `Bearer ${hookSecret(token, 'distribution')}`,
      `Bearer ${token}`,
      `${harbor.value}x`,
      harbor.value.replace(/^Bearer /, 'Basic '),
    ];
    for (const value of wrong) {
      const answer = await asHarbor(harbor.url, value, fixture('harbor-default-push'));
      expect({ value, status: answer.status }).toEqual({ value, status: 401 });
    }
  });
});

describe("history in capstan's order", () => {
  const post = async (event: unknown) =>
    (
      await fetch(`${runtime.state.httpUrl}/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${runtime.state.ingestToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(event),
      })
    ).status;

  it('an event stamped 3 days ago that arrives after a newer one is listed first; its redelivery adds nothing', async () => {
    const db = createDb(runtime.state.table);
    const app = uniqueName('skew');
    // An environment with no clusters: each request is settled at once with one history entry.
    const request = (id: string, time: string) => ({
      ...sample,
      id,
      time,
      data: { ...sample.data, app, environment: 'nowhere' },
    });
    const newer = request(uniqueName('newer'), new Date().toISOString());
    const late = request(uniqueName('late'), new Date(Date.now() - 3 * 24 * 3600 * 1000).toISOString());
    expect(await post(newer)).toBe(202);
    await eventually('the newer event in the history', async () => (await queryHistory(db, { app }))[0]);
    expect(await post(late)).toBe(202);
    const both = await eventually('both events in the history', async () => {
      const entries = await queryHistory(db, { app });
      return entries.length === 2 ? entries : undefined;
    });
    expect(both.map((e) => e.eventId)).toEqual([late.id, newer.id]);
    expect(both[0]).toMatchObject({ eventTime: late.time });
    expect(Date.parse(both[0]!.receivedAt)).toBeGreaterThan(Date.parse(both[1]!.recordedAt));

    expect(await post(late)).toBe(202);
    await new Promise((r) => setTimeout(r, 3000));
    expect((await queryHistory(db, { app })).map((e) => e.eventId)).toEqual([late.id, newer.id]);
  });
});

describe('kubernetes-event-exporter, configured with what `capstan hooks --cluster` prints', () => {
  const cluster = 'dc2'; // the fixture's clusterName
  const nodeNotReady = () => JSON.parse(fixture('k8s-event-node-not-ready'));

  /** That cluster's exporter setting, as `capstan hooks --cluster <name> --json` prints it. */
  const exporter = async (name: string) => {
    const rows = await hooks('--cluster', name);
    expect(rows).toHaveLength(1);
    const config = parse(rows[0]!.configure);
    const receiver = config.receivers[0].webhook as { endpoint: string; headers: Record<string, string> };
    return { row: rows[0]!, receiver };
  };

  /** A POST as the webhook sink sends it (pkg/sinks/webhook.go): its Content-Type, then the configured headers. */
  const asExporter = async (receiver: { endpoint: string; headers: Record<string, string> }, event: unknown) => {
    const response = await fetch(receiver.endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'User-Agent': 'Go-http-client/1.1', ...receiver.headers },
      body: JSON.stringify(event),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  /** The heal consumer's receipt of an event: written on receive, before healing does anything with it. */
  const received = (id: string) =>
    eventually(`the heal function received ${id}`, async () => {
      const { Item } = await createDb(runtime.state.table).doc.send(
        new GetCommand({ TableName: runtime.state.table, Key: keys.receipt(id), ConsistentRead: true }),
      );
      return Item;
    });

  it("the Node's NodeNotReady is accepted (202) and its node.lost reaches the heal function", async () => {
    const { row, receiver } = await exporter(cluster);
    expect(row.url).toBe(`${runtime.state.httpUrl}/hooks/kubernetes/${cluster}`);
    const event = nodeNotReady();
    const answer = await asExporter(receiver, event);
    const [candidate] = normalizeKubernetesEvent(event, new Date()).events;
    expect(answer).toEqual({ status: 202, body: { accepted: [candidate!.id], ignored: [] } });
    expect(await received(candidate!.id)).toMatchObject({ receivedAt: expect.any(String) });
    // Healing's answer: dc2 is no cluster of this runtime, so nothing is read or done, and that is recorded.
    const entry = await eventually('the heal history entry of the candidate', async () =>
      (await queryHistory(createDb(runtime.state.table), { cluster })).find((e) => e.eventId === candidate!.id),
    );
    expect(entry).toMatchObject({ eventType: 'node.lost', outcome: 'skipped', code: 'not-found' });
  });

  it("another cluster's token is refused (401), and so is an Event naming another cluster (403)", async () => {
    const other = await exporter('dc1');
    // dc1's token on dc2's route.
    const onDc2 = { ...other.receiver, endpoint: other.receiver.endpoint.replace(/\/dc1$/, `/${cluster}`) };
    expect(await asExporter(onDc2, nodeNotReady())).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
    // dc1's own route and token, with dc2's Event: a token speaks for its own cluster only.
    expect(await asExporter(other.receiver, nodeNotReady())).toMatchObject({
      status: 403,
      body: { error: 'forbidden' },
    });
    expect((await asExporter(other.receiver, { ...nodeNotReady(), clusterName: 'dc1' })).status).toBe(202);
  });

  it("a pod's NodeNotReady is a candidate naming the pod; the kubelet's own is answered as ignored", async () => {
    const { receiver } = await exporter(cluster);
    const pod = JSON.parse(fixture('k8s-event-pod-node-not-ready'));
    const [candidate] = normalizeKubernetesEvent(pod, new Date()).events;
    expect(candidate?.data).toMatchObject({ pod: { namespace: 'shop', name: 'orders-db-0' } });
    expect(await asExporter(receiver, pod)).toEqual({ status: 202, body: { accepted: [candidate!.id], ignored: [] } });
    expect(await received(candidate!.id)).toMatchObject({ receivedAt: expect.any(String) });
    const kubelet = { ...nodeNotReady(), source: { component: 'kubelet' }, reportingComponent: 'kubelet' };
    const answer = await asExporter(receiver, kubelet);
    expect(answer).toMatchObject({
      status: 202,
      body: { accepted: [], ignored: [expect.stringContaining('kubelet')] },
    });
  });

  it('the SQS sink: the raw Event on the kubeEvents queue becomes a node.lost the heal function receives', async () => {
    const queue = runtime.state.queues.kubeEvents!;
    const sqs = new SQSClient({
      endpoint: runtime.state.endpoints.sqs,
      region: runtime.state.region,
      credentials: { accessKeyId: 'capstanlocal', secretAccessKey: 'capstanlocal' },
    });
    try {
      // Another occurrence than the webhook test's (its own uid), so this id can only have come through the queue.
      const event = { ...nodeNotReady(), metadata: { ...nodeNotReady().metadata, uid: randomUUID() } };
      const [candidate] = normalizeKubernetesEvent(event, new Date()).events;
      // As pkg/sinks/sqs.go sends it: the Event as the body, nothing else.
      await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: JSON.stringify(event) }));
      expect(await received(candidate!.id)).toMatchObject({ receivedAt: expect.any(String) });

      // No route names the cluster on the queue: an Event without clusterName goes to the DLQ with the reason.
      const anonymous = { ...event, metadata: { ...event.metadata, uid: randomUUID() }, clusterName: '' };
      await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: JSON.stringify(anonymous) }));
      const dead = await eventually('the Event without clusterName in the DLQ', async () => {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queue.dlqUrl, MessageAttributeNames: ['All'], WaitTimeSeconds: 1 }),
        );
        return Messages.find((m) => m.Body?.includes(anonymous.metadata.uid));
      });
      expect(dead.MessageAttributes?.code?.StringValue).toBe('invalid');
      expect(dead.MessageAttributes?.reason?.StringValue).toContain('clusterName');
    } finally {
      sqs.destroy();
    }
  });
});
