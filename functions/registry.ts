import type { SQSRecord } from 'aws-lambda';
import { acceptQueued } from '../lib/ingest/queued-source.ts';
import { sqsBatchHandler } from '../lib/lambda/batch.ts';
import { classifyFailure, receiveCount } from '../lib/lambda/classify.ts';
import { type RefusalDeps, refuse } from '../lib/lambda/refuse.ts';
import { deadLetterOf, wire } from '../lib/lambda/wiring.ts';
import { imageSource } from '../lib/sources/index.ts';
import { queues } from '../lib/topology.ts';

const w = wire('registry');
const ecr = imageSource('ecr');
if (!ecr) throw new Error('the ecr image source is missing from lib/sources');
const spec = queues.registry;
const refusal: RefusalDeps = { queue: 'registry', deadLetter: deadLetterOf(w, 'registry'), logger: w.logger };

/**
 * ECR pushes, as EventBridge delivers them to the registry queue: each becomes an image.pushed event on the
 * deploy queue (ECR's own event id keeps redeliveries one event). What is not a tag push is logged as
 * ignored; what can never be read goes to the DLQ with its reason; anything else is retried, and given up
 * with its reason at the last receive. No history: until it is an image.pushed event, it is about no app.
 */
const handleRecord = async (record: SQSRecord) => {
  try {
    const result = await acceptQueued(ecr, record.body, w.deploy.enqueue);
    if (result.ignored.length > 0) w.logger.info('ignored', { messageId: record.messageId, ignored: result.ignored });
  } catch (error) {
    const verdict = classifyFailure(error, receiveCount(record), spec.maxReceiveCount);
    if (verdict.action === 'retry') throw error;
    await refuse(refusal, record, verdict.why);
  }
};

export const handler = sqsBatchHandler({ fifo: spec.fifo, handleRecord, logger: w.logger });
