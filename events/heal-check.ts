import { z } from 'zod';
import { envelope, NameSchema } from './envelope.ts';
import { SubdomainSchema } from './fields.ts';

/**
 * Internal: "look at this node again", sent with a delay instead of a function sleeping: a candidate not yet
 * proven lost, a fencing step waiting for the controllers, a returned node waiting out its stabilization, or
 * a heal a person approved. `step` is what the look is for (prove the node lost, carry fencing on, carry
 * recovery on): a look whose heal has moved on to another step does nothing. `cause` is the event that
 * started the chain and `attempt` counts its looks, so each look is a distinct event id and a redelivered
 * one is the same. `free` looks again at freeing an RBD image the node holds (issue 11): it names the image.
 */
export const HealCheckStepSchema = z.enum(['prove', 'fence', 'recover', 'free']);
export type HealCheckStep = z.infer<typeof HealCheckStepSchema>;

export const HealCheckDataSchema = z
  .strictObject({
    cluster: NameSchema,
    node: SubdomainSchema,
    step: HealCheckStepSchema,
    cause: z.string().min(1).max(256),
    attempt: z.int().min(0),
    /** `pool/image`, for step `free` only. */
    image: z
      .string()
      .max(511)
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be pool/image')
      .optional(),
  })
  .refine((d) => (d.step === 'free') === (d.image !== undefined), {
    message: 'step free names an image (pool/image), and no other step does',
    path: ['image'],
  });

export const HealCheckEventSchema = envelope('heal.check', HealCheckDataSchema);

export type HealCheckData = z.infer<typeof HealCheckDataSchema>;
export type HealCheck = z.infer<typeof HealCheckEventSchema>;
