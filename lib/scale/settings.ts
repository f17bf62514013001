/** How scaling paces itself. */
export interface ScaleSettings {
  /** How long one step holds the workload's lease: longer than the function's timeout. */
  readonly leaseSeconds: number;
  /** A signal that found the workload's lease held (a release in flight) is looked at again after this long. */
  readonly leaseWaitSeconds: number;
  /** How many times such a signal waits before it gives up (and says so). */
  readonly maxLeaseWaits: number;
}

export const defaultScaleSettings: ScaleSettings = { leaseSeconds: 60, leaseWaitSeconds: 20, maxLeaseWaits: 60 };

export const scaleSettingsFromEnv = (source: NodeJS.ProcessEnv = process.env): ScaleSettings => {
  const num = (name: string, fallback: number) => {
    const value = Number(source[name]);
    return Number.isFinite(value) && value > 0 ? value : fallback;
  };
  return {
    leaseSeconds: num('CAPSTAN_SCALE_LEASE_SECONDS', defaultScaleSettings.leaseSeconds),
    leaseWaitSeconds: num('CAPSTAN_SCALE_LEASE_WAIT_SECONDS', defaultScaleSettings.leaseWaitSeconds),
    maxLeaseWaits: num('CAPSTAN_SCALE_MAX_LEASE_WAITS', defaultScaleSettings.maxLeaseWaits),
  };
};
