import { describe, expect, it } from 'vitest';
import { OUT_OF_SERVICE_TAINT } from '../../lib/heal/decisions/fencing.ts';
import type { LostVerdict } from '../../lib/heal/decisions/node-lost.ts';
import { ipOf, type RbdFreeObservation, rbdFreeVerdict } from '../../lib/heal/decisions/rbd-free.ts';
import type { NodeView } from '../../lib/kube/nodes.ts';

const figures = { nodes: 4, readyNodes: 3, unhealthyNodes: 1, maxUnhealthy: 1 };
const lost: LostVerdict = { lost: true, reason: 'lost', figures };

const node = (name: string, ip: string, over: Partial<NodeView> = {}): NodeView => ({
  name,
  ready: 'True',
  unschedulable: false,
  taints: [],
  addresses: [
    { type: 'InternalIP', address: ip },
    { type: 'Hostname', address: name },
  ],
  controlPlane: false,
  ...over,
});

const fencedA = node('a', '127.0.0.11', {
  ready: 'Unknown',
  unschedulable: true,
  taints: [{ ...OUT_OF_SERVICE_TAINT, timeAdded: '2026-12-01T10:00:00Z' }],
});
const b = node('b', '127.0.0.12');
const c = node('c', '127.0.0.13');

const seen = (over: Partial<RbdFreeObservation> = {}): RbdFreeObservation => ({
  verdict: lost,
  holder: fencedA,
  heal: { phase: 'fenced', taintedAt: '2026-12-01T10:00:00Z' },
  nodes: [fencedA, b, c],
  requesterNode: 'b',
  watchers: ['127.0.0.11:0/2950601841'],
  lockers: ['127.0.0.11:0/2950601841'],
  cephAddresses: ['v2:127.0.0.1:3300/0', 'v1:127.0.0.1:6789/0', '127.0.0.1:6800/1234'],
  capstanAddresses: ['127.0.0.1'],
  ...over,
});

