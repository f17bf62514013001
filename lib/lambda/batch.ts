import {
  BatchProcessor,
  EventType,
  processPartialResponse,
  SqsFifoPartialProcessorAsync,
} from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

/** One message's work: resolves when it is done (or given up), throws to have it redelivered. */
export type RecordHandler = (record: SQSRecord) => Promise<unknown>;

type ProcessBatch = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export interface BatchOptions {
  /** The queue is FIFO: records are handled in order within their message group. */
  readonly fifo: boolean;
  readonly handleRecord: RecordHandler;
  readonly logger: Logger;
  /** Called with each invocation's context before its batch runs (idempotency needs the remaining time). */
  readonly onInvoke?: (context: Context) => void;
}

/**
 * A Lambda SQS handler that reports partial batch failures (Powertools batch): only the records that threw
 * are redelivered. A fully failed batch is reported item by item like any other, not thrown.
 */
export const sqsBatchHandler = (o: BatchOptions) => {
  const run = o.fifo ? fifoBatch(o.handleRecord) : standardBatch(o.handleRecord);
  return middy(async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    o.onInvoke?.(context);
    return run(event, context);
  }).use(
    // Never the event itself, whatever POWERTOOLS_LOGGER_LOG_EVENT says: bodies carry what producers sent.
    injectLambdaContext(o.logger, { logEvent: false }),
  );
};

/*
 * A processor keeps the state of the batch it runs, so one handler runs one invocation at a time, as Lambda
 * and the local function host (lib/runtime/function-host.ts, one worker per invocation) run it.
 */

/** FIFO keeps group order; a failed group skips its later records but does not hold back the other groups. */
const fifoBatch = (handleRecord: RecordHandler): ProcessBatch => {
  const processor = new SqsFifoPartialProcessorAsync();
  return (event, context) =>
    processPartialResponse(event, handleRecord, processor, {
      context,
      skipGroupOnError: true,
      throwOnFullBatchFailure: false,
    });
};

const standardBatch = (handleRecord: RecordHandler): ProcessBatch => {
  const processor = new BatchProcessor(EventType.SQS);
  return (event, context) =>
    processPartialResponse(event, handleRecord, processor, { context, throwOnFullBatchFailure: false });
};
