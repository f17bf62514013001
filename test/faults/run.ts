import { randomUUID } from 'node:crypto';
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { QueueName } from '../../lib/topology.ts';
import { type DeployRequest, groupOf, type Poison, poisonMessages } from './events.ts';
import type { Fleet, QueuePair } from './fleet.ts';

/**
 * What the suite sent, kept as it goes: the accepted events (the invariants are about them), every
 * delivery of them, the poison messages.
 */
export class Sender {
  readonly accepted: DeployRequest[] = [];
  readonly poison: Poison[] = [];
  deliveries = 0;
  refusedPosts = 0;

  constructor(
    private readonly fleet: Fleet,
    /** The queues now (their URLs change when the emulators come back on other ports). */
    public urls: Record<QueueName, QueuePair>,
  ) {}

  /**
   * One event, delivered five times: three POSTs to the edges of different runtimes (the FIFO queue
   * drops the two repeats by deduplication id, as SQS does within five minutes), then two copies
   * straight onto the deploy queue with fresh deduplication ids, as a redelivery after the window
   * arrives; only the consumers' idempotency can drop those.
   */
  async deliver(event: DeployRequest): Promise<void> {
    for (let i = 0; i < 3; i++) {
      const status = await this.fleet.post(event, i).catch(() => 0);
      if (status === 202) this.deliveries++;
      else this.refusedPosts++;
    }
    for (let i = 0; i < 2; i++) {
      await this.fleet.sqs.send(
        new SendMessageCommand({
          QueueUrl: this.urls.deploy.url,
          MessageBody: JSON.stringify(event),
          MessageGroupId: groupOf(event),
          MessageDeduplicationId: `copy-${randomUUID()}`,
        }),
      );
      this.deliveries++;
    }
    // On the queue either way: through an edge, or as a copy.
    this.accepted.push(event);
  }

  /** Three poison messages on every queue (deploy, rollout, registry). */
  async sendPoison(tag: string): Promise<void> {
    for (const p of poisonMessages(tag)) {
      const fifo = this.urls[p.queue].url.endsWith('.fifo');
      await this.fleet.sqs.send(
        new SendMessageCommand({
          QueueUrl: this.urls[p.queue].url,
          MessageBody: p.body,
          ...(fifo ? { MessageGroupId: `poison-${tag}`, MessageDeduplicationId: randomUUID() } : {}),
        }),
      );
      this.poison.push(p);
    }
  }
}

/** Messages still on each of the suite's queues: waiting, delayed, or held by a consumer (alive or killed). */
export const messagesInFlight = async (
  fleet: Fleet,
  urls: Record<QueueName, QueuePair>,
): Promise<{ total: Record<QueueName, number>; detail: Record<QueueName, Record<string, string>> }> => {
  const counts = await Promise.all(
    (Object.entries(urls) as [QueueName, QueuePair][]).map(async ([queue, { url }]) => {
      const { Attributes = {} } = await fleet.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: [
            'ApproximateNumberOfMessages',
            'ApproximateNumberOfMessagesNotVisible',
            'ApproximateNumberOfMessagesDelayed',
          ],
        }),
      );
      return [queue, Object.values(Attributes).reduce((n, v) => n + Number(v), 0), Attributes] as const;
    }),
  );
  return {
    total: Object.fromEntries(counts.map(([q, n]) => [q, n])) as Record<QueueName, number>,
    detail: Object.fromEntries(counts.map(([q, , a]) => [q, a])) as Record<QueueName, Record<string, string>>,
  };
};

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The server-side apply of an app's Deployment, as the proxy sees it. */
export const deploymentApply = (app: string) => ({
  method: 'PATCH',
  path: new RegExp(`^/apis/apps/v1/namespaces/${app}/deployments/${app}(\\?|$)`),
});

export const serviceApply = (app: string) => ({
  method: 'PATCH',
  path: new RegExp(`^/api/v1/namespaces/${app}/services/${app}(\\?|$)`),
});
