import type { Change } from '../kube/optimistic.ts';
import type { CephAccess } from './access.ts';

/** A client watching an image's header (`rbd status`): a live librbd that has it open. */
export interface RbdWatcher {
  /** Ceph entity address, e.g. `127.0.0.2:0/2950601841`. */
  readonly address: string;
  /** e.g. `client.4308` */
  readonly client: string;
  readonly cookie: string;
}

/** An advisory lock on an image (`rbd lock ls`): the exclusive lock a writer takes, or a legacy one. */
export interface RbdLock {
  readonly id: string;
  /** e.g. `client.4308` */
  readonly locker: string;
  readonly address: string;
}

export interface ImageStatus {
  readonly watchers: readonly RbdWatcher[];
  readonly locks: readonly RbdLock[];
}

/** One blocklist entry, as `osd dump` has it: `127.0.0.2:0/0` and when it expires. */
export interface BlocklistEntry {
  readonly entity: string;
  readonly until: string;
}

/**
 * The one port through which healing touches a Ceph cluster (issue 11), in capstan's words, errors
 * translated (lib/errors.ts: retryable when Ceph did not answer, terminal when it refused). Every action is
 * idempotent and says `unchanged` when there was nothing to do.
 */
export interface CephGateway {
  /** The capstan cluster whose Ceph this is (for messages). */
  readonly cluster: string;
  /** Watchers and locks of an image now; undefined when the pool or image does not exist. */
  imageStatus(pool: string, image: string): Promise<ImageStatus | undefined>;
  /** Breaks one lock (`rbd lock rm`) without blocklisting its client (the caller blocked its whole address); `unchanged` when it is gone. */
  removeLock(pool: string, image: string, lock: Pick<RbdLock, 'id' | 'locker'>): Promise<Change>;
  /** Every blocklist entry now. */
  blocklist(): Promise<readonly BlocklistEntry[]>;
  /** Blocklists every client of one address (`<ip>:0/0`); `unchanged` when that entry is there already. */
  blocklistAdd(ip: string, expireSeconds: number): Promise<Change>;
  /** Lifts that entry; `unchanged` when it is not there. */
  blocklistRemove(ip: string): Promise<Change>;
  /**
   * Every address a Ceph daemon uses (mon, mgr, OSD, MDS, and service-map daemons such as RGW and
   * rbd-mirror): none of them is ever blocked. One form, `ip:port` or `[ip6]:port` (no `v1:`/`v2:`, no
   * nonce; port 0 for a daemon that is only a RADOS client): compare by IP (rbd-free.ts ipOf).
   */
  daemonAddresses(): Promise<readonly string[]>;
}

export type ConnectCeph = (cluster: string, access: CephAccess) => Promise<CephGateway>;
