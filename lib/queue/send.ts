import { createHash } from 'node:crypto';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { CapstanEvent } from '../../events/index.ts';
import type { Config } from '../config.ts';
import { queueUrl } from '../config.ts';
import { ContractError, InvalidInputError } from '../errors.ts';
import { type FunctionName, functions, type QueueName, queues } from '../topology.ts';
import { routeOf } from './routing.ts';

/**
 * SQS deduplication and message group ids allow 1-128 ASCII letters, digits and punctuation; anything else is
 * hashed (still deterministic, so a group stays one group). Groups are built from registry and repository
 * names, which together may well exceed 128 characters.
 */
export const sqsId = (id: string) => (id.length <= 128 && /^[\w!-/:-@[-`{-~]+$/.test(id) ? id : sha256(id));
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * The event as JSON that SQS accepts: SQS refuses U+FFFE and U+FFFF in a message (JSON.stringify already escapes
 * control characters and lone surrogates), so they are written as JSON escapes: the same string once parsed.
 */
export const sqsMessageBody = (event: CapstanEvent): string =>
  JSON.stringify(event).replace(/[\ufffe\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);

export type Enqueue = (event: CapstanEvent, options?: { delaySeconds?: number }) => Promise<void>;

/** Where an event goes and how: what the enqueuer sends, and what the queue double records (test/doubles/queue.ts). */
export type Destination =
  | {
      readonly queue: QueueName;
      readonly fifo: true;
      /** The message group: its messages are handled one at a time, in order. */
      readonly groupId: string;
      /** SQS drops a second message with this id for five minutes. */
      readonly deduplicationId: string;
    }
  | {
      readonly queue: QueueName;
      readonly fifo: false;
      /** 0-900 s. FIFO queues take no per-message delay (only a queue-wide one), so they have none here. */
      readonly delaySeconds: number;
    };

/**
 * The enqueuer's whole decision, pure: the queue that consumes the event's type, its FIFO group and
 * deduplication id, or its delay. A function may send only the types its topology entry `emits`: that list
 * is what its grants and environment are made from, so sending anything else would fail on AWS; it fails
 * here first, and alike.
 */
export const destinationOf = (
  sender: FunctionName,
  event: CapstanEvent,
  options: { delaySeconds?: number } = {},
): Destination => {
  const route = routeOf(event.type);
  if (!route) throw new InvalidInputError(`no consumer handles events of type ${event.type} yet`);
  if (!(functions[sender].emits as readonly string[]).includes(event.type)) {
    throw new ContractError(
      `function ${sender} may not send ${event.type}: it is not in functions.${sender}.emits (lib/topology.ts)`,
    );
  }
  const queue = route.queue;
  return queues[queue].fifo
    ? {
        queue,
        fifo: true,
        groupId: sqsId(route.group?.(event) ?? event.type),
        deduplicationId: sqsId(event.id),
      }
    : { queue, fifo: false, delaySeconds: Math.min(900, Math.max(0, Math.round(options.delaySeconds ?? 0))) };
};

/**
 * Sends an event to the queue that consumes its type (destinationOf). FIFO queues dedupe on the event id for
 * five minutes (the consumer's idempotency record covers the rest); standard queues may be delayed.
 */
export const enqueuer =
  (sqs: SQSClient, config: Config, sender: FunctionName): Enqueue =>
  async (event, options = {}) => {
    const to = destinationOf(sender, event, options);
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl(config, to.queue),
        MessageBody: sqsMessageBody(event),
        MessageAttributes: { type: { DataType: 'String', StringValue: event.type } },
        ...(to.fifo
          ? { MessageGroupId: to.groupId, MessageDeduplicationId: to.deduplicationId }
          : { DelaySeconds: to.delaySeconds }),
      }),
    );
  };
