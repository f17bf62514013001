import { defaultFencePolicy, type FencePolicy } from './decisions/fencing.ts';
import { defaultLostPolicy, type LostPolicy } from './decisions/node-lost.ts';
import { defaultRecoveryPolicy, type RecoveryPolicy } from './decisions/recovery.ts';

/** How healing judges and paces itself: the three decisions' policies and how long it keeps looking. */
export interface HealSettings {
  readonly lost: LostPolicy;
  readonly fence: FencePolicy;
  readonly recovery: RecoveryPolicy;
  /** A candidate not yet proven lost is looked at again at most this many times (then the next event or sweep). */
  readonly maxRechecks: number;
  /** Fencing waits this long for the controllers to remove pods and VolumeAttachments, then says it stalled. */
  readonly fenceTimeoutSeconds: number;
  /** How long one step holds its node's lease: longer than the function's timeout. */
  readonly leaseSeconds: number;
  /**
   * A heal under way whose record has not moved for this long has lost its chain of looks (a crash between
   * two writes, a look given up): the next event or the sweep carries it on. Every live chain touches the
   * record at each look, so this is many looks long.
   */
  readonly staleAfterSeconds: number;
  /** How long a NetworkFence may go unanswered before capstan says no csi-addons controller is there. */
  readonly fencePatienceSeconds: number;
}

export const defaultHealSettings: HealSettings = {
  lost: defaultLostPolicy,
  fence: defaultFencePolicy,
  recovery: defaultRecoveryPolicy,
  maxRechecks: 20,
  fenceTimeoutSeconds: 900,
  leaseSeconds: 60,
  staleAfterSeconds: 300,
  fencePatienceSeconds: 120,
};

export const healSettingsFromEnv = (source: NodeJS.ProcessEnv = process.env): HealSettings => {
  // The names are in lib/contract.ts's tunables, which every function is given.
  const num = (name: string, fallback: number) => {
    const value = Number(source[name]);
    return source[name] !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
  };
  const d = defaultHealSettings;
  const recheck = num('CAPSTAN_HEAL_RECHECK_SECONDS', d.fence.recheckSeconds);
  return {
    ...d,
    lost: {
      ...d.lost,
      notReadyForSeconds: num('CAPSTAN_HEAL_NOT_READY_SECONDS', d.lost.notReadyForSeconds),
      leaseSilentForSeconds: num('CAPSTAN_HEAL_LEASE_SILENT_SECONDS', d.lost.leaseSilentForSeconds),
      allowControlPlane: source.CAPSTAN_HEAL_ALLOW_CONTROL_PLANE === 'true',
    },
    fence: { recheckSeconds: recheck },
    recovery: {
      ...d.recovery,
      stableForSeconds: num('CAPSTAN_HEAL_STABLE_SECONDS', d.recovery.stableForSeconds),
      recheckSeconds: recheck,
    },
    fenceTimeoutSeconds: num('CAPSTAN_HEAL_FENCE_TIMEOUT_SECONDS', d.fenceTimeoutSeconds),
    staleAfterSeconds: Math.max(60, recheck * 30),
    fencePatienceSeconds: Math.max(60, recheck * 12),
  };
};
