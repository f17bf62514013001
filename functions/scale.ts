import { z } from 'zod';
import { HpaThresholdHitEventSchema } from '../events/hpa-threshold-hit.ts';
import { ScaleCheckEventSchema } from '../events/scale-check.ts';
import { ScaleRequestedEventSchema } from '../events/scale-requested.ts';
import { sqsConsumer } from '../lib/lambda/sqs-consumer.ts';
import { consumerPorts, wire } from '../lib/lambda/wiring.ts';
import { scale } from '../lib/scale/use-cases/scale.ts';

const w = wire('scale');

const ScaleEventSchema = z.discriminatedUnion('type', [
  HpaThresholdHitEventSchema,
  ScaleRequestedEventSchema,
  ScaleCheckEventSchema,
]);

/** hpa.threshold.hit, a person's scale.requested and scaling's own delayed looks: one step on one workload. */
export const handler = sqsConsumer({
  ...consumerPorts(w, 'scale'),
  name: 'scale',
  schema: ScaleEventSchema,
  handle: (event) => scale(event, w.scale),
});
