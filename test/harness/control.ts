import { inject } from 'vitest';

// Test-side helpers for the harness's control endpoint (see control-server.ts).
const call = async (cluster: string, action: 'stop' | 'start') => {
  const res = await fetch(`${inject('infra').controlUrl}/clusters/${encodeURIComponent(cluster)}/apiserver/${action}`, {
    method: 'POST',
  });
  if (res.status !== 200) throw new Error(`apiserver ${action} on ${cluster}: HTTP ${res.status} ${await res.text()}`);
};

/** Takes the cluster's control plane down (its data stays in etcd); resolves once it is unreachable. */
export const stopApiServer = (cluster: string) => call(cluster, 'stop');

/** Brings it back on the same address with the same certificate; resolves once it is ready again. */
export const startApiServer = (cluster: string) => call(cluster, 'start');
