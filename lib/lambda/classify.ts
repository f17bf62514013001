import { IdempotencyAlreadyInProgressError } from '@aws-lambda-powertools/idempotency';
import { isRetryable, messageOf } from '../errors.ts';
import { type Reason, terminalCodeOf } from '../reasons.ts';

/** What a consumer does with a message whose handling failed: leave it to SQS to redeliver, or give it up. */
export type Verdict = { readonly action: 'retry' } | { readonly action: 'reject'; readonly why: Reason };

const retry: Verdict = { action: 'retry' };

/**
 * The one retry rule of every queue consumer. A twin still running the same event (idempotency in
 * progress) is always retried, even at the last receive: the twin decides. A terminal error is rejected
 * at once, with its code; a retryable one is retried until `receives` reaches the queue's
 * `maxReceiveCount`, then rejected as `gave-up` so it reaches the DLQ with its reason, not bare.
 */
export const classifyFailure = (error: unknown, receives: number, maxReceiveCount: number): Verdict => {
  if (error instanceof IdempotencyAlreadyInProgressError) return retry;
  if (!isRetryable(error)) return { action: 'reject', why: { code: terminalCodeOf(error), reason: messageOf(error) } };
  if (receives < maxReceiveCount) return retry;
  return {
    action: 'reject',
    why: { code: 'gave-up', reason: `gave up after ${receives} attempts: ${messageOf(error)}` },
  };
};

/** How many times SQS has handed this message out, this time included (1 when the attribute is missing). */
export const receiveCount = (record: { readonly attributes: { readonly ApproximateReceiveCount: string } }): number =>
  Number(record.attributes.ApproximateReceiveCount) || 1;
