import type { ReasonCode } from '../../reasons.ts';

/** What a release use case did, as the consumer's result (and the idempotency record) keeps it. */
export interface ReleaseSummary {
  readonly app: string;
  readonly environment: string;
  readonly revision?: number;
  /** `waiting`: an approval was opened instead (lib/deploy/use-cases/approval-gate.ts). */
  readonly outcome: 'released' | 'skipped' | 'refused' | 'failed' | 'waiting';
  readonly code?: ReasonCode;
  readonly reason?: string;
  readonly clusters: Record<string, string>;
}
