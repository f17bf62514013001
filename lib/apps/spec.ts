import { z } from 'zod';
import { PortSchema } from '../../events/deploy-requested.ts';
import { NameSchema } from '../../events/envelope.ts';
import { AutoscalingSchema } from './autoscaling.ts';
import { ApprovalPolicySchema, CiAllowSchema, NotifySchema } from './chat-ops.ts';
import { repositoryProblem } from './repository.ts';
import { TagPolicySchema } from './tag-policy.ts';

/**
 * An app as capstan manages it: what to run (containers, probes, resources), how much of it, and, per
 * environment, which clusters run it, which image tags it tracks and whether a push deploys on its own.
 * Written by people (`capstan apps add app.yaml`), so every message names the field and what is wanted.
 */

/** Kubernetes resource quantities as people write them: `500m`, `2`, `256Mi`, `1Gi`. */
export const CpuSchema = z.string().regex(/^(\d+m|\d+(\.\d+)?)$/, 'must be a CPU quantity such as "500m" or "2"');
export const MemorySchema = z
  .string()
  .regex(/^\d+(Ki|Mi|Gi|Ti|K|M|G|T)?$/, 'must be a memory quantity such as "256Mi" or "1Gi"');

const ProbeSchema = z
  .strictObject({
    httpGet: z.strictObject({ path: z.string().startsWith('/'), port: z.int().min(1).max(65535) }).optional(),
    tcpSocket: z.strictObject({ port: z.int().min(1).max(65535) }).optional(),
    exec: z.strictObject({ command: z.array(z.string()).min(1) }).optional(),
    initialDelaySeconds: z.int().min(0).max(3600).optional(),
    periodSeconds: z.int().min(1).max(3600).optional(),
    failureThreshold: z.int().min(1).max(100).optional(),
  })
  .refine((p) => [p.httpGet, p.tcpSocket, p.exec].filter(Boolean).length === 1, {
    message: 'a probe needs exactly one of httpGet, tcpSocket or exec',
  });
export type Probe = z.infer<typeof ProbeSchema>;

export const ContainerSchema = z.strictObject({
  name: NameSchema,
  /** Image repository without tag or digest, e.g. `registry.local:5000/acme/api`; releases pin a digest. */
  repository: z
    .string()
    .min(1)
    .max(255)
    .superRefine((value, ctx) => {
      const problem = repositoryProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  ports: z.array(PortSchema).max(16).default([]),
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()).default({}),
  probes: z.strictObject({ liveness: ProbeSchema.optional(), readiness: ProbeSchema.optional() }).default({}),
  /** Limits only: requests follow from the app's QoS tier (lib/deploy/decisions/qos.ts). */
  limits: z.strictObject({ cpu: CpuSchema, memory: MemorySchema }).optional(),
});
export type Container = z.infer<typeof ContainerSchema>;

export const AppEnvironmentSchema = z
  .strictObject({
    /** Push-driven releases: a pushed tag matching `tags` releases that image (by digest). */
    track: z.strictObject({ tags: TagPolicySchema }).optional(),
    /** Whether a matching push releases at once, or waits for `capstan approve`. */
    autoDeploy: z.boolean().default(false),
    replicas: z.int().min(0).max(1000).optional(),
    /** Roll back to the last successful release when a rollout fails. */
    autoRollback: z.boolean().default(true),
    /**
     * An HorizontalPodAutoscaler owns the replica count here: releases leave `replicas` out of the Deployment.
     * Set it once the HPA exists and has scaled the Deployment (see render-app.ts for why).
     */
    autoscaled: z.boolean().default(false),
    /** capstan's own HPA and overrides (./autoscaling.ts); `replicas` is then the HPA's, or `max` without one. */
    autoscaling: AutoscalingSchema.optional(),
    /** Deploy requests wait for N distinct approvers (./chat-ops.ts); without it they release at once. */
    approval: ApprovalPolicySchema.optional(),
    /** Where releases are announced and followed (./chat-ops.ts). */
    notify: NotifySchema.optional(),
    /** CI jobs that may request releases here with their OIDC token (./chat-ops.ts). */
    ci: z.array(CiAllowSchema).min(1).max(20).optional(),
  })
  .refine((e) => !(e.autoscaled && e.autoscaling), {
    message: 'autoscaled (someone else owns the HPA) and autoscaling (capstan makes it) exclude each other',
    path: ['autoscaling'],
  })
  .refine((e) => !(e.replicas !== undefined && e.autoscaling), {
    message: "with autoscaling the replica count is the HPA's (or autoscaling.max): leave replicas out",
    path: ['replicas'],
  });
export type AppEnvironment = z.infer<typeof AppEnvironmentSchema>;

export const QosTierSchema = z.enum(['critical', 'standard', 'back-office']);
export type QosTier = z.infer<typeof QosTierSchema>;

export const AppSpecSchema = z.strictObject({
  name: NameSchema,
  namespace: NameSchema,
  /** critical: Guaranteed (requests = limits); standard: Burstable; back-office: Burstable, cheapest. */
  qos: QosTierSchema.default('standard'),
  /** CPU overcommit for the standard tier: request = limit / 2 or / 5. */
  cpuOvercommit: z.union([z.literal(2), z.literal(5)]).default(2),
  replicas: z.int().min(0).max(1000).default(3),
  containers: z.array(ContainerSchema).min(1).max(8),
  environments: z.record(NameSchema, AppEnvironmentSchema),
});
export type AppSpec = z.infer<typeof AppSpecSchema>;
