import type { SQSRecord } from 'aws-lambda';
import { sqsBatchHandler } from '../lib/lambda/batch.ts';
import { classifyFailure, receiveCount } from '../lib/lambda/classify.ts';
import { type RefusalDeps, refuse } from '../lib/lambda/refuse.ts';
import { deadLetterOf, wire } from '../lib/lambda/wiring.ts';
import { normalizeKubernetesEvent } from '../lib/sources/k8s-events.ts';
import { readJson } from '../lib/sources/payload.ts';
import { queues } from '../lib/topology.ts';

const w = wire('kubeEvents');
const spec = queues.kubeEvents;
const refusal: RefusalDeps = { queue: 'kubeEvents', deadLetter: deadLetterOf(w, 'kubeEvents'), logger: w.logger };

/**
 * kubernetes-event-exporter's SQS sink: each message is one core/v1 Event (IAM authenticated it: only the
 * exporter's role may send here). A node-controller NodeNotReady becomes a node.lost candidate on the heal
 * queue; the exporter must be configured with `clusterName`, there being no route to name the cluster. What
 * is no candidate is logged as ignored; what can never be read goes to the DLQ with its reason.
 */
const handleRecord = async (record: SQSRecord) => {
  try {
    const normalized = normalizeKubernetesEvent(readJson('kubernetes-event-exporter', record.body), new Date());
    for (const event of normalized.events) await w.deploy.enqueue(event);
    if (normalized.ignored.length > 0) {
      w.logger.debug('ignored', { messageId: record.messageId, ignored: normalized.ignored });
    }
  } catch (error) {
    const verdict = classifyFailure(error, receiveCount(record), spec.maxReceiveCount);
    if (verdict.action === 'retry') throw error;
    await refuse(refusal, record, verdict.why);
  }
};

export const handler = sqsBatchHandler({ fifo: spec.fifo, handleRecord, logger: w.logger });
