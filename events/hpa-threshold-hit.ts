import { z } from 'zod';
import { envelope, NameSchema } from './envelope.ts';
import { DateTimeSchema, SubdomainSchema, text } from './fields.ts';

/**
 * What the alert names. kubernetes-mixin HPA alerts (KubeHpaMaxedOut, KubeHpaReplicasMismatch) carry the
 * HPA; custom CPU alerts carry the workload. The consumer resolves an HPA to its `scaleTargetRef` itself,
 * so a source never has to guess a workload it was not told about.
 */
export const ScaleTargetSchema = z.strictObject({
  kind: z.enum(['HorizontalPodAutoscaler', 'Deployment', 'StatefulSet']),
  name: SubdomainSchema,
});

export const HpaThresholdHitDataSchema = z.strictObject({
  cluster: NameSchema.optional(),
  namespace: NameSchema,
  target: ScaleTargetSchema,
  signal: z.enum(['maxed-out', 'replicas-mismatch', 'cpu-high', 'cpu-low']),
  status: z.enum(['firing', 'resolved']),
  value: z.number().optional(),
  threshold: z.number().optional(),
  startsAt: DateTimeSchema,
  /** Alertmanager `alertname` or CloudWatch `AlarmName`: what an operator recognises in a notification. */
  alertName: text(256).optional(),
  producer: z.enum(['alertmanager', 'cloudwatch', 'generic']),
});

export const HpaThresholdHitEventSchema = envelope('hpa.threshold.hit', HpaThresholdHitDataSchema);

export type ScaleTarget = z.infer<typeof ScaleTargetSchema>;
export type HpaThresholdHitData = z.infer<typeof HpaThresholdHitDataSchema>;
export type HpaThresholdHit = z.infer<typeof HpaThresholdHitEventSchema>;
