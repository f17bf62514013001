import type { NodeView } from '../../kube/nodes.ts';
import type { NodeHeal } from '../../store/heals.ts';
import { hasOutOfServiceTaint } from './fencing.ts';
import type { LostVerdict, NotLostCode } from './node-lost.ts';

/**
 * May capstan free a Ceph RBD image held by a node, by blocklisting that node's address (issue 11)? Two
 * writers on one image corrupt its filesystem, so the answer is yes only when everything read fresh at
 * decision time says the holder is dead and fenced, and the address to block is that node's and nobody
 * else's. The address comes from the lost Node's `status.addresses`, never from the image's watchers: by the
 * time watchers are read, a new pod may already be watching from another node, which is how Rook's automatic
 * fencing blocklisted the wrong IP (rook#14832, rook#12923). Watchers are evidence only: a watcher at an
 * address that is not the lost node's means someone else holds the image, and nothing is done.
 *
 * The use case (../use-cases/free-image.ts) reads the cluster, the heal record and Ceph, and acts on it.
 */

export interface RbdFreeObservation {
  /** The lost node's proof, taken again now (../decisions/node-lost.ts): storm guard included. */
  readonly verdict: LostVerdict;
  /** The node that holds the image (its VolumeAttachment's `spec.nodeName`), as read now. */
  readonly holder: NodeView | undefined;
  /** capstan's heal of that node: it must have fenced it. */
  readonly heal: Pick<NodeHeal, 'phase' | 'taintedAt'> | undefined;
  /** Every Node of the cluster, read now: an address of a Ready node is never blocked. */
  readonly nodes: readonly NodeView[];
  /** The node the pod that cannot mount the image runs on, if it is scheduled. */
  readonly requesterNode?: string;
  /** The image's watchers and lockers as Ceph reports them now: `127.0.0.2:0/2950601841`. */
  readonly watchers: readonly string[];
  readonly lockers: readonly string[];
  /**
   * Capstan cannot read Ceph (the network-fence path: ceph-csi does the blocking): watchers and lockers are
   * then unknown, not empty, and only what the cluster says is judged.
   */
  readonly holdersUnknown?: boolean;
  /** Addresses never to block: every Ceph daemon's (mons, mgrs, OSDs) and capstan's own. */
  readonly cephAddresses: readonly string[];
  readonly capstanAddresses: readonly string[];
}

export type NotFreeCode =
  | NotLostCode
  | 'holder-unknown'
  | 'not-fenced'
  | 'same-node'
  | 'no-address'
  | 'address-of-other-node'
  | 'address-of-ceph'
  | 'address-of-capstan'
  | 'watcher-elsewhere'
  | 'already-free';

export type RbdFreeVerdict =
  | {
      readonly free: true;
      /** The addresses to blocklist: the lost node's, as its Node says. */
      readonly block: readonly string[];
      readonly reason: string;
    }
  | { readonly free: false; readonly code: NotFreeCode; readonly reason: string };

/** The IP of a Ceph entity address (`127.0.0.2:0/123`, `v1:127.0.0.2:6789/0`, `[::1]:0/5`); undefined if none. */
export const ipOf = (address: string): string | undefined => {
  const bare = address.replace(/^v[12]:/, '');
  const v6 = /^\[([0-9a-fA-F:.]+)\](?::\d+)?(?:\/\d+)?$/.exec(bare);
  if (v6) return v6[1];
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3})(?::\d+)?(?:\/\d+)?$/.exec(bare);
  return v4?.[1];
};

/** Addresses a node can be reached at, by Ceph clients: its InternalIP and ExternalIP entries. */
const ipsOf = (node: Pick<NodeView, 'addresses'>): string[] =>
  node.addresses.filter((a) => a.type === 'InternalIP' || a.type === 'ExternalIP').map((a) => a.address);

