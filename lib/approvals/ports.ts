import type { Enqueue } from '../queue/send.ts';
import type { Store } from '../store/ports.ts';

/**
 * What the approvals consumer touches, injected: functions/approvals.ts wires the real adapters
 * (lib/lambda/wiring.ts), unit tests the in-memory doubles (test/doubles/).
 */
export interface ApprovalDeps {
  readonly store: Store;
  readonly enqueue: Enqueue;
  readonly now: () => Date;
}

/** What an approvals step did, as the consumer's result (and the idempotency record) keeps it. */
export interface ApprovalSummary {
  readonly app: string;
  readonly environment: string;
  readonly approval: string;
  readonly outcome: 'counted' | 'not-counted' | 'granted' | 'rejected' | 'expired' | 'ended' | 'later' | 'not-found';
  readonly code?: string;
}
