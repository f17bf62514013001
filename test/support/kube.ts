import { inject } from 'vitest';
import { connector } from '../../lib/kube/connect.ts';
import type { Cluster } from '../../lib/store/clusters.ts';

/** The harness's local clusters as capstan registers them: by kubeconfig reference. */
export const localClusters = (environment = 'staging'): Cluster[] =>
  inject('infra').clusters.map((c, wave) => ({
    name: c.name,
    environment,
    wave,
    credentials: { kind: 'kubeconfig', path: c.kubeconfigPath, context: c.context },
    registeredAt: new Date().toISOString(),
  }));

export const connect = connector();

/** Polls until `check` returns a value, or fails with the last state seen. */
export const eventually = async <T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 90_000,
  intervalMs = 300,
): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ''}`);
};
