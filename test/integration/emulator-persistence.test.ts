import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type Message, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulators, startEmulators } from '../../lib/local/emulators.ts';
import { ensureQueues, type QueueUrls } from '../../lib/runtime/resources.ts';
import type { QueueName } from '../../lib/topology.ts';

// DynamoDB Local and ElasticMQ with `persist`, stopped and started again on the same folder, on their own
// (not the run's shared in-memory ones). Times are wall-clock deadlines kept by ElasticMQ: a delay or a
// visibility timeout that runs out while it is down is simply over when it is back.

const credentials = { accessKeyId: 'capstanlocal', secretAccessKey: 'capstanlocal' };
const DELAY_SECONDS = 40;
const VISIBILITY_SECONDS = 45;

let dir: string;
let emulators: Emulators | undefined;
let sqs: SQSClient;
let ddb: DynamoDBClient;
let queues: Record<QueueName, QueueUrls>;
let sentAt: number;

const connect = async (e: Emulators) => {
  sqs = new SQSClient({ endpoint: e.sqsEndpoint, region: 'us-east-1', credentials });
  ddb = new DynamoDBClient({ endpoint: e.dynamodbEndpoint, region: 'us-east-1', credentials });
  // CreateQueue with the same attributes finds the kept queues; it would fail on different ones.
  queues = await ensureQueues(sqs, 'persist');
};

const receive = async (queue: QueueName): Promise<Message[]> =>
  (
    await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queues[queue].url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ['All'],
      }),
    )
  ).Messages ?? [];

const receiveCount = (m: Message | undefined) => Number(m?.Attributes?.ApproximateReceiveCount);

/** Receives until `body` arrives (polling once a second), returning it and when it arrived. */
const receiveUntil = async (queue: QueueName, body: string, ms: number) => {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const found = (await receive(queue)).find((m) => m.Body === body);
    if (found) return { message: found, at: Date.now() };
    await sleep(1_000);
  }
  throw new Error(`${body} did not arrive within ${ms / 1000}s`);
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'capstan-emulators-'));
});

afterAll(async () => {
  await emulators?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('emulators with persist, stopped and started again', () => {
  it('keeps tables, items, queues and every kind of message', async () => {
    emulators = await startEmulators({ dir, persist: true, log: () => {} });
    await connect(emulators);
    await ddb.send(
      new CreateTableCommand({
        TableName: 'kept',
        AttributeDefinitions: [{ AttributeName: 'PK', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'PK', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await DynamoDBDocumentClient.from(ddb).send(new PutCommand({ TableName: 'kept', Item: { PK: 'a', n: 1 } }));
    sentAt = Date.now();
    const send = (queue: QueueName, body: string, extra: object = {}) =>
      sqs.send(new SendMessageCommand({ QueueUrl: queues[queue].url, MessageBody: body, ...extra }));
    await send('rollout', 'delayed', { DelaySeconds: DELAY_SECONDS });
    await send('rollout', 'in-flight');
    await send('registry', 'waiting');
    await send('deploy', 'fifo-in-flight', { MessageGroupId: 'app/env', MessageDeduplicationId: 'd1' });
    // Received (in flight) and neither deleted nor released: a consumer that was stopped mid-batch.
    const inFlight = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queues.rollout.url, VisibilityTimeout: VISIBILITY_SECONDS }),
    );
    expect(inFlight.Messages?.map((m) => m.Body)).toEqual(['in-flight']);
    const fifo = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queues.deploy.url, VisibilityTimeout: VISIBILITY_SECONDS }),
    );
    expect(fifo.Messages?.map((m) => m.Body)).toEqual(['fifo-in-flight']);

    // A hard stop: SIGKILL, no shutdown hook. Nothing acknowledged may be lost (H2 WRITE_DELAY=0).
    for (const name of ['dynamodb-local', 'elasticmq']) {
      process.kill(JSON.parse(readFileSync(join(dir, `${name}.pid`), 'utf8')).pid, 'SIGKILL');
    }
    await emulators.stop();
    emulators = await startEmulators({ dir, persist: true, log: () => {} });
    await connect(emulators);

    const item = await DynamoDBDocumentClient.from(ddb).send(new GetCommand({ TableName: 'kept', Key: { PK: 'a' } }));
    expect(item.Item).toEqual({ PK: 'a', n: 1 });
    const waiting = await receive('registry');
    expect(waiting.map((m) => m.Body)).toEqual(['waiting']);
    expect(receiveCount(waiting[0])).toBe(1);
  });

  it('a delayed message appears at its original time, not earlier, not reset by the restart', async () => {
    const elapsed = (Date.now() - sentAt) / 1000;
    // The restart must leave some of the delay to observe (the JVMs take 10-25 s to start on a busy machine).
    expect(elapsed).toBeLessThan(DELAY_SECONDS);
    const early = await receive('rollout');
    expect(early.map((m) => m.Body)).not.toContain('delayed');
    const { message, at } = await receiveUntil('rollout', 'delayed', 60_000);
    expect((at - sentAt) / 1000).toBeGreaterThanOrEqual(DELAY_SECONDS - 1);
    expect((at - sentAt) / 1000).toBeLessThan(DELAY_SECONDS + 5);
    expect(receiveCount(message)).toBe(1);
  });

  it('an in-flight message comes back when its visibility timeout ends, with its receive count kept', async () => {
    const { message, at } = await receiveUntil('rollout', 'in-flight', 60_000);
    expect((at - sentAt) / 1000).toBeGreaterThanOrEqual(VISIBILITY_SECONDS - 1);
    expect(receiveCount(message)).toBe(2);
    const fifo = await receiveUntil('deploy', 'fifo-in-flight', 10_000);
    expect(receiveCount(fifo.message)).toBe(2);
  });
});
