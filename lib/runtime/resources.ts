import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  QueueNameExists,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { type QueueName, queueName, queueNames, queues } from '../topology.ts';

export interface QueueUrls {
  readonly url: string;
  readonly arn: string;
  readonly dlqUrl: string;
}

/**
 * Creates every queue of the topology and its DLQ (redrive after maxReceiveCount), as the CDK stack
 * does on AWS. CreateQueue with the same attributes returns the existing queue, so this is idempotent.
 */
export const ensureQueues = async (sqs: SQSClient, prefix: string): Promise<Record<QueueName, QueueUrls>> => {
  const entries = await Promise.all(
    queueNames.map(async (q) => {
      const spec = queues[q];
      const fifo: Record<string, string> = spec.fifo ? { FifoQueue: 'true' } : {};
      const dlqUrl = await create(sqs, queueName(prefix, q, true), { ...fifo, MessageRetentionPeriod: '1209600' });
      const dlqArn = await arnOf(sqs, dlqUrl);
      const url = await create(sqs, queueName(prefix, q), {
        ...fifo,
        VisibilityTimeout: String(spec.visibilityTimeoutSeconds),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: spec.maxReceiveCount }),
      });
      return [q, { url, arn: await arnOf(sqs, url), dlqUrl }] as const;
    }),
  );
  return Object.fromEntries(entries) as Record<QueueName, QueueUrls>;
};

const create = async (sqs: SQSClient, name: string, attributes: Record<string, string>) => {
  try {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    if (!QueueUrl) throw new Error(`CreateQueue ${name} returned no URL`);
    return QueueUrl;
  } catch (error) {
    if (!(error instanceof QueueNameExists)) throw error;
    // A queue kept from an earlier run (a persistent `capstan up`) with other attributes: the topology
    // changed since. Update it in place, as a stack update does; FifoQueue cannot change and is the same.
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
    if (!QueueUrl) throw new Error(`GetQueueUrl ${name} returned no URL`);
    const { FifoQueue: _, ...changeable } = attributes;
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: changeable }));
    return QueueUrl;
  }
};

const arnOf = async (sqs: SQSClient, url: string) => {
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  if (!Attributes?.QueueArn) throw new Error(`queue ${url} has no ARN`);
  return Attributes.QueueArn;
};
