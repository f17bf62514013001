import type { SQSRecord } from 'aws-lambda';
import type { DeadLetter } from '../../lib/queue/dead-letter.ts';
import type { ReasonCode } from '../../lib/reasons.ts';

export interface DeadLettered {
  readonly messageId: string;
  /** Byte for byte what the producer sent, as the SQS adapter keeps it for a redrive. */
  readonly body: string;
  readonly code: ReasonCode;
  readonly reason: string;
  /** The message group it came from (a FIFO queue's DLQ keeps it). */
  readonly group?: string;
}

/** A DLQ that keeps what it is given, for a test to read: which messages, with which code and reason. */
export interface RecordingDeadLetter {
  readonly deadLetter: DeadLetter;
  readonly sent: DeadLettered[];
  /** The message ids sent, each with its code: `m1 invalid`. */
  lines(): string[];
}

export const recordingDeadLetter = (): RecordingDeadLetter => {
  const sent: DeadLettered[] = [];
  return {
    deadLetter: async (record: SQSRecord, why) => {
      const group = record.attributes.MessageGroupId;
      sent.push({ messageId: record.messageId, body: record.body, ...why, ...(group ? { group } : {}) });
    },
    sent,
    lines: () => sent.map((s) => `${s.messageId} ${s.code}`),
  };
};
