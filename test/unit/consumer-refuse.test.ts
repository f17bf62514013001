import { Logger } from '@aws-lambda-powertools/logger';
import type { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { looseEnvelope, refuse } from '../../lib/lambda/refuse.ts';
import { deadLetterQueue } from '../../lib/queue/dead-letter.ts';

const record = (body: string, group?: string) =>
  ({
    messageId: 'm1',
    body,
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', ...(group ? { MessageGroupId: group } : {}) },
  }) as SQSRecord;

/** An SQS client that keeps what it is asked to send, and a logger that keeps what it logs. */
const fakes = () => {
  const sent: SendMessageCommand['input'][] = [];
  const sqs = { send: async (command: SendMessageCommand) => sent.push(command.input) } as unknown as SQSClient;
  const logged: string[] = [];
  const logger = new Logger({ serviceName: 'test' });
  logger.warn = (...args: unknown[]) => void logged.push(JSON.stringify(args));
  return { sent, sqs, logged, logger };
};

describe('refusing a message', () => {
  it('sends the body unchanged to the DLQ with its reason and code, and logs no body', async () => {
    const f = fakes();
    const body = '{"token":"s3cret"}';
    const deps = { queue: 'registry', deadLetter: deadLetterQueue(f.sqs, 'http://sqs/dlq'), logger: f.logger } as const;
    await refuse(deps, record(body), { code: 'invalid', reason: 'not an ECR push' });
    expect(f.sent).toEqual([
      {
        QueueUrl: 'http://sqs/dlq',
        MessageBody: body,
        MessageAttributes: {
          reason: { DataType: 'String', StringValue: 'not an ECR push' },
          code: { DataType: 'String', StringValue: 'invalid' },
          sourceMessageId: { DataType: 'String', StringValue: 'm1' },
        },
      },
    ]);
    expect(f.logged).toHaveLength(1);
    expect(f.logged[0]).toContain('"code":"invalid"');
    expect(f.logged[0]).not.toContain('s3cret');
  });

  it('keeps the message group on a FIFO DLQ, deduplicated by the message id', async () => {
    const f = fakes();
    const deps = {
      queue: 'deploy',
      deadLetter: deadLetterQueue(f.sqs, 'http://sqs/deploy-dlq.fifo'),
      logger: f.logger,
    } as const;
    await refuse(deps, record('x', 'api/prod'), { code: 'gave-up', reason: 'gave up' });
    expect(f.sent[0]).toMatchObject({ MessageGroupId: 'api/prod', MessageDeduplicationId: 'm1' });
  });
});

describe('enough of an invalid event to file its refusal', () => {
  const time = '2026-12-01T00:00:00Z';
  it.each<[string, unknown, ReturnType<typeof looseEnvelope>]>([
    ['not an object', 'text', undefined],
    ['null', null, undefined],
    ['no id', { time, data: { app: 'api' } }, undefined],
    ['no valid time', { id: 'e1', time: 'yesterday' }, undefined],
    [
      'id and time, its subject names kept',
      { id: 'e1', type: 'deploy.requested', time, data: { app: 'api', environment: 'prod', cluster: 'c1' } },
      {
        id: 'e1',
        type: 'deploy.requested',
        time: '2026-12-01T00:00:00.000Z',
        data: { app: 'api', environment: 'prod', cluster: 'c1' },
      },
    ],
    [
      'names that are not names dropped, a missing type unknown',
      { id: 'e1', time, data: { app: 'API!', environment: 3 } },
      { id: 'e1', type: 'unknown', time: '2026-12-01T00:00:00.000Z', data: {} },
    ],
  ])('%s', (_what, body, envelope) => {
    expect(looseEnvelope(body)).toEqual(envelope);
  });
});
