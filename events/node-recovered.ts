import { z } from 'zod';
import { envelope, NameSchema } from './envelope.ts';
import { DateTimeSchema, SubdomainSchema, text } from './fields.ts';

/**
 * A node's Ready condition is True again (kubelet posting, its Lease renewed). Like node.lost, a candidate:
 * healing reads the node fresh and waits out a stabilization period before it undoes any fencing.
 */
export const NodeRecoveredDataSchema = z.strictObject({
  cluster: NameSchema,
  node: SubdomainSchema,
  /** When Ready became True again, as the node says. */
  readySince: DateTimeSchema.optional(),
  message: text(1024).optional(),
  observedAt: DateTimeSchema,
});

export const NodeRecoveredEventSchema = envelope('node.recovered', NodeRecoveredDataSchema);

export type NodeRecoveredData = z.infer<typeof NodeRecoveredDataSchema>;
export type NodeRecovered = z.infer<typeof NodeRecoveredEventSchema>;
