import type { SQSRecord } from 'aws-lambda';
import { acceptQueuedKubeEvent } from '../lib/ingest/queued-source.ts';
import { sqsBatchHandler } from '../lib/lambda/batch.ts';
import { classifyFailure, receiveCount } from '../lib/lambda/classify.ts';
import { type RefusalDeps, refuse } from '../lib/lambda/refuse.ts';
import { deadLetterOf, wire } from '../lib/lambda/wiring.ts';
import { queues } from '../lib/topology.ts';

const w = wire('kubeEvents');
const spec = queues.kubeEvents;
const refusal: RefusalDeps = { queue: 'kubeEvents', deadLetter: deadLetterOf(w, 'kubeEvents'), logger: w.logger };

/**
 * kubernetes-event-exporter's SQS sink: each message is one core/v1 Event (IAM authenticated it: only the
 * exporter's role may send here). A node-controller NodeNotReady becomes a node.lost candidate, a pod's RBD
 * mount failure an rbd.lock.detected one, on the heal queue; the exporter must be configured with `clusterName`,
 * there being no route to name the cluster. What is no candidate is logged as ignored (at debug: an exporter
 * routing every Event here sends many); what can never be read goes to the DLQ with its reason; a failure to
 * enqueue is retried, then given up with its reason.
 * No history: until it is a candidate, it is about nothing capstan heals.
 */
const handleRecord = async (record: SQSRecord) => {
  try {
    const result = await acceptQueuedKubeEvent(record.body, w.deploy.enqueue);
    if (result.ignored.length > 0) w.logger.debug('ignored', { messageId: record.messageId, ignored: result.ignored });
  } catch (error) {
    const verdict = classifyFailure(error, receiveCount(record), spec.maxReceiveCount);
    if (verdict.action === 'retry') throw error;
    await refuse(refusal, record, verdict.why);
  }
};

export const handler = sqsBatchHandler({ fifo: spec.fifo, handleRecord, logger: w.logger });
