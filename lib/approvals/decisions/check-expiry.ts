import type { ReleaseApproval } from '../../store/release-approvals.ts';

/** SQS delays a message at most 15 minutes: a longer expiry is a chain of looks (as lib/scale/render/events.ts). */
export const MAX_DELAY_SECONDS = 900;

export type ExpiryVerdict =
  | { readonly verdict: 'ended' }
  | { readonly verdict: 'expire'; readonly next: ReleaseApproval }
  | { readonly verdict: 'later'; readonly delaySeconds: number };

/**
 * A look at an approval's expiry, pure: one that ended (granted, rejected, expired, released, superseded) is left alone;
 * an open one at or after dueAt expires; an open one before it is looked at again, at most one hop later.
 */
export const checkExpiry = (record: ReleaseApproval, now: Date): ExpiryVerdict => {
  if (record.state !== 'open') return { verdict: 'ended' };
  const left = Date.parse(record.dueAt) - now.getTime();
  if (left <= 0) return { verdict: 'expire', next: { ...record, state: 'expired', endedAt: now.toISOString() } };
  return { verdict: 'later', delaySeconds: Math.min(MAX_DELAY_SECONDS, Math.ceil(left / 1000)) };
};