export const rbdFreeVerdict = (seen: RbdFreeObservation): RbdFreeVerdict => {
  const no = (code: NotFreeCode, reason: string) => ({ free: false, code, reason }) as const;
  const { holder, verdict } = seen;
  if (!holder) return no('holder-unknown', 'no node is known to hold the image (no VolumeAttachment names one)');
  if (!verdict.lost) return no(verdict.code, `the holder ${holder.name} is not proven lost: ${verdict.reason}`);
  const fenced =
    seen.heal !== undefined &&
    (seen.heal.phase === 'fencing' || seen.heal.phase === 'fenced') &&
    seen.heal.taintedAt !== undefined &&
    holder.unschedulable &&
    hasOutOfServiceTaint(holder);
  if (!fenced) {
    return no(
      'not-fenced',
      `capstan has not fenced ${holder.name} (cordoned, out-of-service) yet: nothing is freed first`,
    );
  }
  if (seen.requesterNode === holder.name) {
    return no('same-node', `the pod that cannot mount the image runs on ${holder.name} itself`);
  }
  const addresses = ipsOf(holder);
  if (addresses.length === 0) return no('no-address', `node ${holder.name} has no InternalIP or ExternalIP to block`);

  let block: string[];
  if (seen.holdersUnknown) {
    // ceph-csi blocks what the NetworkFence names: the node's InternalIPs (an ExternalIP is often a NAT
    // address other machines share), all of its addresses only when it has no InternalIP.
    const internal = holder.addresses.filter((a) => a.type === 'InternalIP').map((a) => a.address);
    block = internal.length > 0 ? internal : addresses;
  } else {
    const holders = [...seen.watchers, ...seen.lockers];
    const elsewhere = holders.filter((a) => {
      const ip = ipOf(a);
      return ip === undefined || !addresses.includes(ip);
    });
    if (elsewhere.length > 0) {
      // Someone other than the lost node watches or locks the image: it may be alive, and blocking the lost
      // node's address would not free the image anyway.
      return no(
        'watcher-elsewhere',
        `the image is held from ${elsewhere.join(', ')}, not only from ${holder.name} (${addresses.join(', ')})`,
      );
    }
    if (holders.length === 0) return no('already-free', 'no watcher and no lock: the image is free already');
    // Only the addresses the image is really held from: `<ip>:0/0` cuts off every client of that address.
    block = [...new Set(holders.map((a) => ipOf(a) ?? ''))].sort();
  }

  for (const ip of block) {
    // Any other Node listing the address, whatever its condition: a NotReady node may be alive (its kubelet
    // posting False), a joining one may have been given the address again.
    const other = seen.nodes.find((n) => n.name !== holder.name && ipsOf(n).some((a) => sameIp(a, ip)));
    if (other) return no('address-of-other-node', `${ip} is also the address of node ${other.name}`);
    if (seen.cephAddresses.some((a) => sameIp(ipOf(a) ?? a, ip))) {
      return no('address-of-ceph', `${ip} is the address of a Ceph daemon: blocking it would cut off the cluster`);
    }
    if (seen.capstanAddresses.some((a) => sameIp(a, ip)))
      return no('address-of-capstan', `${ip} is capstan's own address`);
  }
  const what = seen.holdersUnknown ? "(Ceph's watchers are left to ceph-csi)" : 'the image is held only from there';
  return {
    free: true,
    block,
    reason: `${holder.name} is lost and fenced; ${block.join(', ')} is its own address, no other node's, Ceph's or capstan's; ${what}`,
  };
};

/** Two spellings of one IP are the same address (`::1` and `0:0:0:0:0:0:0:1`, `::ffff:10.0.0.5` and `10.0.0.5`). */
export const sameIp = (a: string, b: string): boolean => normalIp(a) === normalIp(b);

const normalIp = (ip: string): string => {
  const v4 = /^(?:::ffff:)?(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (v4?.[1]) return v4[1].split('.').map(Number).join('.');
  if (!ip.includes(':')) return ip;
  const [head = '', tail = ''] = ip.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return groups.map((g) => g.replace(/^0+(?=.)/, '')).join(':');
};

/**
 * Verdicts a later look may overturn, so freeing waits for them (bounded by the look limit): the holder
 * not proven lost yet, or not fenced yet. Every other refusal stops: the holder may be alive, or the
 * address is not safe to block.
 */
export const WAIT_FOR: readonly NotFreeCode[] = [
  'not-ready-too-briefly',
  'lease-renewed',
  'storm',
  'zone-storm',
  'no-healthy-majority',
  'not-fenced',
];
