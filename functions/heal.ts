import { z } from 'zod';
import { HealCheckEventSchema } from '../events/heal-check.ts';
import { NodeLostEventSchema } from '../events/node-lost.ts';
import { NodeRecoveredEventSchema } from '../events/node-recovered.ts';
import { heal } from '../lib/heal/use-cases/heal.ts';
import { sqsConsumer } from '../lib/lambda/sqs-consumer.ts';
import { consumerPorts, wire } from '../lib/lambda/wiring.ts';

const w = wire('heal');

const HealEventSchema = z.discriminatedUnion('type', [
  NodeLostEventSchema,
  NodeRecoveredEventSchema,
  HealCheckEventSchema,
]);

/** node.lost, node.recovered and healing's own delayed looks: one step on one node, under its lease. */
export const handler = sqsConsumer({
  ...consumerPorts(w, 'heal'),
  name: 'heal',
  schema: HealEventSchema,
  handle: (event) => heal(event, w.heal),
});
