import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { sqsBatchHandler } from '../../lib/lambda/batch.ts';

const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });

const context = {
  functionName: 'deploy',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:1:function:deploy',
  memoryLimitInMB: '256',
  awsRequestId: 'req-1',
  logGroupName: 'g',
  logStreamName: 's',
  callbackWaitsForEmptyEventLoop: false,
  getRemainingTimeInMillis: () => 30_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
} satisfies Context;

const record = (messageId: string, group?: string): SQSRecord => ({
  messageId,
  receiptHandle: `rh-${messageId}`,
  body: messageId,
  attributes: {
    ApproximateReceiveCount: '1',
    SentTimestamp: '0',
    SenderId: 's',
    ApproximateFirstReceiveTimestamp: '0',
    ...(group ? { MessageGroupId: group, MessageDeduplicationId: messageId } : {}),
  },
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:eu-west-1:1:q',
  awsRegion: 'eu-west-1',
});

/** Runs one batch; the handler fails the records named in `failing` and notes the order it saw. */
const run = async (fifo: boolean, records: SQSRecord[], failing: readonly string[]) => {
  const seen: string[] = [];
  const invoked: Context[] = [];
  const handler = sqsBatchHandler({
    fifo,
    logger,
    onInvoke: (c) => invoked.push(c),
    handleRecord: async (r) => {
      seen.push(r.messageId);
      if (failing.includes(r.messageId)) throw new Error(`${r.messageId} failed`);
    },
  });
  const event: SQSEvent = { Records: records };
  const response = await handler(event, context);
  return { failed: response.batchItemFailures.map((f) => f.itemIdentifier), seen, invoked };
};

describe('the batch wiring', () => {
  it('a standard queue redelivers only the records that threw', async () => {
    const { failed, seen, invoked } = await run(false, [record('a'), record('b'), record('c')], ['b']);
    expect(failed).toEqual(['b']);
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(invoked).toHaveLength(1);
  });

  it('a fully failed batch is reported item by item, not thrown', async () => {
    expect((await run(false, [record('a'), record('b')], ['a', 'b'])).failed).toEqual(['a', 'b']);
    expect((await run(true, [record('a', 'g1'), record('b', 'g2')], ['a', 'b'])).failed).toEqual(['a', 'b']);
  });

  it('FIFO: a failed group skips its later records, the other groups go on', async () => {
    const records = [record('a1', 'a'), record('b1', 'b'), record('a2', 'a'), record('b2', 'b')];
    const { failed, seen } = await run(true, records, ['a1']);
    expect(seen).toEqual(['a1', 'b1', 'b2']);
    expect(failed).toEqual(['a1', 'a2']);
  });
});
