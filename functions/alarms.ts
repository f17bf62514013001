import type { SQSRecord } from 'aws-lambda';
import { acceptQueuedAlarm } from '../lib/ingest/queued-source.ts';
import { sqsBatchHandler } from '../lib/lambda/batch.ts';
import { classifyFailure, receiveCount } from '../lib/lambda/classify.ts';
import { type RefusalDeps, refuse } from '../lib/lambda/refuse.ts';
import { deadLetterOf, wire } from '../lib/lambda/wiring.ts';
import { queues } from '../lib/topology.ts';

const w = wire('alarms');
const spec = queues.alarms;
const refusal: RefusalDeps = { queue: 'alarms', deadLetter: deadLetterOf(w, 'alarms'), logger: w.logger };

/**
 * CloudWatch alarms through the stack's alarms topic (SNS -> SQS, the SNS envelope as the body): an ALARM or OK of
 * an alarm whose dimensions name a workload (README, CloudWatch alarms) becomes an hpa.threshold.hit on the scale
 * queue, its id from the alarm's ARN, state change time and state, so SNS's and SQS's redeliveries are one event.
 * What names no workload (INSUFFICIENT_DATA, a composite alarm, other dimensions) is logged as ignored with why;
 * what is no alarm at all goes to the DLQ with its reason; a failure to enqueue is retried, then given up with its
 * reason. No history: until it is an hpa.threshold.hit, it is about no workload; the scale consumer records the rest.
 */
const handleRecord = async (record: SQSRecord) => {
  try {
    const result = await acceptQueuedAlarm(record.body, w.deploy.enqueue);
    if (result.ignored.length > 0) w.logger.info('ignored', { messageId: record.messageId, ignored: result.ignored });
  } catch (error) {
    const verdict = classifyFailure(error, receiveCount(record), spec.maxReceiveCount);
    if (verdict.action === 'retry') throw error;
    await refuse(refusal, record, verdict.why);
  }
};

export const handler = sqsBatchHandler({ fifo: spec.fifo, handleRecord, logger: w.logger });
