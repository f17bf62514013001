import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { DeadLetter } from '../queue/dead-letter.ts';
import type { HistoryStore } from '../store/ports.ts';
import type { QueueName } from '../topology.ts';

/**
 * When capstan first received an event: noted once per event id, the same answer for every redelivery
 * (lib/store/receipts.ts behind it), so history files each step under capstan's own time.
 */
export interface Receipts {
  receivedAt(eventId: string, now: Date): Promise<string>;
}

/**
 * What a queue consumer (./sqs-consumer.ts) is given, each a narrow port: the real adapters are wired in
 * ./wiring.ts (`consumerPorts`), the in-memory doubles in test/doubles/ for unit tests without servers.
 */
export interface ConsumerPorts {
  /** The queue it consumes: its FIFO-ness and maxReceiveCount (lib/topology.ts); `deadLetter` is its DLQ. */
  readonly queue: QueueName;
  /** Where the idempotency records live (Powertools; DynamoDB in capstan's table behind it). */
  readonly persistence: BasePersistenceLayer;
  /** Where a refusal is recorded, under the app the event names. */
  readonly history: HistoryStore;
  readonly receipts: Receipts;
  readonly deadLetter: DeadLetter;
  readonly logger: Logger;
}
