import type { Demand } from './qos.ts';
import { formatCpu, formatMemory, parseQuantity } from './quantity.ts';

/** A ResourceQuota as far as pods go (V1ResourceQuota fits). */
export interface QuotaLike {
  readonly metadata?: { readonly name?: string };
  readonly spec?: {
    readonly hard?: Readonly<Record<string, string>>;
    readonly scopes?: readonly string[];
    readonly scopeSelector?: {
      readonly matchExpressions?: readonly {
        readonly scopeName: string;
        readonly operator: string;
        readonly values?: readonly string[];
      }[];
    };
  };
  readonly status?: {
    readonly hard?: Readonly<Record<string, string>>;
    readonly used?: Readonly<Record<string, string>>;
  };
}

type Kind = 'cpu' | 'memory' | 'count';

/** The quota keys a Deployment's pods consume; `cpu`/`memory` are the API's aliases of the requests. */
const TRACKED: readonly (readonly [string, keyof Demand, Kind])[] = [
  ['requests.cpu', 'cpuRequestsMillis', 'cpu'],
  ['cpu', 'cpuRequestsMillis', 'cpu'],
  ['requests.memory', 'memoryRequestsBytes', 'memory'],
  ['memory', 'memoryRequestsBytes', 'memory'],
  ['limits.cpu', 'cpuLimitsMillis', 'cpu'],
  ['limits.memory', 'memoryLimitsBytes', 'memory'],
  ['pods', 'pods', 'count'],
  ['count/pods', 'pods', 'count'],
];

const parse = (kind: Kind, text: string) => parseQuantity(text, kind === 'cpu' ? 'millis' : 'units');
const format = (kind: Kind, n: number) =>
  kind === 'cpu' ? formatCpu(n) : kind === 'memory' ? formatMemory(n) : String(n);

/**
 * Does the quota's scope take in capstan's pods? They run without activeDeadlineSeconds (NotTerminating),
 * without a priority class (assumes no globalDefault PriorityClass) and without cross-namespace affinity;
 * they are BestEffort only when nothing is requested or limited. Scopes capstan does not know are taken to
 * apply: better a refusal with a reason than pods the quota admission turns away later.
 */
const appliesTo = (quota: QuotaLike, bestEffort: boolean): boolean => {
  const scope = (name: string, operator = 'Exists', values: readonly string[] = []): boolean => {
    switch (name) {
      case 'Terminating':
        return false;
      case 'NotTerminating':
        return true;
      case 'BestEffort':
        return bestEffort;
      case 'NotBestEffort':
        return !bestEffort;
      case 'CrossNamespacePodAffinity':
        return false;
      case 'PriorityClass':
        return operator === 'DoesNotExist' || (operator === 'NotIn' && !values.includes(''));
      default:
        return true;
    }
  };
  return (
    (quota.spec?.scopes ?? []).every((s) => scope(s)) &&
    (quota.spec?.scopeSelector?.matchExpressions ?? []).every((e) => scope(e.scopeName, e.operator, e.values))
  );
};

/**
 * Pure: what a demand would overrun in the given quotas (every quota that applies must have room; status
 * hard - used is what the quota admission enforces). With `current`, what the workload holds today is
 * already in `used`, so only the difference must fit (a rolling update replaces pods). `unknown` lists
 * quotas the controller has not computed yet: the quota admission refuses pods until it has.
 */
export const quotaShortfallsIn = (
  namespace: string,
  quotas: readonly QuotaLike[],
  demand: Demand,
  current?: Demand,
): { shortfalls: string[]; unknown: string[] } => {
  const shortfalls: string[] = [];
  const unknown: string[] = [];
  const bestEffort =
    demand.cpuRequestsMillis + demand.memoryRequestsBytes + demand.cpuLimitsMillis + demand.memoryLimitsBytes === 0;
  for (const quota of [...quotas].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''))) {
    if (!appliesTo(quota, bestEffort)) continue;
    const name = `ResourceQuota ${namespace}/${quota.metadata?.name ?? '?'}`;
    const keys = TRACKED.filter(([key]) => quota.spec?.hard?.[key] !== undefined);
    const hard = quota.status?.hard ?? {};
    const used = quota.status?.used ?? {};
    const notYet = keys.filter(([key]) => hard[key] === undefined || used[key] === undefined).map(([key]) => key);
    if (notYet.length > 0) {
      unknown.push(`${name} has no usage for ${notYet.join(', ')} yet`);
      continue;
    }
    for (const [key, field, kind] of keys) {
      const adds = demand[field] - (current?.[field] ?? 0);
      if (adds <= 0) continue;
      const h = parse(kind, hard[key] as string);
      const u = parse(kind, used[key] as string);
      const room = Math.max(0, h - u);
      if (adds > room) {
        shortfalls.push(
          `${name}: ${key} needs ${format(kind, adds)} more, only ${format(kind, room)} left (hard ${hard[key]}, used ${used[key]})`,
        );
      }
    }
  }
  return { shortfalls, unknown };
};

/**
 * The replica count a release is charged for against the quota. The rendered Deployment's own count when it
 * has one. An HPA-managed Deployment carries none (the HPA's), so: what runs now (the HPA's last word, which
 * the release does not change), and never less than the HPA's `minReplicas`, which the HPA controller scales
 * a new or smaller Deployment up to right after the apply. Not `maxReplicas`: a release does not make the
 * HPA scale out, and charging the ceiling would refuse releases that change nothing about the pod count (the
 * quota admission still stops pods an HPA later asks for beyond the quota). No HPA among the objects (one
 * someone else owns): what runs, else the API's default of 1.
 */
export const chargedReplicas = (rendered: number | undefined, running: number | undefined, hpaMin?: number): number => {
  if (rendered !== undefined) return rendered;
  if (hpaMin !== undefined) return Math.max(running ?? 0, hpaMin);
  return running ?? 1;
};

/**
 * Pure: how many more pods like `perPod` (one replica's demand) the namespace's quotas have room for, by
 * the same arithmetic as the gate (every applicable quota, status hard - used); undefined when no quota
 * limits what such a pod uses. Scaling's override raises a ceiling only within this room (issue 12).
 * Throws nothing: a quota not computed yet counts as no room (`unknown` names it), since its admission
 * refuses pods until it is.
 */
export const podRoomIn = (
  quotas: readonly QuotaLike[],
  perPod: Demand,
): { room: number | undefined; unknown: string[] } => {
  let room: number | undefined;
  const unknown: string[] = [];
  const bestEffort =
    perPod.cpuRequestsMillis + perPod.memoryRequestsBytes + perPod.cpuLimitsMillis + perPod.memoryLimitsBytes === 0;
  for (const quota of quotas) {
    if (!appliesTo(quota, bestEffort)) continue;
    const hard = quota.status?.hard ?? {};
    const used = quota.status?.used ?? {};
    for (const [key, field, kind] of TRACKED.filter(([k]) => quota.spec?.hard?.[k] !== undefined)) {
      if (perPod[field] <= 0) continue;
      if (hard[key] === undefined || used[key] === undefined) {
        unknown.push(`ResourceQuota ${quota.metadata?.name ?? '?'} has no usage for ${key} yet`);
        room = 0;
        continue;
      }
      const left = Math.max(0, parse(kind, hard[key] as string) - parse(kind, used[key] as string));
      room = Math.min(room ?? Number.POSITIVE_INFINITY, Math.floor(left / perPod[field]));
    }
  }
  return { room, unknown };
};
