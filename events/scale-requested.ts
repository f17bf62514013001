import { z } from 'zod';
import { envelope, NameSchema } from './envelope.ts';
import { text } from './fields.ts';
import { RequesterSchema } from './requester.ts';

/**
 * A person's override of an app's scaling on one cluster (`capstan scale <app> --env --cluster --max N
 * --for 1h`, or `--revert`): the same override an alert makes, set by hand, under the same lease, within
 * the same bounds (burstMax, the quota's room), and reverted the same way when it expires. A manual set is
 * not held back by the cooldown: a person asked for it.
 */
export const ScaleRequestedDataSchema = z
  .strictObject({
    app: NameSchema,
    environment: NameSchema,
    cluster: NameSchema,
    /** The ceiling to set: the HPA's maxReplicas, or the Deployment's replicas when it has no HPA. */
    max: z.int().min(1).max(1000).optional(),
    /** How long the override lasts; default the spec's burstFor. */
    forSeconds: z
      .int()
      .min(60)
      .max(7 * 24 * 3600)
      .optional(),
    /** Put the spec's ceiling back now. */
    revert: z.literal(true).optional(),
    requestedBy: text(256).optional(),
    /** Who asked, as the edge that authenticated them says (events/requester.ts). */
    requester: RequesterSchema.optional(),
  })
  .refine((d) => (d.max === undefined) !== (d.revert === undefined), {
    message: 'give either max (with forSeconds) or revert, not both',
    path: ['max'],
  })
  .refine((d) => d.revert === undefined || d.forSeconds === undefined, {
    message: 'forSeconds goes with max, not with revert',
    path: ['forSeconds'],
  });

export const ScaleRequestedEventSchema = envelope('scale.requested', ScaleRequestedDataSchema);

export type ScaleRequestedData = z.infer<typeof ScaleRequestedDataSchema>;
export type ScaleRequested = z.infer<typeof ScaleRequestedEventSchema>;
