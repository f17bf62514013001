import { checkImageRef } from '../../../events/image-ref.ts';
import type { Autoscaling } from '../../apps/autoscaling.ts';
import type { AppSpec } from '../../apps/spec.ts';
import { messageOf } from '../../errors.ts';
import { containerImages, servicePorts } from '../render/app.ts';
import { qosClass, type ResourcedContainer, resourcesFor } from './qos.ts';

/** Every rule a release can break; `quota` comes from the cluster (use-cases/quota-gate.ts, judged by decisions/quota.ts), the rest from checkPolicy. */
export const POLICY_RULES = [
  'image',
  'image-digest',
  'latest-tag',
  'replicas',
  'ports',
  'resources',
  'probes',
  'limits',
  'best-effort',
  'critical-guaranteed',
  'quota',
] as const;
export type PolicyRule = (typeof POLICY_RULES)[number];

export interface PolicyViolation {
  readonly rule: PolicyRule;
  readonly reason: string;
}

export interface PolicyInput {
  readonly app: AppSpec;
  readonly environment: { readonly name: string; readonly protected: boolean };
  /** The reference to deploy for the first container. */
  readonly image?: string;
  /** References for the other containers, by name (as renderApp takes them). */
  readonly images?: Readonly<Record<string, string>>;
  readonly replicas: number;
  /** The environment's autoscaling block: the replica rule then reads its bounds (`replicas` is not used). */
  readonly autoscaling?: Autoscaling;
}

export const MIN_PROTECTED_REPLICAS = 3;
const MAX_REPLICAS = 1000;

/**
 * The policy gates of a release, ALL violations at once (a refused request names every reason).
 * Everywhere: what can never be applied (no or an invalid image reference, a bad replica count, clashing
 * ports, unusable limits). Protected environments add the production rules: image pinned by digest,
 * at least 3 replicas (with autoscaling: an HPA's `min`, or `max` without an HPA), liveness and readiness probes, limits on every container, never BestEffort, and
 * Guaranteed for the critical tier. Namespace quota is checked against the cluster (quotaShortfalls).
 */
export const checkPolicy = (input: PolicyInput): PolicyViolation[] => {
  const context: Context = {
    ...input,
    where: `protected environment "${input.environment.name}"`,
    strict: input.environment.protected,
  };
  return [imageRules, replicaRules, portRules, containerRules, qosRules].flatMap((rule) => rule(context));
};

interface Context extends PolicyInput {
  readonly where: string;
  readonly strict: boolean;
}

const violation = (rule: PolicyRule, reason: string): PolicyViolation => ({ rule, reason });

/** `latest`, said or implied (no tag and no digest): the digest may pin what runs, the name still tells nobody. */
export const namesLatest = (ref: { readonly tag?: string; readonly digest?: string }): boolean =>
  ref.tag === 'latest' || (ref.tag === undefined && ref.digest === undefined);

/** Why `latest` is refused, for a release (per container) and for a push alike. */
export const latestRefusal = (what: string, where: string): string =>
  `${what}: the tag "latest" is refused in ${where}, even pinned by digest (a moving tag name tells nobody what runs); push a versioned tag`;

const imageRules = ({ app, image, images, strict, where }: Context): PolicyViolation[] => {
  const unknown = Object.keys(images ?? {})
    .filter((name) => !app.containers.some((c) => c.name === name))
    .map((name) => violation('image', `images names "${name}", which is not a container of app "${app.name}"`));
  const perContainer = containerImages(app, image, images).flatMap((ref, i) => {
    const name = app.containers[i]?.name;
    if (ref === undefined)
      return [violation('image', `container "${name}" has no image to deploy (give it in images)`)];
    const parsed = checkImageRef(ref);
    if (typeof parsed === 'string') {
      return [violation('image', `container "${name}": image "${ref}" is invalid (${parsed})`)];
    }
    if (!strict) return [];
    const out: PolicyViolation[] = [];
    if (parsed.digest === undefined) {
      const why =
        parsed.tag === undefined ? ' (no tag means :latest)' : parsed.tag === 'latest' ? '' : ' (a tag can move)';
      out.push(
        violation(
          'image-digest',
          `container "${name}": image must be pinned by digest (registry/repo@sha256:...), got ${ref}${why}`,
        ),
      );
    }
    if (namesLatest(parsed)) out.push(violation('latest-tag', latestRefusal(`container "${name}"`, where)));
    return out;
  });
  return [...unknown, ...perContainer];
};