describe('rbdFreeVerdict: free an RBD image only when its holder is dead, fenced, and the address is only its own', () => {
  it('a lost, fenced holder whose address alone watches and locks the image: block exactly that address', () => {
    expect(rbdFreeVerdict(seen())).toMatchObject({ free: true, block: ['127.0.0.11'] });
  });

  it.each<[string, Partial<RbdFreeObservation>, string]>([
    ['no node is known to hold it', { holder: undefined }, 'holder-unknown'],
    [
      'the holder is Ready (its holder may be alive)',
      { verdict: { lost: false, code: 'node-ready', reason: 'Ready', figures } },
      'node-ready',
    ],
    [
      'the holder is not proven lost yet',
      { verdict: { lost: false, code: 'not-ready-too-briefly', reason: 'brief', figures } },
      'not-ready-too-briefly',
    ],
    [
      'a storm: more nodes lost than healing may fence',
      { verdict: { lost: false, code: 'storm', reason: 'storm', figures } },
      'storm',
    ],
    ['capstan has not fenced it (no heal)', { heal: undefined }, 'not-fenced'],
    [
      'capstan is still waiting for approval',
      { heal: { phase: 'awaiting-approval', taintedAt: undefined } },
      'not-fenced',
    ],
    [
      'the heal says fenced but the node has no out-of-service taint now',
      { holder: { ...fencedA, taints: [] } },
      'not-fenced',
    ],
    [
      'the heal says fenced but the node is not cordoned now',
      { holder: { ...fencedA, unschedulable: false } },
      'not-fenced',
    ],
    ['the pod that cannot mount runs on the holder itself', { requesterNode: 'a' }, 'same-node'],
    [
      'the lost node has no address to block',
      { holder: { ...fencedA, addresses: [{ type: 'Hostname', address: 'a' }] } },
      'no-address',
    ],
    [
      "the lost node's address is also a Ready node's",
      { nodes: [fencedA, node('b', '127.0.0.11'), c] },
      'address-of-other-node',
    ],
    [
      // Ready=False is posted by a live kubelet; a joining node may have been given the address again.
      "the lost node's address is also a NotReady node's",
      { nodes: [fencedA, b, c, node('d', '127.0.0.11', { ready: 'False' })] },
      'address-of-other-node',
    ],
    [
      'the address is a Ceph daemon’s',
      {
        holder: { ...fencedA, addresses: [{ type: 'InternalIP', address: '127.0.0.1' }] },
        watchers: ['127.0.0.1:0/1'],
        lockers: [],
        capstanAddresses: [],
      },
      'address-of-ceph',
    ],
    [
      'the address is a Ceph daemon’s, spelled another way (IPv6)',
      {
        holder: { ...fencedA, addresses: [{ type: 'InternalIP', address: 'fd00::5' }] },
        watchers: ['[fd00::5]:0/1'],
        lockers: [],
        cephAddresses: ['[fd00:0:0:0:0:0:0:5]:6789'],
      },
      'address-of-ceph',
    ],
    ["the address is capstan's own", { capstanAddresses: ['127.0.0.11'] }, 'address-of-capstan'],
    // Rook's wrong-IP bug: by the time watchers are read the new pod on b watches; b must never be blocked.
    ['a watcher is at the new node b', { watchers: ['127.0.0.11:0/1', '127.0.0.12:0/7'] }, 'watcher-elsewhere'],
    ['the lock is held from an address no node has', { lockers: ['127.0.0.99:0/5'] }, 'watcher-elsewhere'],
    ['a watcher whose address cannot be read', { watchers: ['garbage'] }, 'watcher-elsewhere'],
    ['no watcher and no lock: nothing to free', { watchers: [], lockers: [] }, 'already-free'],
  ])('refuses when %s', (_, over, code) => {
    const verdict = rbdFreeVerdict(seen(over));
    expect(verdict).toMatchObject({ free: false, code });
    expect(verdict.reason.length).toBeGreaterThan(10);
  });

  it('blocks only the addresses the image is held from: not an ExternalIP no watcher or lock uses', () => {
    const twoAddresses = {
      ...fencedA,
      addresses: [...fencedA.addresses, { type: 'ExternalIP', address: '203.0.113.7' }],
    };
    expect(rbdFreeVerdict(seen({ holder: twoAddresses }))).toMatchObject({ free: true, block: ['127.0.0.11'] });
  });

  it('a stale lock alone (the legacy path), from the lost node: freed', () => {
    expect(rbdFreeVerdict(seen({ watchers: [] }))).toMatchObject({ free: true, block: ['127.0.0.11'] });
  });

  it('the network-fence path, Ceph unreadable: the cluster-side checks still hold, the holders are left to ceph-csi', () => {
    const blind = { holdersUnknown: true, watchers: [], lockers: [] };
    expect(rbdFreeVerdict(seen(blind))).toMatchObject({ free: true, block: ['127.0.0.11'] });
    // The fence names InternalIPs only: an ExternalIP is often a NAT address others share.
    const withExternal = {
      ...fencedA,
      addresses: [...fencedA.addresses, { type: 'ExternalIP', address: '203.0.113.7' }],
    };
    expect(rbdFreeVerdict(seen({ ...blind, holder: withExternal }))).toMatchObject({ block: ['127.0.0.11'] });
    expect(rbdFreeVerdict(seen({ ...blind, nodes: [fencedA, node('d', '127.0.0.11')] }))).toMatchObject({
      free: false,
      code: 'address-of-other-node',
    });
    expect(rbdFreeVerdict(seen({ ...blind, heal: undefined }))).toMatchObject({ free: false, code: 'not-fenced' });
  });
});

describe('ipOf: the IP of a Ceph entity address', () => {
  it.each([
    ['127.0.0.2:0/2950601841', '127.0.0.2'],
    ['v1:127.0.0.1:6789/0', '127.0.0.1'],
    ['v2:127.0.0.1:3300/0', '127.0.0.1'],
    ['10.0.0.5', '10.0.0.5'],
    ['[::1]:0/5', '::1'],
    ['garbage', undefined],
    ['127.0.0.2:0/1; rm -rf', undefined],
  ])('%s -> %s', (address, ip) => expect(ipOf(address)).toBe(ip));
});
