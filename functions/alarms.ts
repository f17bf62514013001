import type { SQSRecord } from 'aws-lambda';
import { sqsBatchHandler } from '../lib/lambda/batch.ts';
import { wire } from '../lib/lambda/wiring.ts';
import { queues } from '../lib/topology.ts';

const w = wire('alarms');
const spec = queues.alarms;

/** CloudWatch alarms through SNS -> hpa.threshold.hit. Being built (issue 12). */
const handleRecord = async (record: SQSRecord) => {
  w.logger.info('ignored: CloudWatch alarms are being built', { messageId: record.messageId });
};

export const handler = sqsBatchHandler({ fifo: spec.fifo, handleRecord, logger: w.logger });
