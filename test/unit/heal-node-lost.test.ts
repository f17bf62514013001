import { describe, expect, it } from 'vitest';
import {
  defaultLostPolicy,
  type LostObservation,
  lostVerdict,
  unhealthyLimit,
} from '../../lib/heal/decisions/node-lost.ts';
import type { NodeView } from '../../lib/kube/nodes.ts';

const NOW = new Date('2026-12-01T12:00:00Z');
const ago = (seconds: number) => new Date(NOW.getTime() - seconds * 1000).toISOString();

const node = (name: string, over: Partial<NodeView> = {}): NodeView => ({
  name,
  ready: 'True',
  readySince: ago(3600),
  leaseHolder: name,
  leaseRenewedAt: ago(5),
  leaseDurationSeconds: 40,
  unschedulable: false,
  taints: [],
  addresses: [],
  controlPlane: false,
  ...over,
});

/** A node whose kubelet went silent `seconds` ago: Ready Unknown since then, its Lease not renewed since. */
const silent = (name: string, seconds = 300, over: Partial<NodeView> = {}) =>
  node(name, { ready: 'Unknown', readySince: ago(seconds), leaseRenewedAt: ago(seconds + 10), ...over });

const seen = (suspect: NodeView | undefined, others: NodeView[], fenced: string[] = []): LostObservation => ({
  now: NOW,
  node: suspect,
  nodes: suspect ? [suspect, ...others] : others,
  fenced,
});

const healthy = (n: number, prefix = 'ok') => Array.from({ length: n }, (_, i) => node(`${prefix}-${i}`));

describe('lostVerdict: proof before action', () => {
  it('a node silent past both thresholds, in a healthy cluster, is lost', () => {
    const verdict = lostVerdict(seen(silent('n1'), healthy(4)));
    expect(verdict).toMatchObject({
      lost: true,
      figures: {
        readyStatus: 'Unknown',
        notReadyForSeconds: 300,
        leaseSilentForSeconds: 310,
        nodes: 5,
        readyNodes: 4,
        unhealthyNodes: 1,
        maxUnhealthy: 1,
      },
    });
    expect(verdict.reason).toBe(
      'node n1 has been Unknown for 300s and its Lease silent for 310s; 4 of 4 other nodes are Ready',
    );
  });

  it('Ready False is posted by a live kubelet: never lost, however old its Lease looks (its clock may be behind)', () => {
    const verdict = lostVerdict(seen(silent('n1', 300, { ready: 'False' }), healthy(4)));
    expect(verdict).toMatchObject({ lost: false, code: 'kubelet-reporting', recheckAfterSeconds: 60 });
  });

  it.each([
    ['the node does not exist', undefined, healthy(4), [], 'node-absent', undefined],
    ['the node is Ready (a forged or stale event)', node('n1'), healthy(4), [], 'node-ready', undefined],
    [
      'Unknown for less than the threshold (it may come back)',
      silent('n1', 20),
      healthy(4),
      [],
      'not-ready-too-briefly',
      40,
    ],
    [
      'Unknown, but no time of the change is known',
      silent('n1', 300, { readySince: undefined }),
      healthy(4),
      [],
      'not-ready-too-briefly',
      60,
    ],
    [
      'Unknown while its Lease is still renewed (a partition of the node controller, not of the node)',
      silent('n1', 300, { leaseRenewedAt: ago(15) }),
      healthy(4),
      [],
      'lease-renewed',
      45,
    ],
    [
      'no Lease at all: its kubelet cannot be proven silent',
      silent('n1', 300, { leaseRenewedAt: undefined, leaseHolder: undefined }),
      healthy(4),
      [],
      'no-lease',
      undefined,
    ],
    ['a control-plane node', silent('n1', 300, { controlPlane: true }), healthy(4), [], 'control-plane', undefined],
    ['3 of 3 nodes lost at once (storm)', silent('n1'), [silent('n2'), silent('n3')], [], 'storm', undefined],
    ['one more while another is already being fenced', silent('n1'), healthy(4), ['ok-0'], 'storm', undefined],
  ] as const)('not lost: %s', (_, suspect, others, fenced, code, recheck) => {
    const verdict = lostVerdict(seen(suspect, [...others], [...fenced]));
    expect(verdict.lost).toBe(false);
    if (verdict.lost) return;
    expect(verdict.code).toBe(code);
    expect(verdict.recheckAfterSeconds).toBe(recheck);
  });

  it('with a looser storm guard, most other nodes must still be Ready: a sick control plane is not a lost node', () => {
    const policy = { ...defaultLostPolicy, maxUnhealthy: { nodes: 10, share: 1 } };
    const verdict = lostVerdict(seen(silent('n1'), [silent('n2'), node('ok')]), policy);
    expect(verdict).toMatchObject({ lost: false, code: 'no-healthy-majority' });
    expect(lostVerdict(seen(silent('n1'), [silent('n2'), node('a'), node('b')]), policy).lost).toBe(true);
  });

  it('a single-node cluster is never fenced: there is no healthy majority to trust', () => {
    const policy = { ...defaultLostPolicy, maxUnhealthy: { nodes: 1, share: 1 } };
    expect(lostVerdict(seen(silent('only'), []), policy)).toMatchObject({ lost: false, code: 'no-healthy-majority' });
  });

  it('more than half of a zone of three or more is a zone outage; smaller zones are left to the cluster limit', () => {
    const policy = { ...defaultLostPolicy, maxUnhealthy: { nodes: 3, share: 0.2 } };
    const inZone = (name: string, zone: string, lost = false) =>
      lost ? silent(name, 300, { zone }) : node(name, { zone });
    const zoneStorm = seen(inZone('a1', 'a', true), [
      inZone('a2', 'a', true),
      inZone('a3', 'a'),
      ...['b1', 'b2', 'b3', 'b4', 'b5'].map((n) => inZone(n, 'b')),
    ]);
    expect(lostVerdict(zoneStorm, policy)).toMatchObject({ lost: false, code: 'zone-storm', figures: { zone: 'a' } });
    const smallZone = seen(inZone('c1', 'c', true), [inZone('c2', 'c'), ...healthy(4)]);
    expect(lostVerdict(smallZone, policy).lost).toBe(true);
  });

  it('control-plane nodes may be allowed', () => {
    const policy = { ...defaultLostPolicy, allowControlPlane: true };
    expect(lostVerdict(seen(silent('cp', 300, { controlPlane: true }), healthy(4)), policy).lost).toBe(true);
  });
});

describe('unhealthyLimit: 1 node or 20%, whichever is larger', () => {
  it.each([
    [1, 1],
    [3, 1],
    [5, 1],
    [10, 2],
    [14, 2],
    [15, 3],
    [100, 20],
  ])('%i nodes -> %i at once', (nodes, limit) => {
    expect(unhealthyLimit(nodes, defaultLostPolicy)).toBe(limit);
  });
});
