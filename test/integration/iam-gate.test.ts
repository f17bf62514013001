import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Denial, functionCredentials, type Gate, startIamGate } from '../../lib/runtime/iam-gate.ts';
import { ensureQueues, type QueueUrls } from '../../lib/runtime/resources.ts';
import { createDb } from '../../lib/store/db.ts';
import { ensureTable } from '../../lib/store/table.ts';
import type { FunctionName, QueueName } from '../../lib/topology.ts';
import { awsClients, uniqueName } from '../support/aws.ts';

// The local IAM gate on the real emulators: what a function's role allows passes, anything else is
// refused as AWS refuses it (AccessDeniedException), and the refusal is reported.
// SQS names it AccessDenied (its query-compatible code), DynamoDB AccessDeniedException, as on AWS.
const accessDenied = { name: expect.stringMatching(/^AccessDenied(Exception)?$/), $metadata: { httpStatusCode: 400 } };

describe('local IAM gate (lib/contract.ts grants, enforced)', () => {
  const prefix = uniqueName('gate');
  const table = `${prefix}-table`;
  const admin = awsClients();
  const denials: Denial[] = [];
  let sqsGate: Gate;
  let ddbGate: Gate;
  let queues: Record<QueueName, QueueUrls>;

  const asFunction = (name: FunctionName) => {
    const credentials = functionCredentials(name);
    return {
      sqs: new SQSClient({ endpoint: sqsGate.url, region: 'us-east-1', credentials, maxAttempts: 1 }),
      ddb: new DynamoDBClient({ endpoint: ddbGate.url, region: 'us-east-1', credentials, maxAttempts: 1 }),
    };
  };
  const send = (name: FunctionName, queue: QueueName, dlq = false) =>
    asFunction(name).sqs.send(
      new SendMessageCommand({
        QueueUrl: sqsGate.viaGate(dlq ? queues[queue].dlqUrl : queues[queue].url),
        MessageBody: '{}',
        ...(queue === 'deploy' ? { MessageGroupId: 'g', MessageDeduplicationId: uniqueName('d') } : {}),
      }),
    );

  beforeAll(async () => {
    await ensureTable(admin.ddb, table);
    queues = await ensureQueues(admin.sqs, prefix);
    const infra = inject('infra');
    const onDenied = (d: Denial) => denials.push(d);
    sqsGate = await startIamGate({ service: 'sqs', upstream: infra.sqsEndpoint, prefix, table, onDenied });
    ddbGate = await startIamGate({ service: 'dynamodb', upstream: infra.dynamodbEndpoint, prefix, table, onDenied });
  });
  afterAll(async () => {
    await Promise.all([sqsGate?.stop(), ddbGate?.stop()]);
  });

  it('lets each function send to the queues of the events it emits, and its own DLQ', async () => {
    await expect(send('rollout', 'deploy')).resolves.toBeDefined(); // release.advance, rollback.requested
    await expect(send('rollout', 'rollout')).resolves.toBeDefined(); // the next rollout.check
    await expect(send('deploy', 'deploy')).resolves.toBeDefined(); // a push's deploy requests
    await expect(send('deploy', 'deploy', true)).resolves.toBeDefined(); // poison to its DLQ
    await expect(send('ingest', 'deploy')).resolves.toBeDefined();
  });

  it('refuses a send outside the grants, as AccessDenied, and reports it', async () => {
    const before = denials.length;
    await expect(send('ingest', 'rollout')).rejects.toMatchObject(accessDenied);
    await expect(send('registry', 'rollout')).rejects.toMatchObject(accessDenied);
    await expect(send('sweep', 'deploy')).rejects.toMatchObject(accessDenied);
    await expect(send('deploy', 'registry')).rejects.toMatchObject(accessDenied);
    // Another function's DLQ, and consuming a queue that is not its own.
    await expect(send('rollout', 'deploy', true)).rejects.toMatchObject(accessDenied);
    await expect(
      asFunction('ingest').sqs.send(new ReceiveMessageCommand({ QueueUrl: sqsGate.viaGate(queues.deploy.url) })),
    ).rejects.toMatchObject(accessDenied);
    expect(denials.slice(before)).toHaveLength(6);
    expect(denials[before]).toMatchObject({ fn: 'ingest', action: 'sqs:SendMessage' });
    expect(denials.at(-1)).toMatchObject({ fn: 'ingest', action: 'sqs:ReceiveMessage' });
  });

  it('nothing refused reached the queue', async () => {
    const { Messages = [] } = await admin.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queues.registry.url, WaitTimeSeconds: 1 }),
    );
    expect(Messages).toHaveLength(0);
  });

  it('lets a function read and write its table, and nothing it is not granted', async () => {
    const { ddb } = asFunction('deploy');
    const doc = createDb(table, ddb).doc;
    const item = { PK: 'gate', SK: 'item', value: 1 };
    await doc.send(new PutCommand({ TableName: table, Item: item }));
    expect((await doc.send(new GetCommand({ TableName: table, Key: { PK: 'gate', SK: 'item' } }))).Item).toEqual(item);
    // No Scan in the contract; no other table.
    await expect(ddb.send(new ScanCommand({ TableName: table }))).rejects.toMatchObject(accessDenied);
    await expect(doc.send(new PutCommand({ TableName: `${prefix}-other`, Item: item }))).rejects.toMatchObject(
      accessDenied,
    );
  });

  it('refuses a caller that is no function of the topology', async () => {
    const stranger = new SQSClient({
      endpoint: sqsGate.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'someone', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    await expect(
      stranger.send(new SendMessageCommand({ QueueUrl: sqsGate.viaGate(queues.rollout.url), MessageBody: '{}' })),
    ).rejects.toMatchObject(accessDenied);
  });
});
