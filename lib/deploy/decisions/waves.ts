import type { Reason, ReasonCode } from '../../reasons.ts';
import type { Cluster } from '../../store/clusters.ts';
import type { ApplyOutcome, RolloutState } from '../../store/releases.ts';

/** Clusters grouped by wave number, lowest first; gaps in the numbering do not make empty waves. */
export const groupWaves = (clusters: readonly Pick<Cluster, 'name' | 'wave'>[]): string[][] => {
  const byWave = new Map<number, string[]>();
  for (const c of [...clusters].sort((a, b) => a.wave - b.wave || a.name.localeCompare(b.name))) {
    byWave.set(c.wave, [...(byWave.get(c.wave) ?? []), c.name]);
  }
  return [...byWave.values()];
};

export type WaveVerdict =
  | { readonly next: 'wait' }
  | { readonly next: 'advance'; readonly wave: number }
  | { readonly next: 'succeeded' }
  | { readonly next: 'failed'; readonly clusters: readonly string[] };

/**
 * What a release does once one of its clusters settled: a failed cluster halts it (later waves never
 * start); a fully ready wave lets the next one start, or completes the release after the last wave.
 */
export const waveVerdict = (
  release: { readonly waves: readonly (readonly string[])[]; readonly wave: number },
  rollout: (cluster: string) => string | undefined,
): WaveVerdict => {
  const current = release.waves[release.wave] ?? [];
  const failed = current.filter((c) => rollout(c) === 'failed');
  if (failed.length > 0) return { next: 'failed', clusters: failed };
  if (!current.every((c) => rollout(c) === 'ready')) return { next: 'wait' };
  return release.wave + 1 < release.waves.length ? { next: 'advance', wave: release.wave + 1 } : { next: 'succeeded' };
};

/** Room in the namespace quota is what the gate asks; a cluster refusing the question for good says so. */
export const gateRefusal = (refusals: readonly Reason[]): Reason | undefined =>
  refusals.length === 0
    ? undefined
    : {
        code: refusals.some((r) => r.code === 'quota') ? 'quota' : (refusals[0]?.code ?? 'quota'),
        reason: `refused: ${refusals.map((r) => r.reason).join('; ')}`,
      };

/** How one cluster's apply of a wave ended. */
export type ClusterApply =
  | { readonly cluster: string; readonly outcome: Change }
  | {
      readonly cluster: string;
      readonly outcome: 'failed';
      readonly retryable: boolean;
      readonly code: ReasonCode;
      readonly message: string;
    };

export type WaveResult =
  | { readonly next: 'retry'; readonly message: string }
  | { readonly next: 'released' }
  | { readonly next: 'failed'; readonly why: Reason };

/**
 * A wave is released when every cluster took it; a cluster that may heal (unreachable) makes the whole
 * wave retry, re-applying as `unchanged` where it already succeeded; otherwise a failure fails the release.
 */
export const waveResult = (results: readonly ClusterApply[]): WaveResult => {
  const failed = results.filter((r) => r.outcome === 'failed');
  const retryable = failed.filter((r) => r.retryable);
  if (retryable.length > 0) return { next: 'retry', message: retryable.map((r) => r.message).join('; ') };
  if (failed.length === 0) return { next: 'released' };
  return {
    next: 'failed',
    why: { code: failed[0]?.code ?? 'apply-failed', reason: failed.map((r) => r.message).join('; ') },
  };
};

/**
 * A retry re-applies clusters that already succeeded: unchanged there, so their settled rollout stands
 * as it was instead of being watched again.
 */
export const settledRollout = (outcome: Change, previous: RolloutState | undefined): 'ready' | 'failed' | undefined =>
  outcome === 'unchanged' && (previous === 'ready' || previous === 'failed') ? previous : undefined;

type Change = Exclude<ApplyOutcome, 'failed'>;

/** The strongest change among a cluster's applies: created > configured > unchanged. */
export const strongestChange = (outcomes: readonly Change[]): Change =>
  outcomes.includes('created') ? 'created' : outcomes.includes('configured') ? 'configured' : 'unchanged';