const replicaRules = ({ replicas, autoscaling, strict, where }: Context): PolicyViolation[] => {
  if (autoscaling) {
    // The bounds themselves (1..1000, min <= max) are the spec schema's; what is left is the production
    // floor, on the count the Deployment can fall to: the HPA's min, or max when capstan runs max replicas.
    const [field, floor] = autoscaling.hpa ? ['min', autoscaling.min] : ['max', autoscaling.max];
    const why = autoscaling.hpa ? 'the HPA may scale down to it' : 'without an HPA the Deployment runs max';
    return strict && floor < MIN_PROTECTED_REPLICAS
      ? [
          violation(
            'replicas',
            `autoscaling.${field} must be at least ${MIN_PROTECTED_REPLICAS} in ${where} (${why}), got ${floor}`,
          ),
        ]
      : [];
  }
  if (!Number.isInteger(replicas) || replicas < 0 || replicas > MAX_REPLICAS) {
    return [violation('replicas', `replicas must be a whole number from 0 to ${MAX_REPLICAS}, got ${replicas}`)];
  }
  return strict && replicas < MIN_PROTECTED_REPLICAS
    ? [violation('replicas', `replicas must be at least ${MIN_PROTECTED_REPLICAS} in ${where}, got ${replicas}`)]
    : [];
};

/** The Service would refuse a duplicate port name, the pod a port bound twice (within or across containers). */
const portRules = ({ app }: Context): PolicyViolation[] => {
  const out: PolicyViolation[] = [];
  const names = new Map<string, string>();
  const bindings = new Map<string, string>();
  for (const p of servicePorts(app)) {
    const name = p.name ?? '';
    const binding = `${p.port}/${p.protocol}`;
    const byName = names.get(name);
    const byBinding = bindings.get(binding);
    if (byName !== undefined) {
      out.push(violation('ports', `port name "${name}" is used twice (containers "${byName}" and "${p.container}")`));
    }
    if (byBinding !== undefined) {
      out.push(
        violation('ports', `port ${binding} is declared twice (containers "${byBinding}" and "${p.container}")`),
      );
    }
    names.set(name, p.container);
    bindings.set(binding, p.container);
  }
  return out;
};

const containerRules = ({ app, strict, where }: Context): PolicyViolation[] =>
  app.containers.flatMap((c) => {
    const out: PolicyViolation[] = [];
    const missing = (['liveness', 'readiness'] as const).filter((p) => !c.probes[p]);
    if (strict && missing.length > 0) {
      out.push(
        violation('probes', `container "${c.name}" has no ${missing.join(' and no ')} probe; ${where} needs both`),
      );
    }
    if (strict && !c.limits) {
      out.push(
        violation(
          'limits',
          `container "${c.name}" has no limits (cpu and memory); ${where} needs them on every container`,
        ),
      );
    }
    if (c.limits) {
      try {
        resourcesFor(app.qos, c.limits, app.cpuOvercommit);
      } catch (error) {
        out.push(violation('resources', `container "${c.name}": ${messageOf(error)}`));
      }
    }
    return out;
  });

/** The pod's QoS class as rendered; only meaningful when every container's resources could be worked out. */
const qosRules = ({ app, strict, where }: Context): PolicyViolation[] => {
  if (!strict) return [];
  let containers: ResourcedContainer[];
  try {
    containers = app.containers.map((c) =>
      c.limits ? { resources: resourcesFor(app.qos, c.limits, app.cpuOvercommit) } : {},
    );
  } catch {
    return []; // reported by containerRules
  }
  const qos = qosClass(containers);
  const unlimited = app.containers.filter((c) => !c.limits).map((c) => `"${c.name}"`);
  const out: PolicyViolation[] = [];
  if (qos === 'BestEffort') {
    out.push(
      violation('best-effort', `pods would run BestEffort (no container has limits); ${where} refuses BestEffort`),
    );
  }
  if (app.qos === 'critical' && qos !== 'Guaranteed') {
    const because = unlimited.length > 0 ? `: no limits on container ${unlimited.join(', ')}` : '';
    out.push(
      violation(
        'critical-guaranteed',
        `critical tier must run Guaranteed (requests = limits), would be ${qos}${because}`,
      ),
    );
  }
  return out;
};
