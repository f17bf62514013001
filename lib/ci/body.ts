import { z } from 'zod';
import { NameSchema } from '../../events/envelope.ts';
import { ImageRefSchema } from '../../events/image-ref.ts';

/**
 * What a CI job posts to `POST /ci/deploy` beside its ID token: which app, where, and the image (a full
 * reference, or a tag of the app's own repository). Who asks is the token's to say, never the body's.
 */
export const CiDeployBodySchema = z
  .strictObject({
    app: NameSchema,
    environment: NameSchema,
    image: ImageRefSchema.optional(),
    tag: z
      .string()
      .regex(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/, 'must be an image tag')
      .optional(),
    /** Which container `image` or `tag` is for (by default the app's first). */
    container: NameSchema.optional(),
    dryRun: z.boolean().default(false),
    reason: z.string().max(500).optional(),
  })
  .refine((b) => (b.image === undefined) !== (b.tag === undefined), {
    message: 'give either image or tag',
    path: ['image'],
  });
export type CiDeployBody = z.infer<typeof CiDeployBodySchema>;
