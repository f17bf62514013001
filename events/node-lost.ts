import { z } from 'zod';
import { envelope, NameSchema } from './envelope.ts';
import { DateTimeSchema, SubdomainSchema, text } from './fields.ts';

/** A pod, by namespace and name. */
export const PodRefSchema = z.strictObject({ namespace: NameSchema, name: SubdomainSchema });

/**
 * A node's Ready condition left True. `Unknown` (kubelet silent: NodeStatusUnknown, NodeStatusNeverUpdated)
 * and `False` (kubelet alive but unhealthy) call for different remedies, so the status is kept as given.
 * The node is named, or (the node controller's Warning NodeNotReady on each of its pods names no node) is
 * the one `pod` is bound to, which healing reads from the API server.
 */
export const NodeLostDataSchema = z
  .strictObject({
    cluster: NameSchema,
    node: SubdomainSchema.optional(),
    pod: PodRefSchema.optional(),
    readyStatus: z.enum(['Unknown', 'False']),
    reason: text(128).optional(),
    message: text(1024).optional(),
    lastHeartbeatTime: DateTimeSchema.optional(),
    observedAt: DateTimeSchema,
  })
  .refine((d) => (d.node === undefined) !== (d.pod === undefined), {
    message: 'name the node, or the pod on it: exactly one of node and pod',
    path: ['node'],
  });

export const NodeLostEventSchema = envelope('node.lost', NodeLostDataSchema);

export type NodeLostData = z.infer<typeof NodeLostDataSchema>;
export type NodeLost = z.infer<typeof NodeLostEventSchema>;
