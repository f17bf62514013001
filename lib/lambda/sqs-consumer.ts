import {
  BatchProcessor,
  EventType,
  processPartialResponse,
  SqsFifoPartialProcessorAsync,
} from '@aws-lambda-powertools/batch';
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { z } from 'zod';
import { type Config, dlqUrl } from '../config.ts';
import { isRetryable, messageOf } from '../errors.ts';
import { sendToDeadLetter } from '../queue/dead-letter.ts';
import { type Reason, terminalCodeOf } from '../reasons.ts';
import type { Db } from '../store/db.ts';
import { recordHistory } from '../store/history.ts';
import { keys } from '../store/keys.ts';
import { UNROUTED_APP } from '../store/ports.ts';
import { receivedAt } from '../store/receipts.ts';
import { type FunctionName, type QueueName, queues, table } from '../topology.ts';

interface Envelope {
  readonly id: string;
  readonly type: string;
  readonly time: string;
  /** Events about an app name it (and its environment or cluster); others, such as image.pushed, do not. */
  readonly data: object;
}

type Subject = { readonly app?: string; readonly environment?: string; readonly cluster?: string };

export interface ConsumerOptions<S extends z.ZodType<Envelope>> {
  readonly name: FunctionName;
  readonly queue: QueueName;
  /** Schema of the one event type this consumer accepts. */
  readonly schema: S;
  readonly handle: (event: z.infer<S>) => Promise<unknown>;
  /** Called when a valid event is given up (refused for good, or out of receives), before it goes to the DLQ. */
  readonly onReject?: (event: z.infer<S>, why: Reason) => Promise<void>;
  readonly ddb: DynamoDBClient;
  readonly db: Db;
  readonly sqs: SQSClient;
  readonly config: Config;
  readonly logger: Logger;
}

/** How long a processed event id is remembered; redeliveries within it return the stored result. */
const IDEMPOTENCY_SECONDS = 24 * 3600;

/**
 * A Lambda SQS handler around one use case: parse and validate each record, run the use case at most
 * once per event id (Powertools idempotency in the table), report partial batch failures (Powertools
 * batch; FIFO keeps group order), and send poison messages straight to the DLQ with their reason and a
 * `refused` history entry (with its code), so nothing accepted is lost and nothing bad is retried forever.
 */
export const sqsConsumer = <S extends z.ZodType<Envelope>>(o: ConsumerOptions<S>) => {
  const idempotency = new IdempotencyConfig({ eventKeyJmesPath: 'id', expiresAfterSeconds: IDEMPOTENCY_SECONDS });
  const persistenceStore = new DynamoDBPersistenceLayer({
    tableName: o.db.table,
    awsSdkV3Client: o.ddb,
    keyAttr: table.partitionKey,
    sortKeyAttr: table.sortKey,
    staticPkValue: keys.idempotency.PK,
    expiryAttr: table.ttlAttribute,
  });
  const handleOnce = makeIdempotent(o.handle, {
    persistenceStore,
    config: idempotency,
    keyPrefix: `capstan.${o.name}`,
  });
  const spec = queues[o.queue];

  const reject = async (record: SQSRecord, { code, reason }: Reason, event?: Envelope) => {
    o.logger.warn('message refused to the dead-letter queue', { messageId: record.messageId, code, reason });
    const subject = (event?.data ?? {}) as Subject;
    await recordHistory(o.db, {
      app: subject.app ?? UNROUTED_APP,
      environment: subject.environment,
      cluster: subject.cluster,
      eventId: event?.id ?? `sqs-${record.messageId}`,
      eventType: event?.type ?? 'unknown',
      action: 'receive',
      outcome: 'refused',
      code,
      reason,
      eventTime: event?.time ?? new Date(Number(record.attributes.SentTimestamp) || Date.now()).toISOString(),
      recordedAt: new Date().toISOString(),
      details: { queue: o.queue, messageId: record.messageId },
    });
    await sendToDeadLetter(o.sqs, dlqUrl(o.config, o.queue), record, { code, reason });
  };

  const handleRecord = async (record: SQSRecord) => {
    let body: unknown;
    try {
      body = JSON.parse(record.body);
    } catch {
      return reject(record, { code: 'invalid', reason: 'message body is not JSON' });
    }
    const parsed = o.schema.safeParse(body);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
      return reject(record, { code: 'invalid', reason: `invalid event: ${issues.join('; ')}` }, looseEnvelope(body));
    }
    try {
      // Noted before anything else, so every step (and every redelivery) files under capstan's own time.
      await receivedAt(o.db, parsed.data.id, new Date());
      return await handleOnce(parsed.data);
    } catch (error) {
      if (error instanceof IdempotencyAlreadyInProgressError) throw error; // a twin is running: retry later
      const receives = Number(record.attributes.ApproximateReceiveCount) || 1;
      const why: Reason | undefined = !isRetryable(error)
        ? { code: terminalCodeOf(error), reason: messageOf(error) }
        : receives >= spec.maxReceiveCount
          ? { code: 'gave-up', reason: `gave up after ${receives} attempts: ${messageOf(error)}` }
          : undefined;
      if (why) {
        await o.onReject?.(parsed.data, why);
        return reject(record, why, parsed.data);
      }
      o.logger.info('will retry', { messageId: record.messageId, receives, error: messageOf(error) });
      throw error;
    }
  };

  const processor = spec.fifo ? new SqsFifoPartialProcessorAsync() : new BatchProcessor(EventType.SQS);

  return middy(async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    idempotency.registerLambdaContext(context);
    // A failed group must not hold back the other groups of the batch; a fully failed batch is reported
    // item by item like any other, not thrown.
    return processPartialResponse(event, handleRecord, processor, {
      context,
      ...(spec.fifo ? { skipGroupOnError: true } : {}),
      throwOnFullBatchFailure: false,
    } as never);
  }).use(injectLambdaContext(o.logger));
};

/** Best effort: enough of an invalid event to file its rejection under the right app. */
const looseEnvelope = (body: unknown): Envelope | undefined => {
  if (!body || typeof body !== 'object') return undefined;
  const b = body as Record<string, unknown>;
  const data = (b.data && typeof b.data === 'object' ? b.data : {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && /^[a-z0-9-]{1,63}$/.test(v) ? v : undefined);
  const time =
    typeof b.time === 'string' && !Number.isNaN(Date.parse(b.time)) ? new Date(b.time).toISOString() : undefined;
  if (typeof b.id !== 'string' || !time) return undefined;
  return {
    id: b.id,
    type: typeof b.type === 'string' ? b.type : 'unknown',
    time,
    data: { app: str(data.app), environment: str(data.environment), cluster: str(data.cluster) },
  };
};
