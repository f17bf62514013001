import type { SQSRecord } from 'aws-lambda';
import type { Reason } from '../reasons.ts';
import { type HistoryStore, NODES_APP, UNROUTED_APP } from '../store/ports.ts';
import type { ConsumerPorts } from './ports.ts';

/** What every event has, as far as a refusal needs it. */
export interface Envelope {
  readonly id: string;
  readonly type: string;
  readonly time: string;
  /** Events about an app name it (and its environment or cluster); others, such as image.pushed, do not. */
  readonly data: object;
}

type Subject = {
  readonly app?: string;
  readonly environment?: string;
  readonly cluster?: string;
  readonly node?: string;
};

export interface RefusalDeps extends Pick<ConsumerPorts, 'queue' | 'deadLetter' | 'logger'> {
  /** Given, the refusal is also a `refused` history entry (consumers of events); absent, only logged. */
  readonly history?: HistoryStore;
}

/**
 * Gives a message up for good: logged (its id, code and reason; never its body, which may carry what a
 * producer sent), recorded in the history where the consumer keeps one, and moved to the DLQ with its
 * reason and code, so nothing accepted is lost and nothing bad is retried forever.
 */
export const refuse = async (deps: RefusalDeps, record: SQSRecord, { code, reason }: Reason, event?: Envelope) => {
  deps.logger.warn('message refused to the dead-letter queue', { messageId: record.messageId, code, reason });
  if (deps.history) {
    const subject = (event?.data ?? {}) as Subject;
    await deps.history.record({
      // Healing's events name a node: their refusals go with the node's history.
      app: subject.app ?? (typeof subject.node === 'string' ? NODES_APP : UNROUTED_APP),
      environment: subject.environment,
      cluster: subject.cluster,
      ...(typeof subject.node === 'string' ? { node: subject.node } : {}),
      eventId: event?.id ?? `sqs-${record.messageId}`,
      eventType: event?.type ?? 'unknown',
      action: 'receive',
      outcome: 'refused',
      code,
      reason,
      eventTime: event?.time ?? new Date(Number(record.attributes.SentTimestamp) || Date.now()).toISOString(),
      recordedAt: new Date().toISOString(),
      details: { queue: deps.queue, messageId: record.messageId },
    });
  }
  await deps.deadLetter(record, { code, reason });
};

/** Best effort: enough of an invalid event to file its refusal under the right app. */
export const looseEnvelope = (body: unknown): Envelope | undefined => {
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
