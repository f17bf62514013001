import { z } from 'zod';
import { envelope, NameSchema } from './envelope.ts';
import { DateTimeSchema } from './fields.ts';

/**
 * Internal: "look at this rollout again", sent with a delay instead of a function sleeping. `generation`
 * is the Deployment generation the apply produced, so an observed status older than it is not mistaken
 * for the result; `attempt` drives the backoff and makes each re-check a distinct event id.
 */
export const RolloutCheckDataSchema = z.strictObject({
  app: NameSchema,
  environment: NameSchema,
  revision: z.int().min(1),
  cluster: NameSchema,
  namespace: NameSchema,
  deployment: NameSchema,
  generation: z.int().min(1),
  attempt: z.int().min(0),
  deadline: DateTimeSchema,
});

export const RolloutCheckEventSchema = envelope('rollout.check', RolloutCheckDataSchema);

export type RolloutCheckData = z.infer<typeof RolloutCheckDataSchema>;
export type RolloutCheck = z.infer<typeof RolloutCheckEventSchema>;
