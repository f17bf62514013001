import type { CephGateway, ConnectCeph, ImageStatus, RbdLock, RbdWatcher } from '../../lib/ceph/ports.ts';
import { ipOf } from '../../lib/heal/decisions/rbd-free.ts';

/**
 * Ceph clusters in memory behind the CephGateway port, for unit tests of the use cases that free RBD
 * images. It keeps what a real Pacific cluster was seen to do (test/integration/ceph-gateway.test.ts): a
 * blocklisted client loses its watch at once while its lock stays listed until broken; adding an entry
 * that is there, or removing one that is not, is `unchanged`.
 */
export interface MemoryCeph {
  readonly connect: ConnectCeph;
  /** A client at `address` (`127.0.0.2:0/123`) opens the image (a watch) and, unless `watchOnly`, writes (the lock). */
  hold(cluster: string, pool: string, image: string, address: string, options?: { watchOnly?: boolean }): void;
  create(cluster: string, pool: string, image: string): void;
  status(cluster: string, pool: string, image: string): ImageStatus | undefined;
  blocklisted(cluster: string): string[];
  /** Addresses of the cluster's daemons (default: 127.0.0.1's mon, mgr and OSD). */
  setDaemons(cluster: string, addresses: readonly string[]): void;
  /** Every call the use cases made, as `verb args`. */
  readonly calls: string[];
}

interface CephState {
  readonly images: Map<string, { watchers: RbdWatcher[]; locks: RbdLock[] }>;
  readonly blocklist: Map<string, string>;
  daemons: readonly string[];
}

export const memoryCeph = (): MemoryCeph => {
  const clusters = new Map<string, CephState>();
  const calls: string[] = [];
  let client = 4000;
  const of = (cluster: string): CephState => {
    let state = clusters.get(cluster);
    if (!state) {
      state = { images: new Map(), blocklist: new Map(), daemons: ['v2:127.0.0.1:3300/0', 'v1:127.0.0.1:6789/0'] };
      clusters.set(cluster, state);
    }
    return state;
  };
  const image = (cluster: string, pool: string, name: string) => of(cluster).images.get(`${pool}/${name}`);
  const copy = (i: { watchers: RbdWatcher[]; locks: RbdLock[] }): ImageStatus => structuredClone(i);

  const gateway = (cluster: string): CephGateway => ({
    cluster,
    imageStatus: async (pool, name) => {
      calls.push(`imageStatus ${pool}/${name}`);
      const found = image(cluster, pool, name);
      return found ? copy(found) : undefined;
    },
    removeLock: async (pool, name, lock) => {
      calls.push(`removeLock ${pool}/${name} ${lock.locker}`);
      const found = image(cluster, pool, name);
      const before = found?.locks.length ?? 0;
      if (found) found.locks = found.locks.filter((l) => !(l.id === lock.id && l.locker === lock.locker));
      return (found?.locks.length ?? 0) < before ? 'changed' : 'unchanged';
    },
    blocklist: async () => [...of(cluster).blocklist.entries()].map(([entity, until]) => ({ entity, until })),
    blocklistAdd: async (ip, expireSeconds) => {
      calls.push(`blocklistAdd ${ip}`);
      const state = of(cluster);
      const entity = `${ip}:0/0`;
      if (state.blocklist.has(entity)) return 'unchanged';
      state.blocklist.set(entity, new Date(Date.now() + expireSeconds * 1000).toISOString());
      for (const i of state.images.values()) i.watchers = i.watchers.filter((w) => ipOf(w.address) !== ip);
      return 'changed';
    },
    blocklistRemove: async (ip) => {
      calls.push(`blocklistRemove ${ip}`);
      return of(cluster).blocklist.delete(`${ip}:0/0`) ? 'changed' : 'unchanged';
    },
    daemonAddresses: async () => [...of(cluster).daemons],
  });

  return {
    connect: async (cluster) => gateway(cluster),
    create: (cluster, pool, name) => {
      of(cluster).images.set(`${pool}/${name}`, image(cluster, pool, name) ?? { watchers: [], locks: [] });
    },
    hold: (cluster, pool, name, address, options = {}) => {
      const state = of(cluster);
      const found = image(cluster, pool, name) ?? { watchers: [], locks: [] };
      const id = `client.${++client}`;
      found.watchers.push({ address, client: id, cookie: String(client) });
      if (!options.watchOnly) found.locks.push({ id: `auto ${client}`, locker: id, address });
      state.images.set(`${pool}/${name}`, found);
    },
    status: (cluster, pool, name) => {
      const found = image(cluster, pool, name);
      return found ? copy(found) : undefined;
    },
    blocklisted: (cluster) => [...of(cluster).blocklist.keys()].sort(),
    setDaemons: (cluster, addresses) => {
      of(cluster).daemons = addresses;
    },
    calls,
  };
};
