import { z } from 'zod';
import { envelope, NameSchema } from './envelope.ts';
import { DateTimeSchema, SubdomainSchema, text } from './fields.ts';

/**
 * A node's Ready condition left True. `Unknown` (kubelet silent: NodeStatusUnknown, NodeStatusNeverUpdated)
 * and `False` (kubelet alive but unhealthy) call for different remedies, so the status is kept as given.
 */
export const NodeLostDataSchema = z.strictObject({
  cluster: NameSchema,
  node: SubdomainSchema,
  readyStatus: z.enum(['Unknown', 'False']),
  reason: text(128).optional(),
  message: text(1024).optional(),
  lastHeartbeatTime: DateTimeSchema.optional(),
  observedAt: DateTimeSchema,
});

export const NodeLostEventSchema = envelope('node.lost', NodeLostDataSchema);

export type NodeLostData = z.infer<typeof NodeLostDataSchema>;
export type NodeLost = z.infer<typeof NodeLostEventSchema>;
