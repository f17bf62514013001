import type { HpaView } from '../../kube/scaling.ts';
import type { ScaleOverride } from '../../store/scale-overrides.ts';
import { duration, stamp } from '../format.ts';
import type { EffectiveScaling } from '../scale-args.ts';

/**
 * What `capstan scale <app> --env <env>` shows, and its `--json` (a stable shape, README "capstan scale"):
 * the spec's scaling, then per cluster capstan's override record and what the cluster says now. Absent
 * things are `null`, never missing keys, so a script reads every field of every block.
 */
export interface ScaleView {
  readonly app: string;
  readonly environment: string;
  /** `namespace/Deployment/name`, as history entries and override records name it. */
  readonly workload: string;
  readonly spec: EffectiveScaling;
  readonly clusters: readonly ClusterScale[];
}

export interface ClusterScale {
  readonly cluster: string;
  readonly override: OverrideView | null;
  readonly live: LiveScale;
}

export interface OverrideView {
  readonly state: ScaleOverride['state'];
  readonly max: number;
  readonly specMax: number;
  readonly by: string;
  readonly raisedAt: string;
  readonly expiresAt: string;
  /** Seconds until expiresAt while active, 0 once due; null when reverted. */
  readonly expiresInSeconds: number | null;
  /** raisedAt + the spec's cooldown: no raise by an alert, and no revert on a resolve, before it. */
  readonly cooldownEndsAt: string;
  readonly cooldownLeftSeconds: number;
  readonly revertedAt: string | null;
  readonly eventId: string;
  /** The last verdict's code and words (a hold, a refusal), if the record has one. */
  readonly code: string | null;
  readonly reason: string | null;
}

export type LiveScale =
  | {
      readonly reachable: true;
      /** The HPA (spec `hpa: true`); null when there is none, or the spec has `hpa: false`. */
      readonly hpa: LiveHpa | null;
      /** The Deployment's replicas (spec `hpa: false`); null with an HPA, or when it does not exist. */
      readonly deployment: { readonly replicas: number; readonly readyReplicas: number } | null;
    }
  | { readonly reachable: false; readonly error: string };

export interface LiveHpa {
  readonly name: string;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly currentReplicas: number;
  readonly desiredReplicas: number;
  /** True with reason TooManyReplicas: the HPA is pinned at its max. Null before the controller says. */
  readonly scalingLimited: { readonly status: string; readonly reason: string | null } | null;
}

const secondsUntil = (iso: string, now: Date) => Math.max(0, Math.ceil((Date.parse(iso) - now.getTime()) / 1000));

export const overrideView = (o: ScaleOverride, spec: EffectiveScaling, now: Date): OverrideView => {
  const cooldownEndsAt = new Date(Date.parse(o.raisedAt) + spec.cooldownSeconds * 1000).toISOString();
  return {
    state: o.state,
    max: o.max,
    specMax: o.specMax,
    by: o.by,
    raisedAt: o.raisedAt,
    expiresAt: o.endsAt,
    expiresInSeconds: o.state === 'active' ? secondsUntil(o.endsAt, now) : null,
    cooldownEndsAt,
    cooldownLeftSeconds: secondsUntil(cooldownEndsAt, now),
    revertedAt: o.revertedAt ?? null,
    eventId: o.eventId,
    code: o.code ?? null,
    reason: o.reason ?? null,
  };
};

export const liveHpa = (h: HpaView): LiveHpa => {
  const limited = h.conditions.find((c) => c.type === 'ScalingLimited');
  return {
    name: h.name,
    minReplicas: h.minReplicas,
    maxReplicas: h.maxReplicas,
    currentReplicas: h.currentReplicas,
    desiredReplicas: h.desiredReplicas,
    scalingLimited: limited ? { status: limited.status, reason: limited.reason ?? null } : null,
  };
};

const specLine = (s: EffectiveScaling) => {
  const bounds = s.hpa
    ? `HPA min ${s.min} max ${s.max} at ${s.cpuTarget}% CPU`
    : `no HPA: the Deployment runs ${s.max} replicas`;
  const burst =
    s.burstMax > s.max
      ? `overrides up to ${s.burstMax} (step ${s.burstStep}) for ${duration(s.burstForSeconds)}`
      : 'no override above max (no burstMax)';
  return `spec: ${bounds}; cooldown ${duration(s.cooldownSeconds)}; ${burst}`;
};

const liveLine = (live: LiveScale, spec: EffectiveScaling): string => {
  if (!live.reachable) return `live:     unreachable: ${live.error}`;
  if (spec.hpa) {
    const h = live.hpa;
    if (!h) return 'live:     no HPA in the cluster (not released with autoscaling yet, or removed)';
    const limited = h.scalingLimited
      ? `; ScalingLimited ${h.scalingLimited.status}${h.scalingLimited.reason ? ` (${h.scalingLimited.reason})` : ''}`
      : '';
    return `live:     HPA ${h.name} min ${h.minReplicas} max ${h.maxReplicas}; replicas ${h.currentReplicas}, desired ${h.desiredReplicas}${limited}`;
  }
  const d = live.deployment;
  return d
    ? `live:     Deployment replicas ${d.replicas}, ${d.readyReplicas} ready`
    : 'live:     no Deployment in the cluster';
};

const overrideLines = (o: OverrideView | null): string[] => {
  if (!o) return ['override: none (capstan never overrode this workload here)'];
  const head =
    o.state === 'active'
      ? `override: active, max ${o.max} (spec ${o.specMax}) by ${o.by}; raised ${stamp(o.raisedAt)}, expires ${stamp(o.expiresAt)} (${o.expiresInSeconds ? `in ${duration(o.expiresInSeconds)}` : 'due now'})`
      : `override: reverted ${stamp(o.revertedAt ?? undefined)} to ${o.specMax}; last raise to ${o.max} by ${o.by} at ${stamp(o.raisedAt)}`;
  const cooldown =
    o.cooldownLeftSeconds > 0
      ? `cooldown: until ${stamp(o.cooldownEndsAt)} (${duration(o.cooldownLeftSeconds)} left)`
      : `cooldown: over (ended ${stamp(o.cooldownEndsAt)})`;
  return [head, cooldown, ...(o.code || o.reason ? [`last:     ${o.code ?? '-'}: ${o.reason ?? ''}`.trimEnd()] : [])];
};

/** One block per cluster under the spec's line; an unreachable cluster says so in its block. */
export const renderScale = (v: ScaleView): string =>
  [
    `${v.app} in ${v.environment} (${v.workload})`,
    specLine(v.spec),
    ...v.clusters.flatMap((c) => [
      '',
      `cluster ${c.cluster}`,
      ...[liveLine(c.live, v.spec), ...overrideLines(c.override)].map((l) => `  ${l}`),
    ]),
  ].join('\n');
