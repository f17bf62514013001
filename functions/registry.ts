import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { dlqUrl } from '../lib/config.ts';
import { isRetryable, messageOf } from '../lib/errors.ts';
import { acceptQueued } from '../lib/ingest/queued-source.ts';
import { wire } from '../lib/lambda/wiring.ts';
import { sendToDeadLetter } from '../lib/queue/dead-letter.ts';
import { terminalCodeOf } from '../lib/reasons.ts';
import { imageSource } from '../lib/sources/index.ts';

const w = wire('registry');
const ecr = imageSource('ecr');
if (!ecr) throw new Error('the ecr image source is missing from lib/sources');

/**
 * ECR pushes, as EventBridge delivers them to the registry queue: each becomes an image.pushed event on the
 * deploy queue (ECR's own event id keeps redeliveries one event). What is not a tag push is logged as
 * ignored; what can never be read goes to the DLQ with its reason; anything else is retried.
 */
const handleRecord = async (record: SQSRecord) => {
  try {
    const result = await acceptQueued(ecr, record.body, w.deploy.enqueue);
    if (result.ignored.length > 0) w.logger.info('ignored', { messageId: record.messageId, ignored: result.ignored });
  } catch (error) {
    if (isRetryable(error)) throw error;
    const why = { code: terminalCodeOf(error), reason: messageOf(error) };
    w.logger.warn('message refused to the dead-letter queue', { messageId: record.messageId, ...why });
    await sendToDeadLetter(w.sqs, dlqUrl(w.config, 'registry'), record, why);
  }
};

const processor = new BatchProcessor(EventType.SQS);

export const handler = middy(
  async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
    processPartialResponse(event, handleRecord, processor, { context, throwOnFullBatchFailure: false } as never),
).use(injectLambdaContext(w.logger));
