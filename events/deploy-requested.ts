import { z } from 'zod';
import { envelope, NameSchema } from './envelope.ts';
import { text } from './fields.ts';
import { ImageRefSchema } from './image-ref.ts';
import { RequesterSchema } from './requester.ts';

/** IANA_SVC_NAME, what Kubernetes accepts as a port name: <= 15 chars, a letter somewhere, no "--". */
const PortNameSchema = z
  .string()
  .max(15)
  .regex(
    /^(?=.*[a-z])(?!.*--)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
    'must be an IANA service name (lowercase letters, digits, single "-", at least one letter)',
  );

export const PortSchema = z.strictObject({
  name: PortNameSchema.optional(),
  containerPort: z.int().min(1).max(65535),
  protocol: z.enum(['TCP', 'UDP']).default('TCP'),
});

// C identifiers: the env var names every container runtime and shell accepts.
const EnvNameSchema = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*)');

// A Service rejects duplicate port names, and a pod duplicate port+protocol pairs: refuse them here, before any cluster does.
const PortsSchema = z
  .array(PortSchema)
  .max(16)
  .superRefine((ports, ctx) => {
    const names = new Set<string>();
    const bindings = new Set<string>();
    ports.forEach((p, i) => {
      if (p.name !== undefined && names.has(p.name)) {
        ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate port name "${p.name}"` });
      }
      if (bindings.has(`${p.containerPort}/${p.protocol}`)) {
        ctx.addIssue({
          code: 'custom',
          path: [i, 'containerPort'],
          message: `duplicate port ${p.containerPort}/${p.protocol}`,
        });
      }
      if (p.name !== undefined) names.add(p.name);
      bindings.add(`${p.containerPort}/${p.protocol}`);
    });
  });

export const DeployRequestedDataSchema = z.strictObject({
  app: NameSchema,
  environment: NameSchema,
  /** The image for `container` (by default the app's first container). */
  image: ImageRefSchema,
  /** Which container of a registered app `image` is for: pushes of a sidecar's repository name it. */
  container: NameSchema.optional(),
  /**
   * Images of a registered app's other containers, by name. A container named neither here nor by
   * `container` keeps the image the environment's current release runs (see lib/deploy/decisions/images.ts).
   */
  images: z.record(NameSchema, ImageRefSchema).optional(),
  namespace: NameSchema.default('default'),
  replicas: z.int().min(0).max(1000).default(1),
  ports: PortsSchema.default([]),
  env: z.record(EnvNameSchema, z.string()).default({}),
  /** Report what would change in each cluster (server-side dry run) and change nothing. */
  dryRun: z.boolean().default(false),
  requestedBy: text(256).optional(),
  /** Who asked, as the edge that authenticated them says (events/requester.ts). */
  requester: RequesterSchema.optional(),
  reason: z.string().max(500).optional(),
  /**
   * Wait for an approval even where the environment has no `approval` policy (the default policy then: one
   * approver). It can only add a gate, never remove one, so the public /events route may accept it.
   */
  awaitApproval: z.boolean().optional(),
});

export const DeployRequestedEventSchema = envelope('deploy.requested', DeployRequestedDataSchema);

export type Port = z.infer<typeof PortSchema>;
export type DeployRequestedData = z.infer<typeof DeployRequestedDataSchema>;
export type DeployRequested = z.infer<typeof DeployRequestedEventSchema>;
