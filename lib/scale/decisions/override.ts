/**
 * "HPA threshold hit" answered with a bounded, cooled-down, time-limited override (issue 12): the pure
 * decision over what was read fresh (the HPA's bounds, capstan's override record, the quota's room) and
 * the signal (the alert firing or resolved, or the override's own expiry coming due). Nothing here acts:
 * the use case applies the verdict and records it with its code.
 *
 * The shape of it: raise `maxReplicas` a step at a time up to `burstMax`, never faster than the cooldown,
 * never beyond what the namespace's ResourceQuota has room for, each raise with an expiry; put it back to
 * the spec when the alert resolves or the expiry comes, but not inside the cooldown (a resolved alert that
 * fires again a minute later must not make the HPA flap). lib/scale/use-cases/scale-step.ts carries it out.
 */

export interface ScalingSpec {
  /** The spec's bounds: what the HPA is put back to. */
  readonly min: number;
  readonly max: number;
  /** The highest `maxReplicas` an override may set. */
  readonly burstMax: number;
  /** How far one raise goes; default half the spec's max, at least one. */
  readonly burstStep?: number;
  /** How long a raise lasts before it is put back unless raised again. */
  readonly burstForSeconds: number;
  /** No second raise, and no revert, within this long of the last raise. */
  readonly cooldownSeconds: number;
}

/** capstan's record of an override in force on one workload of one cluster. */
export interface Override {
  readonly max: number;
  readonly raisedAt: string;
  readonly expiresAt: string;
}

export interface ScalingObservation {
  readonly now: Date;
  /** The HPA's `maxReplicas` as read now (the Deployment's replicas when there is no HPA). */
  readonly currentMax: number;
  readonly override: Override | undefined;
  /**
   * When capstan last changed the ceiling (a raise, or putting one back): the cooldown counts from it, so a
   * load that comes and goes never makes it raise, revert and raise again within one cooldown.
   */
  readonly lastChangedAt?: string;
  /** How many more replicas the namespace's ResourceQuota has room for; undefined when it has no quota. */
  readonly quotaRoom: number | undefined;
}

export type ScalingSignal = 'firing' | 'resolved' | 'expired';

/** Reason codes (lib/reasons.ts) a verdict that does nothing gives; `policy` only for a person's ask (./manual.ts). */
export type NoScaleCode = 'cooldown' | 'at-ceiling' | 'quota' | 'no-override' | 'settled' | 'policy';

export type ScalingVerdict =
  | { readonly action: 'raise'; readonly to: number; readonly expiresAt: string; readonly reason: string }
  | { readonly action: 'revert'; readonly to: number; readonly reason: string }
  | {
      readonly action: 'none';
      readonly code: NoScaleCode;
      readonly reason: string;
      /** When a later look may decide otherwise (the cooldown's end), in seconds. */
      readonly lookAgainAfterSeconds?: number;
    };

const secondsBetween = (from: string, to: Date) => Math.max(0, (to.getTime() - Date.parse(from)) / 1000);

export const scalingVerdict = (signal: ScalingSignal, seen: ScalingObservation, spec: ScalingSpec): ScalingVerdict => {
  const { override, now } = seen;
  const lastRaise = seen.lastChangedAt ?? override?.raisedAt;
  const sinceRaise = lastRaise ? secondsBetween(lastRaise, now) : Number.POSITIVE_INFINITY;
  const cooling = sinceRaise < spec.cooldownSeconds;
  const left = Math.ceil(spec.cooldownSeconds - sinceRaise);

  if (signal === 'firing') {
    if (cooling) {
      return {
        action: 'none',
        code: 'cooldown',
        reason: `changed ${Math.floor(sinceRaise)}s ago, within the ${spec.cooldownSeconds}s cooldown`,
        lookAgainAfterSeconds: left,
      };
    }
    if (seen.currentMax >= spec.burstMax) {
      return {
        action: 'none',
        code: 'at-ceiling',
        reason: `maxReplicas is ${seen.currentMax}, at burstMax ${spec.burstMax}`,
      };
    }
    const step = Math.max(1, spec.burstStep ?? Math.ceil(spec.max / 2));
    const wanted = Math.min(spec.burstMax, seen.currentMax + step);
    const room = seen.quotaRoom ?? Number.POSITIVE_INFINITY;
    const to = Math.min(wanted, seen.currentMax + Math.max(0, Math.floor(room)));
    if (to <= seen.currentMax) {
      return { action: 'none', code: 'quota', reason: `the namespace's ResourceQuota has no room for another replica` };
    }
    const expiresAt = new Date(now.getTime() + spec.burstForSeconds * 1000).toISOString();
    const short = to < wanted ? ` (quota room for ${to - seen.currentMax} of ${wanted - seen.currentMax})` : '';
    return {
      action: 'raise',
      to,
      expiresAt,
      reason: `maxReplicas ${seen.currentMax} -> ${to}${short}, until ${expiresAt}`,
    };
  }

  if (!override) {
    return { action: 'none', code: 'no-override', reason: `no override of capstan's is in force: nothing to put back` };
  }
  if (signal === 'expired' && Date.parse(override.expiresAt) > now.getTime()) {
    // A later raise moved the expiry on: this one is not due, the later one will come.
    return { action: 'none', code: 'settled', reason: `the override runs until ${override.expiresAt}` };
  }
  if (signal === 'resolved' && cooling) {
    return {
      action: 'none',
      code: 'cooldown',
      reason: `resolved ${Math.floor(sinceRaise)}s after the raise: held through the ${spec.cooldownSeconds}s cooldown`,
      lookAgainAfterSeconds: left,
    };
  }
  const why = signal === 'expired' ? `the override expired at ${override.expiresAt}` : 'the alert resolved';
  return { action: 'revert', to: spec.max, reason: `${why}: maxReplicas ${seen.currentMax} -> ${spec.max} (the spec)` };
};
