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
