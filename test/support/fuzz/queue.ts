import {
  DeleteMessageBatchCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

/**
 * Every message of a queue, received and deleted until a few receives in a row come back empty. Several receivers
 * at once: a FIFO queue hands out one batch per message group at a time, so one receiver would crawl.
 */
export const drainQueue = async (sqs: SQSClient, url: string, receivers = 6): Promise<string[]> => {
  const bodies: string[] = [];
  const receiver = async () => {
    for (let empty = 0; empty < 3; ) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          VisibilityTimeout: 60,
        }),
      );
      if (Messages.length === 0) {
        empty++;
        continue;
      }
      empty = 0;
      for (const m of Messages) bodies.push(m.Body ?? '');
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: url,
          Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
        }),
      );
    }
  };
  await Promise.all(Array.from({ length: receivers }, receiver));
  return bodies;
};

export const purgeQueue = (sqs: SQSClient, url: string) => sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
