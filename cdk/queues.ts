import { Duration } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { type QueueName, type QueueSpec, queueNames, queues } from '../lib/topology.ts';
import { pascal } from './names.ts';

export interface WorkQueue {
  readonly queue: Queue;
  readonly dlq: Queue;
}

/** Longest SQS retention: time to read, fix and redrive a poison message. */
const DLQ_RETENTION = Duration.days(14);

/** One queue and its dead-letter queue per entry of `queues` in lib/topology.ts. */
export class WorkQueues extends Construct {
  private readonly byName = new Map<QueueName, WorkQueue>();

  constructor(scope: Construct, id: string) {
    super(scope, id);
    for (const name of queueNames) {
      const spec: QueueSpec = queues[name];
      // SQS rejects FifoQueue=false on a standard queue, so FIFO attributes are only set on FIFO queues.
      // Producers set MessageDeduplicationId (the event id), so content-based deduplication stays off.
      const fifo = spec.fifo ? { fifo: true, contentBasedDeduplication: false } : {};
      const common = { ...fifo, encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true };
      const dlq = new Queue(this, `${pascal(name)}Dlq`, { ...common, retentionPeriod: DLQ_RETENTION });
      const queue = new Queue(this, pascal(name), {
        ...common,
        visibilityTimeout: Duration.seconds(spec.visibilityTimeoutSeconds),
        deadLetterQueue: { queue: dlq, maxReceiveCount: spec.maxReceiveCount },
      });
      this.byName.set(name, { queue, dlq });
    }
  }

  get(name: QueueName): WorkQueue {
    const found = this.byName.get(name);
    if (!found) throw new Error(`queue ${name} is not in lib/topology.ts`);
    return found;
  }

  entries(): [QueueName, WorkQueue][] {
    return [...this.byName.entries()];
  }
}
