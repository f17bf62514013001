import type { Receipts } from '../../lib/lambda/ports.ts';

/** Receipts in memory, as lib/store/receipts.ts keeps them: the first time noted wins, every later ask reads it. */
export interface MemoryReceipts {
  readonly receipts: Receipts;
  /** When each event id was first received. */
  readonly first: Map<string, string>;
  /** Every ask, in order (one per delivery that got past validation). */
  readonly asked: string[];
}

export const memoryReceipts = (): MemoryReceipts => {
  const first = new Map<string, string>();
  const asked: string[] = [];
  return {
    receipts: {
      receivedAt: async (eventId, now) => {
        asked.push(eventId);
        if (!first.has(eventId)) first.set(eventId, now.toISOString());
        return first.get(eventId) ?? now.toISOString();
      },
    },
    first,
    asked,
  };
};
