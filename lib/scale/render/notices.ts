import type { OpsNotifyData, OpsNotifyWhat } from '../../../events/index.ts';

/** A step of scaling as the history records it (lib/scale/use-cases/record.ts). */
export interface ScaleStepFacts {
  readonly action: string;
  readonly outcome: string;
  readonly code?: string;
  readonly reason?: string;
  readonly details?: Record<string, unknown>;
}

/** Where the step happened and when, and the event it answered. */
export interface ScaleStepPlace {
  readonly app?: string;
  readonly environment?: string;
  readonly cluster?: string;
  /** `namespace/Kind/name`. */
  readonly workload?: string;
  readonly at: string;
  readonly cause: string;
}

/**
 * The steps of scaling people are told of: a ceiling raised, put back, or not changed (a raise refused
 * for the quota or the ceiling's bound, a person's ask out of bounds, a put-back given up on a held lease). Holds through the cooldown, waits for the lease and
 * looks left alone stay in the history.
 */
const TOLD: Readonly<Record<string, { outcomes: readonly string[]; what: OpsNotifyWhat }>> = {
  'scale.raise': { outcomes: ['configured', 'unchanged'], what: 'scale-raised' },
  'scale.revert': { outcomes: ['configured', 'unchanged'], what: 'scale-reverted' },
  'scale.refuse': { outcomes: ['refused'], what: 'scale-refused' },
};

const count = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined);
const words = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v.slice(0, 300) : undefined);

export const scaleNotice = (step: ScaleStepFacts, place: ScaleStepPlace): OpsNotifyData | undefined => {
  const told = TOLD[step.action];
  // A step about no cluster (an ask naming none that exists) has nowhere to be told.
  if (!told?.outcomes.includes(step.outcome) || !place.cluster) return undefined;
  const d = step.details ?? {};
  const [from, to, by] = [count(d.from), count(d.to), words(d.by)];
  const until = step.action === 'scale.raise' ? words(d.endsAt) : undefined;
  return {
    what: told.what,
    ...(place.environment ? { environment: place.environment } : {}),
    cluster: place.cluster,
    ...(place.app ? { app: place.app } : {}),
    ...(place.workload ? { workload: place.workload } : {}),
    ...(step.code ? { code: step.code } : {}),
    reason: (step.reason ?? step.action).slice(0, 2000),
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
    ...(until ? { until } : {}),
    ...(by ? { by } : {}),
    at: place.at,
    cause: place.cause,
  };
};
