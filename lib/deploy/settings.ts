/** Docker Hub's registry API; CAPSTAN_DOCKERHUB_REGISTRY_URL points elsewhere (a mirror, or a test registry). */
export const DOCKER_HUB_API = 'https://registry-1.docker.io';

export interface RolloutTiming {
  /** Delay before the first rollout.check, and the cap of the backoff between checks. */
  readonly firstCheckSeconds: number;
  readonly maxCheckIntervalSeconds: number;
  /** A rollout not ready after this long is failed (on top of Kubernetes' own progress deadline). */
  readonly timeoutSeconds: number;
}

export const defaultRolloutTiming: RolloutTiming = {
  firstCheckSeconds: 2,
  maxCheckIntervalSeconds: 15,
  timeoutSeconds: 600,
};

/** Overridable per deployment (and shortened by tests): CAPSTAN_ROLLOUT_TIMEOUT_SECONDS and friends. */
export const rolloutTimingFromEnv = (source: NodeJS.ProcessEnv = process.env): RolloutTiming => {
  const num = (name: string, fallback: number) => {
    const value = Number(source[name]);
    return Number.isFinite(value) && value > 0 ? value : fallback;
  };
  return {
    firstCheckSeconds: num('CAPSTAN_ROLLOUT_FIRST_CHECK_SECONDS', defaultRolloutTiming.firstCheckSeconds),
    maxCheckIntervalSeconds: num('CAPSTAN_ROLLOUT_MAX_INTERVAL_SECONDS', defaultRolloutTiming.maxCheckIntervalSeconds),
    timeoutSeconds: num('CAPSTAN_ROLLOUT_TIMEOUT_SECONDS', defaultRolloutTiming.timeoutSeconds),
  };
};

/**
 * How long a release holds a workload's lease on a cluster (lib/store/scale-overrides.ts workloadLease):
 * from its apply until the cluster's rollout settles, which the rollout timeout bounds, plus one check
 * interval and a minute for the check that says so to run. A release that dies leaves it to expire.
 */
export const releaseLeaseSeconds = (timing: RolloutTiming): number =>
  timing.timeoutSeconds + timing.maxCheckIntervalSeconds + 60;

/** The lease holder of a release: every revision of one app and environment is the same holder (they are serialized). */
export const releaseLeaseHolder = (app: string, environment: string): string => `release/${app}/${environment}`;
