import { z } from 'zod';

/** Version of the event contract; bump when a data schema changes incompatibly. */
export const SCHEMA_VERSION = '1' as const;

/** DNS-1123 label: names of apps, clusters, environments and namespaces become Kubernetes names. */
export const NameSchema = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS-1123 label (lowercase letters, digits, "-")');

/**
 * CloudEvents 1.0 structured-mode envelope. `id` is the producer's id where it has one, else derived
 * deterministically from the payload, so a redelivered event always carries the same id.
 */
export const envelope = <T extends string, D extends z.ZodType>(type: T, data: D) =>
  z.object({
    specversion: z.literal('1.0'),
    id: z.string().min(1).max(256),
    type: z.literal(type),
    source: z.string().min(1),
    time: z.iso.datetime({ offset: true }),
    subject: z.string().optional(),
    schemaversion: z.literal(SCHEMA_VERSION),
    data,
  });
