import type { CapstanEvent } from '../../events/index.ts';
import { type Destination, destinationOf, type Enqueue } from '../../lib/queue/send.ts';
import type { FunctionName } from '../../lib/topology.ts';

/** One event as the enqueuer would have sent it: where to, and (standard queues only) after what delay. */
export interface Sent {
  readonly event: CapstanEvent;
  /** Who sent it. */
  readonly sender: FunctionName;
  readonly destination: Destination;
  /** As SQS gets it: 0-900 s on a standard queue; none on a FIFO queue, whatever the sender asked for. */
  readonly delaySeconds?: number;
}

/**
 * Enqueues that record what they were given and deliver nothing: tests read what a use case sent (types,
 * ids, delays) and, to follow the flow, hand the events on themselves. Each sends as one function and
 * decides as the real enqueuer does (lib/queue/send.ts destinationOf): an event type with no route, or one
 * the function does not `emit`, is refused with the same error, and nothing is recorded.
 */
export interface RecordingQueue {
  /** The Enqueue of `sender` (the queue's own by default). */
  readonly enqueue: Enqueue;
  /** The Enqueue of another function, recording into the same list. */
  enqueueAs(sender: FunctionName): Enqueue;
  readonly sent: Sent[];
  /** The events of one type, in the order sent. */
  ofType<T extends CapstanEvent['type']>(type: T): Extract<CapstanEvent, { type: T }>[];
  /** Everything sent so far, forgotten. */
  take(): Sent[];
}

export const recordingQueue = (sender: FunctionName): RecordingQueue => {
  const sent: Sent[] = [];
  const enqueueAs =
    (from: FunctionName): Enqueue =>
    async (event, options = {}) => {
      const destination = destinationOf(from, event, options);
      sent.push({
        event: structuredClone(event),
        sender: from,
        destination,
        ...(destination.fifo ? {} : { delaySeconds: destination.delaySeconds }),
      });
    };
  return {
    enqueue: enqueueAs(sender),
    enqueueAs,
    sent,
    ofType: <T extends CapstanEvent['type']>(type: T) =>
      sent.map((s) => s.event).filter((e): e is Extract<CapstanEvent, { type: T }> => e.type === type),
    take: () => sent.splice(0, sent.length),
  };
};
