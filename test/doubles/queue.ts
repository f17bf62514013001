import type { CapstanEvent } from '../../events/index.ts';
import type { Enqueue } from '../../lib/queue/send.ts';

export interface Sent {
  readonly event: CapstanEvent;
  readonly delaySeconds?: number;
}

/**
 * An Enqueue that records what it was given and delivers nothing: tests read what a use case sent (types,
 * ids, delays) and, to follow the flow, hand the events on themselves.
 */
export interface RecordingQueue {
  readonly enqueue: Enqueue;
  readonly sent: Sent[];
  /** The events of one type, in the order sent. */
  ofType<T extends CapstanEvent['type']>(type: T): Extract<CapstanEvent, { type: T }>[];
  /** Everything sent so far, forgotten. */
  take(): Sent[];
}

export const recordingQueue = (): RecordingQueue => {
  const sent: Sent[] = [];
  return {
    enqueue: async (event, options = {}) => {
      sent.push({
        event: structuredClone(event),
        ...(options.delaySeconds !== undefined ? { delaySeconds: options.delaySeconds } : {}),
      });
    },
    sent,
    ofType: <T extends CapstanEvent['type']>(type: T) =>
      sent.map((s) => s.event).filter((e): e is Extract<CapstanEvent, { type: T }> => e.type === type),
    take: () => sent.splice(0, sent.length),
  };
};
