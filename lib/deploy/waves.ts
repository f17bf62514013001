import type { Cluster } from '../store/clusters.ts';

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
