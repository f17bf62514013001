import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

/**
 * Every message of a queue, received and deleted until a few receives in a row come back empty. Deletes are not
 * awaited before the next receive (a FIFO queue hands out a group again only once its message is deleted, so they
 * are settled before a receive counts as empty). One receiver drains ElasticMQ fastest (measured: 3,000 messages
 * in 2,000 groups in under 5 s with one, about 23 s with 16): concurrent receives of a FIFO queue contend.
 */
export const drainQueue = async (sqs: SQSClient, url: string, receivers = 1): Promise<string[]> => {
  const bodies: string[] = [];
  const receiver = async () => {
    const deletes: Promise<unknown>[] = [];
    for (let empty = 0; empty < 3; ) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          VisibilityTimeout: 120,
        }),
      );
      if (Messages.length === 0) {
        // Groups whose deletes are still under way are not handed out yet: settle them before calling it empty.
        await Promise.all(deletes.splice(0));
        empty++;
        continue;
      }
      empty = 0;
      for (const m of Messages) bodies.push(m.Body ?? '');
      deletes.push(
        sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: url,
            Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
          }),
        ),
      );
    }
    await Promise.all(deletes);
  };
  await Promise.all(Array.from({ length: receivers }, receiver));
  return bodies;
};

/** Messages still in the queue, visible or in flight: 0 after a complete drain. */
export const messagesLeft = async (sqs: SQSClient, url: string): Promise<number> => {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes.ApproximateNumberOfMessages ?? 0) + Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
};
