import type { SQSRecord } from 'aws-lambda';
import type { z } from 'zod';
import { messageOf } from '../errors.ts';
import type { Reason } from '../reasons.ts';
import { type FunctionName, queues } from '../topology.ts';
import { sqsBatchHandler } from './batch.ts';
import { classifyFailure, receiveCount } from './classify.ts';
import { oncePerEvent } from './idempotency.ts';
import type { ConsumerPorts } from './ports.ts';
import { type Envelope, looseEnvelope, type RefusalDeps, refuse } from './refuse.ts';

/** The ports (./ports.ts; `consumerPorts` in ./wiring.ts) and the one use case the consumer runs. */
export interface ConsumerOptions<S extends z.ZodType<Envelope>> extends ConsumerPorts {
  readonly name: FunctionName;
  /** Schema of the one event type this consumer accepts. */
  readonly schema: S;
  readonly handle: (event: z.infer<S>) => Promise<unknown>;
  /** Called when a valid event is given up (refused for good, or out of receives), before it goes to the DLQ. */
  readonly onReject?: (event: z.infer<S>, why: Reason) => Promise<void>;
}

/**
 * A Lambda SQS handler around one use case: parse and validate each record, run the use case at most
 * once per event id (./idempotency.ts), report partial batch failures (./batch.ts; FIFO keeps group
 * order), and give up what can never succeed or has run out of receives (./classify.ts) to the DLQ with
 * its reason and a `refused` history entry (./refuse.ts).
 */
export const sqsConsumer = <S extends z.ZodType<Envelope>>(o: ConsumerOptions<S>) => {
  const once = oncePerEvent({ name: o.name, handle: o.handle, persistence: o.persistence });
  const spec = queues[o.queue];
  const refusal: RefusalDeps = { queue: o.queue, deadLetter: o.deadLetter, logger: o.logger, history: o.history };

  const handleRecord = async (record: SQSRecord) => {
    let body: unknown;
    try {
      body = JSON.parse(record.body);
    } catch {
      return refuse(refusal, record, { code: 'invalid', reason: 'message body is not JSON' });
    }
    const parsed = o.schema.safeParse(body);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
      const why: Reason = { code: 'invalid', reason: `invalid event: ${issues.join('; ')}` };
      return refuse(refusal, record, why, looseEnvelope(body));
    }
    try {
      // Noted before anything else, so every step (and every redelivery) files under capstan's own time.
      await o.receipts.receivedAt(parsed.data.id, new Date());
      return await once.handle(parsed.data);
    } catch (error) {
      const receives = receiveCount(record);
      const verdict = classifyFailure(error, receives, spec.maxReceiveCount);
      if (verdict.action === 'retry') {
        o.logger.info('will retry', { messageId: record.messageId, receives, error: messageOf(error) });
        throw error;
      }
      await o.onReject?.(parsed.data, verdict.why);
      return refuse(refusal, record, verdict.why, parsed.data);
    }
  };

  return sqsBatchHandler({ fifo: spec.fifo, handleRecord, logger: o.logger, onInvoke: once.registerContext });
};
