import type { ClusterRelease, Release } from '../../store/releases.ts';
import { failedThere } from './failed-there.ts';
import { type Version, versionOf } from './fleet-matrix.ts';

/**
 * How far a wave has got: every cluster Ready, one failed, some still rolling out, or none reached yet
 * (`waiting` while the release goes on, `not-reached` once it ended before the wave started). `unknown`:
 * the release ended (superseded, or failed elsewhere) while the wave was still rolling out, and rollout
 * checks stop at a release's end, so how it ended there was never learned (the fleet matrix says the same).
 */
export type WaveState = 'ready' | 'failed' | 'progressing' | 'waiting' | 'not-reached' | 'unknown';

/** One cluster of a wave: its part of the release as recorded, or nothing yet. */
export interface WaveCluster {
  readonly cluster: string;
  readonly state: ClusterRelease | null;
}

export interface WaveView {
  /** 0 for the first wave, as the release's `wave` counts. */
  readonly index: number;
  readonly state: WaveState;
  readonly clusters: readonly WaveCluster[];
}

/**
 * A release as the dashboard shows it: the record as `capstan releases --json` prints it, less the
 * manifests (large, and no page needs them: the CLI has them), with its version and its waves.
 */
export type ReleaseView = Omit<Release, 'manifests'> & {
  readonly version: Version;
  readonly waveProgress: readonly WaveView[];
};

const IN_FLIGHT: readonly Release['status'][] = ['applying', 'progressing'];

/** A wave's state from its clusters' records. */
export const waveState = (clusters: readonly WaveCluster[], releaseInFlight: boolean): WaveState => {
  const states = clusters.flatMap((c) => (c.state ? [c.state] : []));
  if (states.some((s) => failedThere(s, releaseInFlight))) return 'failed';
  if (states.length === clusters.length && states.every((s) => s.rollout === 'ready')) return 'ready';
  if (states.length > 0) return releaseInFlight ? 'progressing' : 'unknown';
  return releaseInFlight ? 'waiting' : 'not-reached';
};

/** The release with its waves' progress, from its record alone (rollout checks fill it in). */
export const releaseView = (release: Release): ReleaseView => {
  const { manifests: _, ...shown } = release;
  const inFlight = IN_FLIGHT.includes(release.status);
  return {
    ...shown,
    version: versionOf(release),
    waveProgress: release.waves.map((names, index) => {
      const clusters = names.map((cluster) => ({ cluster, state: release.clusters[cluster] ?? null }));
      return { index, state: waveState(clusters, inFlight), clusters };
    }),
  };
};
