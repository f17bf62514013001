import { z } from 'zod';
import { envelope } from './envelope.ts';
import { DateTimeSchema, text } from './fields.ts';
import { DigestSchema, RegistryHostSchema, RepositorySchema, TagSchema } from './image-ref.ts';

export const imageProducers = ['distribution', 'harbor', 'ecr', 'dockerhub', 'ghcr', 'generic'] as const;

/**
 * A manifest pushed to a registry. Docker Hub sends no digest; pushes by digest (children of a multi-arch
 * index, Harbor untagged artifacts, ECR with `image-tag` "") carry no tag. Sources map Harbor's
 * "tag holds the digest" case to `digest`; a push with neither tells nothing and is refused.
 */
export const ImagePushedDataSchema = z
  .strictObject({
    registry: RegistryHostSchema,
    repository: RepositorySchema,
    tag: TagSchema.optional(),
    digest: DigestSchema.optional(),
    mediaType: text(255).optional(),
    action: z.literal('push'),
    producer: z.enum(imageProducers),
    pushedBy: text(256).optional(),
    pushedAt: DateTimeSchema.optional(),
  })
  .refine((d) => d.tag !== undefined || d.digest !== undefined, {
    message: 'needs a tag, a digest or both',
    path: ['tag'],
  });

export const ImagePushedEventSchema = envelope('image.pushed', ImagePushedDataSchema);

export type ImageProducer = (typeof imageProducers)[number];
export type ImagePushedData = z.infer<typeof ImagePushedDataSchema>;
export type ImagePushed = z.infer<typeof ImagePushedEventSchema>;
