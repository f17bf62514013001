import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import type { Reason } from '../reasons.ts';

/** Gives one message up for good, with its reason: the port a queue consumer is given (lib/lambda/ports.ts). */
export type DeadLetter = (record: SQSRecord, why: Reason) => Promise<void>;

/**
 * Moves a poison message to the DLQ at once, with the reason and its code (lib/reasons.ts) attached, instead of letting it be
 * received N more times to no purpose. The original body is kept byte for byte for a later redrive.
 */
export const sendToDeadLetter = async (sqs: SQSClient, dlqUrl: string, record: SQSRecord, why: Reason) => {
  const fifo = dlqUrl.endsWith('.fifo');
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: dlqUrl,
      MessageBody: record.body,
      MessageAttributes: {
        reason: { DataType: 'String', StringValue: why.reason.slice(0, 4000) },
        code: { DataType: 'String', StringValue: why.code },
        sourceMessageId: { DataType: 'String', StringValue: record.messageId },
      },
      ...(fifo
        ? { MessageGroupId: record.attributes.MessageGroupId ?? 'poison', MessageDeduplicationId: record.messageId }
        : {}),
    }),
  );
};

/** The DeadLetter port of one queue: its DLQ, through SQS. */
export const deadLetterQueue =
  (sqs: SQSClient, dlqUrl: string): DeadLetter =>
  (record, why) =>
    sendToDeadLetter(sqs, dlqUrl, record, why);
