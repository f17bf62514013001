import { z } from 'zod';
import { HealCheckEventSchema } from '../events/heal-check.ts';
import { NodeLostEventSchema } from '../events/node-lost.ts';
import { NodeRecoveredEventSchema } from '../events/node-recovered.ts';
import { RbdLockDetectedEventSchema } from '../events/rbd-lock-detected.ts';
import { heal } from '../lib/heal/use-cases/heal.ts';
import { sqsConsumer } from '../lib/lambda/sqs-consumer.ts';
import { consumerPorts, wire } from '../lib/lambda/wiring.ts';

const w = wire('heal');

const HealEventSchema = z.discriminatedUnion('type', [
  NodeLostEventSchema,
  NodeRecoveredEventSchema,
  HealCheckEventSchema,
  RbdLockDetectedEventSchema,
]);

/**
 * node.lost, node.recovered, rbd.lock.detected and healing's own delayed looks: one step on one node (an
 * image's holder, for rbd.lock.detected), under that node's lease.
 */
export const handler = sqsConsumer({
  ...consumerPorts(w, 'heal'),
  name: 'heal',
  schema: HealEventSchema,
  handle: (event) => heal(event, w.heal),
});
