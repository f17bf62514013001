import type { QosTier } from '../../apps/spec.ts';
import { InvalidInputError } from '../../errors.ts';
import { formatCpu, formatMemory, MiB, parseCpu, parseMemory, parseQuantity } from './quantity.ts';

/** CPU and memory as canonical quantity strings (see quantity.ts). */
export interface Resources {
  readonly cpu: string;
  readonly memory: string;
}

export interface ContainerResources {
  readonly requests: Resources;
  readonly limits: Resources;
}

export type QosClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

/** Request = limit / ratio. Memory's 1.5 is kept as the fraction 3/2 so the maths stays exact. */
const cpuRatio = (tier: QosTier, cpuOvercommit: 2 | 5): number =>
  tier === 'critical' ? 1 : tier === 'standard' ? cpuOvercommit : 10;

/**
 * Requests and limits for one container from its limits and the app's QoS tier (the production rules):
 * critical runs Guaranteed (requests = limits); standard is Burstable with CPU request = limit / 2 or / 5
 * and memory request = limit / 1.5; back-office likewise with CPU request = limit / 10.
 *
 * Rounding: CPU requests round down to whole millicores (at least 1m), memory requests down to whole Mi
 * (at least 1Mi). Down, so a request never reserves more than the tier grants; whole Mi, so requests read
 * as people write them (`170Mi`, not `178956970`) and every value is in canonical form. A request is never
 * above its limit: a limit below the minimum (under 1Mi, or a 1m CPU limit) becomes its own request.
 * Limits are echoed in canonical form. A zero or unparsable limit is refused: to Kubernetes a zero limit
 * means "none", which is not what a tier promises.
 */
export const resourcesFor = (
  tier: QosTier,
  limits: { readonly cpu: string; readonly memory: string },
  cpuOvercommit: 2 | 5,
): ContainerResources => {
  const cpu = parseCpu(limits.cpu);
  const memory = parseMemory(limits.memory);
  if (cpu === 0) throw new InvalidInputError(`CPU limit "${limits.cpu}" must be above zero`);
  if (memory === 0) throw new InvalidInputError(`memory limit "${limits.memory}" must be above zero`);
  const canonical = { cpu: formatCpu(cpu), memory: formatMemory(memory) };
  if (tier === 'critical') return { requests: canonical, limits: canonical };
  const cpuRequest = Math.min(cpu, Math.max(1, Math.floor(cpu / cpuRatio(tier, cpuOvercommit))));
  const wholeMi = Number((BigInt(memory) * 2n) / (3n * BigInt(MiB))) * MiB;
  const memoryRequest = Math.min(memory, Math.max(MiB, wholeMi));
  return { requests: { cpu: formatCpu(cpuRequest), memory: formatMemory(memoryRequest) }, limits: canonical };
};

/** The parts of a container (V1Container fits) that QoS and quota look at. */
export interface ResourcedContainer {
  readonly resources?: {
    readonly requests?: { readonly cpu?: string; readonly memory?: string };
    readonly limits?: { readonly cpu?: string; readonly memory?: string };
  };
}

type Compute = 'cpu' | 'memory';
const COMPUTE: readonly Compute[] = ['cpu', 'memory'];
const amount = (resource: Compute, text: string) => parseQuantity(text, resource === 'cpu' ? 'millis' : 'units');

/**
 * A container's effective request: as the API server defaults it, a resource with a limit and no request
 * is requested at its limit.
 */
const requestOf = (c: ResourcedContainer, resource: Compute): number => {
  const text = c.resources?.requests?.[resource] ?? c.resources?.limits?.[resource];
  return text === undefined ? 0 : amount(resource, text);
};
const limitOf = (c: ResourcedContainer, resource: Compute): number => {
  const text = c.resources?.limits?.[resource];
  return text === undefined ? 0 : amount(resource, text);
};

/**
 * The pod's QoS class by Kubernetes' rules (GetPodQOS), on the containers as the API server would default
 * them: only CPU and memory count, and zero counts as unset. BestEffort when nothing is requested or
 * limited; Guaranteed when every container limits both CPU and memory and, summed over the pod, each
 * request equals its limit; Burstable otherwise.
 */
export const qosClass = (containers: readonly ResourcedContainer[]): QosClass => {
  const requests = new Map<Compute, number>();
  const limits = new Map<Compute, number>();
  let guaranteed = true;
  for (const c of containers) {
    for (const r of COMPUTE) {
      const request = requestOf(c, r);
      const limit = limitOf(c, r);
      if (request > 0) requests.set(r, (requests.get(r) ?? 0) + request);
      if (limit > 0) limits.set(r, (limits.get(r) ?? 0) + limit);
      else guaranteed = false;
    }
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  const matched = [...requests].every(([r, request]) => limits.get(r) === request);
  return guaranteed && matched && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
};

/** What a workload takes from a namespace's quota: summed requests and limits, and the pod count. */
export interface Demand {
  readonly cpuRequestsMillis: number;
  readonly memoryRequestsBytes: number;
  readonly cpuLimitsMillis: number;
  readonly memoryLimitsBytes: number;
  readonly pods: number;
}

/** A Deployment spec as far as demand goes (V1DeploymentSpec fits). */
export interface DeploymentSpecLike {
  readonly replicas?: number;
  readonly strategy?: { readonly type?: string; readonly rollingUpdate?: { readonly maxSurge?: number | string } };
  readonly template: { readonly spec?: { readonly containers: readonly ResourcedContainer[] } };
}

/** Kubernetes' default for a RollingUpdate Deployment. */
const DEFAULT_MAX_SURGE = '25%';

/**
 * Extra pods a rolling update may run on top of `replicas`: maxSurge as given, a percentage rounded UP
 * (as the Deployment controller rounds maxSurge; it rounds maxUnavailable down), 25% when unset; none for
 * a Recreate strategy, which stops the old pods first.
 */
export const surgeOf = (spec: DeploymentSpecLike, replicas: number): number => {
  if (spec.strategy?.type === 'Recreate') return 0;
  const surge = spec.strategy?.rollingUpdate?.maxSurge ?? DEFAULT_MAX_SURGE;
  if (typeof surge === 'number') return surge;
  const percent = /^(\d+)%$/.exec(surge);
  if (!percent) throw new InvalidInputError(`maxSurge "${surge}" is neither a number nor a percentage`);
  return Math.ceil((replicas * Number(percent[1])) / 100);
};

/**
 * Requests and limits (requests defaulted from limits, as the API server does) times the replicas. With
 * `rollout`, counted at the peak of a rolling update: replicas + maxSurge pods, all at the new size (an
 * upper bound: during the update some of them are still old pods). `replicas` overrides the spec's, e.g.
 * the HPA's current count when the rendered spec leaves replicas out; unset in both means 1, the API's
 * default. Containers only: capstan renders no init containers.
 */
export const demandOf = (spec: DeploymentSpecLike, options: { replicas?: number; rollout?: boolean } = {}): Demand => {
  const replicas = options.replicas ?? spec.replicas ?? 1;
  const pods = replicas + (options.rollout ? surgeOf(spec, replicas) : 0);
  const containers = spec.template.spec?.containers ?? [];
  const sum = (of: (c: ResourcedContainer) => number) => pods * containers.reduce((total, c) => total + of(c), 0);
  return {
    cpuRequestsMillis: sum((c) => requestOf(c, 'cpu')),
    memoryRequestsBytes: sum((c) => requestOf(c, 'memory')),
    cpuLimitsMillis: sum((c) => limitOf(c, 'cpu')),
    memoryLimitsBytes: sum((c) => limitOf(c, 'memory')),
    pods,
  };
};
