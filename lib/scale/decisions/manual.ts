import type { NoScaleCode, ScalingObservation, ScalingSpec, ScalingVerdict } from './override.ts';

/** What a person asked for through `capstan scale`: a ceiling for a while, or the spec's back now. */
export type ManualAsk = { readonly max: number; readonly forSeconds?: number } | { readonly revert: true };

/**
 * A person's override (scale.requested), judged as the alert's is but without the cooldown (a person
 * asked): within the spec's `min` and `burstMax`, and, above what runs now, within the quota's room; a
 * revert only of an override in force. Lowering the ceiling below the spec is refused: that is a release's
 * job, which an expiry would undo anyway.
 */
export const manualVerdict = (ask: ManualAsk, seen: ScalingObservation, spec: ScalingSpec): ScalingVerdict => {
  if ('revert' in ask) {
    return seen.override
      ? {
          action: 'revert',
          to: spec.max,
          reason: `put back by hand: ceiling ${seen.currentMax} -> ${spec.max} (the spec)`,
        }
      : none('no-override', `no override of capstan's is in force: nothing to put back`);
  }
  if (ask.max > spec.burstMax) {
    return none('at-ceiling', `${ask.max} is above burstMax ${spec.burstMax}: raise burstMax in the app spec first`);
  }
  if (ask.max < spec.max) {
    return none('policy', `${ask.max} is below the spec's max ${spec.max}: change the app spec and release instead`);
  }
  const room = seen.quotaRoom ?? Number.POSITIVE_INFINITY;
  if (ask.max > seen.currentMax + Math.max(0, Math.floor(room))) {
    return none(
      'quota',
      `the namespace's ResourceQuota has room for ${Math.max(0, Math.floor(room))} more replicas, not ${ask.max - seen.currentMax}`,
    );
  }
  const seconds = ask.forSeconds ?? spec.burstForSeconds;
  const expiresAt = new Date(seen.now.getTime() + seconds * 1000).toISOString();
  return {
    action: 'raise',
    to: ask.max,
    expiresAt,
    reason: `set by hand: ceiling ${seen.currentMax} -> ${ask.max}, until ${expiresAt}`,
  };
};

const none = (code: NoScaleCode, reason: string): ScalingVerdict => ({ action: 'none', code, reason });
