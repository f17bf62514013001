import { SCHEMA_VERSION } from '../../../events/envelope.ts';
import { eventId, type ScaleCheck, type WorkloadRef } from '../../../events/index.ts';
import type { ScalingSignal } from '../decisions/override.ts';

/** SQS delays a message at most 15 minutes: a later look goes in hops (each hop sends the next). */
export const MAX_DELAY_SECONDS = 900;

export interface ScaleLook {
  readonly cluster: string;
  readonly workload: WorkloadRef;
  readonly signal: ScalingSignal;
  /** The event that started the chain, and this look's number in it. */
  readonly cause: string;
  readonly attempt: number;
  readonly dueAt: string;
  /** The raise the look is about (its event id). */
  readonly raise?: string;
  readonly startsAt?: string;
  readonly waits?: number;
}

/**
 * The next look at an override (scale.check): its id names the chain's cause, the signal, when it is due
 * and its number, so a redelivered look is the same event and the next hop is new.
 */
export const scaleCheck = (look: ScaleLook, now: Date): ScaleCheck => ({
  specversion: '1.0',
  id: eventId(['scale.check', look.cluster, look.cause, look.signal, look.dueAt, String(look.attempt)]),
  type: 'scale.check',
  source: 'capstan/scale',
  time: now.toISOString(),
  subject: `${look.cluster}/${look.workload.namespace}/${look.workload.kind}/${look.workload.name}`,
  schemaversion: SCHEMA_VERSION,
  data: {
    cluster: look.cluster,
    workload: look.workload,
    signal: look.signal,
    cause: look.cause,
    attempt: look.attempt,
    dueAt: look.dueAt,
    ...(look.raise ? { raise: look.raise } : {}),
    ...(look.startsAt ? { startsAt: look.startsAt } : {}),
    ...(look.waits !== undefined ? { waits: look.waits } : {}),
  },
});

/** How long to delay a look due at `dueAt`: until then, at most one hop. */
export const delayUntil = (dueAt: string, now: Date): number =>
  Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil((Date.parse(dueAt) - now.getTime()) / 1000)));
