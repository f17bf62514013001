import { networkInterfaces } from 'node:os';

/**
 * Every address this process's machine has (loopback included): healing never blocks one of them from
 * Ceph, or capstan would cut itself off from the cluster it heals.
 */
export const selfAddresses = (): string[] =>
  [...new Set(Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address)))].sort();
