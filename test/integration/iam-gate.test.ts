import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import {
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { BatchWriteCommand, GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Denial, functionCredentials, type Gate, startIamGate } from '../../lib/runtime/iam-gate.ts';
import { ensureQueues, type QueueUrls } from '../../lib/runtime/resources.ts';
import { createDb } from '../../lib/store/db.ts';
import { ensureTable } from '../../lib/store/table.ts';
import { type FunctionName, type QueueName, queueName } from '../../lib/topology.ts';
import { awsClients, uniqueName } from '../support/aws.ts';

// The local IAM gate on the real emulators: what a function's role allows passes, anything else is
// refused as AWS refuses it (AccessDeniedException), and the refusal is reported.
// SQS names it AccessDenied (its query-compatible code), DynamoDB AccessDeniedException, as on AWS.
const sqsDenied = { name: 'AccessDenied', $metadata: { httpStatusCode: 400 } };
const dynamodbDenied = { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } };
/** The body of every send the gate must refuse: none may ever reach a queue. */
const REFUSED = '{"refused":true}';

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
  const send = (name: FunctionName, queue: QueueName, dlq = false, body = '{}') =>
    asFunction(name).sqs.send(
      new SendMessageCommand({
        QueueUrl: sqsGate.viaGate(dlq ? queues[queue].dlqUrl : queues[queue].url),
        MessageBody: body,
        ...(queue === 'deploy' ? { MessageGroupId: 'g', MessageDeduplicationId: uniqueName('d') } : {}),
      }),
    );

  beforeAll(async () => {
    await ensureTable(admin.ddb, table);
    queues = await ensureQueues(admin.sqs, prefix);
    const infra = inject('infra');
    const onDenied = (d: Denial) => denials.push(d);
    sqsGate = await startIamGate({
      service: 'sqs',
      upstream: infra.sqsEndpoint,
      prefix,
      table,
      region: 'us-east-1',
      onDenied,
    });
    ddbGate = await startIamGate({
      service: 'dynamodb',
      upstream: infra.dynamodbEndpoint,
      prefix,
      table,
      region: 'us-east-1',
      onDenied,
    });
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
    await expect(send('ingest', 'rollout', false, REFUSED)).rejects.toMatchObject(sqsDenied);
    await expect(send('registry', 'rollout', false, REFUSED)).rejects.toMatchObject(sqsDenied);
    await expect(send('sweep', 'deploy', false, REFUSED)).rejects.toMatchObject(sqsDenied);
    await expect(send('deploy', 'registry', false, REFUSED)).rejects.toMatchObject(sqsDenied);
    // Another function's DLQ, and consuming a queue that is not its own.
    await expect(send('rollout', 'deploy', true, REFUSED)).rejects.toMatchObject(sqsDenied);
    await expect(
      asFunction('ingest').sqs.send(new ReceiveMessageCommand({ QueueUrl: sqsGate.viaGate(queues.deploy.url) })),
    ).rejects.toMatchObject(sqsDenied);
    expect(denials.slice(before)).toHaveLength(6);
    expect(denials[before]).toMatchObject({ fn: 'ingest', action: 'sqs:SendMessage' });
    expect(denials.at(-1)).toMatchObject({ fn: 'ingest', action: 'sqs:ReceiveMessage' });
  });

  it('batches are authorized by their single-message action; queue URLs handed out stay behind the gate', async () => {
    const { sqs } = asFunction('rollout');
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queueName(prefix, 'deploy') }));
    expect(QueueUrl).toBe(sqsGate.viaGate(queues.deploy.url));
    const entries = [1, 2].map((i) => ({
      Id: `m${i}`,
      MessageBody: '{}',
      MessageGroupId: 'g',
      MessageDeduplicationId: uniqueName('b'),
    }));
    await expect(sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: entries }))).resolves.toMatchObject({
      Successful: [{ Id: 'm1' }, { Id: 'm2' }],
    });
    await expect(
      asFunction('registry').sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: sqsGate.viaGate(queues.rollout.url),
          Entries: [{ Id: 'x', MessageBody: REFUSED }],
        }),
      ),
    ).rejects.toMatchObject(sqsDenied);
  });

  it('nothing refused reached any queue', async () => {
    for (const urls of Object.values(queues)) {
      for (const url of [urls.url, urls.dlqUrl]) {
        const { Messages = [] } = await admin.sqs.send(
          new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
        );
        expect(Messages.map((m) => m.Body)).not.toContain(REFUSED);
      }
    }
  });

  it('lets a function read and write its table, and nothing it is not granted', async () => {
    const { ddb } = asFunction('deploy');
    const doc = createDb(table, ddb).doc;
    const item = { PK: 'gate', SK: 'item', value: 1 };
    await doc.send(new PutCommand({ TableName: table, Item: item }));
    expect((await doc.send(new GetCommand({ TableName: table, Key: { PK: 'gate', SK: 'item' } }))).Item).toEqual(item);
    // Transactions are authorized per item action; queries on the topology's index only.
    await doc.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: table, Item: { PK: 'gate', SK: 'tx', GSI1PK: 'g', GSI1SK: '1' } } },
          {
            ConditionCheck: {
              TableName: table,
              Key: { PK: 'gate', SK: 'item' },
              ConditionExpression: 'attribute_exists(PK)',
            },
          },
        ],
      }),
    );
    const query = (index: string) =>
      doc.send(
        new QueryCommand({
          TableName: table,
          IndexName: index,
          KeyConditionExpression: 'GSI1PK = :g',
          ExpressionAttributeValues: { ':g': 'g' },
        }),
      );
    expect((await query('GSI1')).Items).toHaveLength(1);
    await expect(query('GSI9')).rejects.toMatchObject(dynamodbDenied);
    // No Scan, no batch calls in the contract; no other table, in a transaction either.
    await expect(ddb.send(new ScanCommand({ TableName: table }))).rejects.toMatchObject(dynamodbDenied);
    await expect(
      doc.send(
        new BatchWriteCommand({ RequestItems: { [table]: [{ PutRequest: { Item: { PK: 'gate', SK: 'b' } } }] } }),
      ),
    ).rejects.toMatchObject(dynamodbDenied);
    await expect(doc.send(new PutCommand({ TableName: `${prefix}-other`, Item: item }))).rejects.toMatchObject(
      dynamodbDenied,
    );
    await expect(
      doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: table, Item: { PK: 'gate', SK: 'tx2' } } },
            { Put: { TableName: `${prefix}-other`, Item: { PK: 'gate', SK: 'tx2' } } },
          ],
        }),
      ),
    ).rejects.toMatchObject(dynamodbDenied);
    expect((await doc.send(new GetCommand({ TableName: table, Key: { PK: 'gate', SK: 'tx2' } }))).Item).toBeUndefined();
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
    ).rejects.toMatchObject(sqsDenied);
  });
});
