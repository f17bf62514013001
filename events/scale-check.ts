import { z } from 'zod';
import { envelope, NameSchema } from './envelope.ts';
import { SubdomainSchema } from './fields.ts';

/** The workload an override is about: what its HPA scales, or the Deployment itself when it has none. */
export const WorkloadRefSchema = z.strictObject({
  namespace: NameSchema,
  kind: z.enum(['Deployment', 'StatefulSet']),
  name: SubdomainSchema,
});
export type WorkloadRef = z.infer<typeof WorkloadRefSchema>;

/**
 * Internal: "look at this override again", sent with a delay instead of a function sleeping (issue 12).
 * `expired`: the override's `burstFor` may have run out (a raise carries one, re-sent in 15-minute hops
 * since SQS delays no longer). `resolved` / `firing`: a signal that could not be acted on yet, looked at
 * again (a resolve held through the cooldown, a signal that waited for the workload's lease). `cause` is the
 * event that started the chain and `attempt` counts its looks, so each look is a distinct event id and a
 * redelivered one is the same; `dueAt` is when the look is for (an expiry's time), so a hop sent early
 * only sends the next hop.
 */
export const ScaleCheckDataSchema = z.strictObject({
  cluster: NameSchema,
  workload: WorkloadRefSchema,
  signal: z.enum(['firing', 'resolved', 'expired']),
  cause: z.string().min(1).max(256),
  attempt: z.int().min(0),
  dueAt: z.iso.datetime(),
  /**
   * The raise (the event id that made it) an expiry or a held resolve is about: once a later raise is in
   * force, a look about an earlier one does nothing.
   */
  raise: z.string().min(1).max(256).optional(),
  /** When the alert episode a signal's look carries began (its `startsAt`): a resolve of an earlier one is stale. */
  startsAt: z.iso.datetime({ offset: true }).optional(),
  /** How many times this signal has waited for the workload's lease (apart from `attempt`, which hops count too). */
  waits: z.int().min(0).optional(),
});

export const ScaleCheckEventSchema = envelope('scale.check', ScaleCheckDataSchema);

export type ScaleCheckData = z.infer<typeof ScaleCheckDataSchema>;
export type ScaleCheck = z.infer<typeof ScaleCheckEventSchema>;
