import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { messageOf } from '../errors.ts';
import type { QueueSpec } from '../topology.ts';
import type { QueueUrls } from './resources.ts';

/** One invocation of the consuming function (which builds its own Lambda context). */
export type SqsHandler = (event: SQSEvent) => Promise<SQSBatchResponse | undefined>;

export interface PollerOptions {
  readonly name: string;
  readonly sqs: SQSClient;
  readonly queue: QueueUrls;
  readonly spec: QueueSpec;
  readonly handler: SqsHandler;
  readonly region: string;
  /**
   * Failed messages become visible again after this long, doubling with each receive and capped by the
   * queue's visibility timeout (Lambda always waits the full visibility timeout).
   */
  readonly retryDelaySeconds: number;
  readonly onError: (message: string) => void;
}

/**
 * What Lambda's SQS event source mapping does, locally: long-poll, hand the batch to the handler as a
 * Lambda SQS event, delete what succeeded, and let what failed become visible again so SQS counts the
 * receive and, after maxReceiveCount, redrives it to the DLQ.
 */
export const startPoller = (o: PollerOptions) => {
  const abort = new AbortController();
  const done = (async () => {
    while (!abort.signal.aborted) {
      try {
        await pollOnce(o, abort.signal);
      } catch (error) {
        if (abort.signal.aborted) break;
        o.onError(`${o.name}: ${messageOf(error)}`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  })();
  return {
    stop: async () => {
      abort.abort();
      await done;
    },
  };
};

const pollOnce = async (o: PollerOptions, signal: AbortSignal) => {
  const { Messages = [] } = await o.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: o.queue.url,
      MaxNumberOfMessages: Math.min(10, o.spec.batchSize),
      WaitTimeSeconds: 2,
      MessageSystemAttributeNames: ['All'],
      MessageAttributeNames: ['All'],
    }),
    { abortSignal: signal },
  );
  if (Messages.length === 0) return;
  const event: SQSEvent = { Records: Messages.map((m) => toRecord(m, o.queue.arn, o.region)) };
  let failed: Set<string>;
  try {
    const response = await o.handler(event);
    failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
  } catch (error) {
    // A handler that throws fails the whole batch, as on Lambda.
    o.onError(`${o.name}: handler threw, whole batch will be retried: ${messageOf(error)}`);
    failed = new Set(Messages.map((m) => m.MessageId ?? ''));
  }
  const succeeded = Messages.filter((m) => !failed.has(m.MessageId ?? ''));
  const retry = Messages.filter((m) => failed.has(m.MessageId ?? ''));
  if (succeeded.length > 0) {
    await o.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: o.queue.url,
        Entries: succeeded.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
      }),
    );
  }
  if (retry.length > 0) {
    await o.sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: o.queue.url,
        Entries: retry.map((m, i) => ({
          Id: String(i),
          ReceiptHandle: m.ReceiptHandle,
          VisibilityTimeout: Math.min(
            o.spec.visibilityTimeoutSeconds,
            o.retryDelaySeconds * 2 ** (Number(m.Attributes?.ApproximateReceiveCount ?? 1) - 1),
          ),
        })),
      }),
    );
  }
};

const toRecord = (m: Message, arn: string, region: string): SQSRecord => ({
  messageId: m.MessageId ?? '',
  receiptHandle: m.ReceiptHandle ?? '',
  body: m.Body ?? '',
  attributes: {
    ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1',
    SentTimestamp: m.Attributes?.SentTimestamp ?? String(Date.now()),
    SenderId: m.Attributes?.SenderId ?? 'local',
    ApproximateFirstReceiveTimestamp: m.Attributes?.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    ...(m.Attributes?.MessageGroupId ? { MessageGroupId: m.Attributes.MessageGroupId } : {}),
    ...(m.Attributes?.MessageDeduplicationId ? { MessageDeduplicationId: m.Attributes.MessageDeduplicationId } : {}),
    ...(m.Attributes?.SequenceNumber ? { SequenceNumber: m.Attributes.SequenceNumber } : {}),
  },
  messageAttributes: Object.fromEntries(
    Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [
      k,
      { dataType: v.DataType ?? 'String', stringValue: v.StringValue, stringListValues: [], binaryListValues: [] },
    ]),
  ),
  md5OfBody: m.MD5OfBody ?? '',
  eventSource: 'aws:sqs',
  eventSourceARN: arn,
  awsRegion: region,
});
