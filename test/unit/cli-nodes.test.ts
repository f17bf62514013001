import { describe, expect, it } from 'vitest';
import { HEAL_MODES } from '../../lib/cli/args.ts';
import { envSetIssues } from '../../lib/cli/commands/env.ts';
import { duration } from '../../lib/cli/format.ts';
import { renderHeal, renderHeals } from '../../lib/cli/render/heals.ts';
import { type ClusterNodes, nodeRows, renderNodes, taintText, verdictText } from '../../lib/cli/render/nodes.ts';
import { defaultLostPolicy } from '../../lib/heal/decisions/node-lost.ts';
import type { NodeView } from '../../lib/kube/nodes.ts';
import { HealModeSchema, type NodeHeal } from '../../lib/store/heals.ts';

const NOW = new Date('2026-12-01T12:00:00Z');
const ago = (seconds: number) => new Date(NOW.getTime() - seconds * 1000).toISOString();

const node = (name: string, over: Partial<NodeView> = {}): NodeView => ({
  name,
  ready: 'True',
  readySince: ago(7200),
  leaseHolder: name,
  leaseRenewedAt: ago(5),
  leaseDurationSeconds: 40,
  unschedulable: false,
  taints: [],
  addresses: [],
  controlPlane: false,
  ...over,
});

const silent = (name: string, seconds: number) =>
  node(name, {
    ready: 'Unknown',
    readySince: ago(seconds),
    leaseRenewedAt: ago(seconds + 10),
    taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: ago(seconds) }],
  });

const heal = (name: string, over: Partial<NodeHeal> = {}): NodeHeal => ({
  cluster: 'east',
  node: name,
  phase: 'fenced',
  mode: 'auto',
  cordonedByCapstan: true,
  eventId: `ev-${name}`,
  suspectedAt: ago(600),
  updatedAt: ago(60),
  ...over,
});

describe('nodeRows: each node with the verdict healing would reach on this read', () => {
  const healthy = ['a', 'b', 'c', 'd', 'e', 'f'].map((n) => node(n));

  it('a Ready node: ok, its Ready age and lease age', () => {
    const [row] = nodeRows([node('a')], [], NOW, defaultLostPolicy);
    expect(row).toMatchObject({
      node: 'a',
      ready: 'True',
      readyForSeconds: 7200,
      leaseHolder: 'a',
      leaseAgeSeconds: 5,
      cordoned: false,
      taints: [],
      verdict: { lost: false, code: 'node-ready' },
    });
    expect(row?.heal).toBeUndefined();
    expect(verdictText(row!.verdict)).toBe('ok');
  });

  it.each<[string, NodeView, string]>([
    ['silent long enough', silent('x', 300), 'lost'],
    ['not Ready too briefly', silent('x', 10), 'not-ready-too-briefly'],
    [
      'Lease still renewed',
      node('x', { ready: 'Unknown', readySince: ago(300), leaseRenewedAt: ago(2) }),
      'lease-renewed',
    ],
    [
      'no Lease',
      node('x', { ready: 'Unknown', readySince: ago(300), leaseRenewedAt: undefined, leaseHolder: undefined }),
      'no-lease',
    ],
  ])('%s: %s', (_, suspect, verdict) => {
    const row = nodeRows([suspect, ...healthy], [], NOW, defaultLostPolicy).find((r) => r.node === 'x');
    expect(verdictText(row!.verdict)).toBe(verdict);
  });

  it('fenced nodes count against the storm guard: a lost node is a storm while another is fenced', () => {
    // y is Ready again, but its heal is not over: it still counts as one of the nodes being healed.
    const nodes = [silent('x', 300), node('y'), ...healthy.slice(0, 3)];
    const x = (heals: NodeHeal[]) => nodeRows(nodes, heals, NOW, defaultLostPolicy).find((r) => r.node === 'x')!;
    expect(verdictText(x([]).verdict)).toBe('lost');
    expect(x([heal('y')]).verdict).toMatchObject({ lost: false, code: 'storm', figures: { unhealthyNodes: 2 } });
  });

  it('only fencing, fenced and recovering heals are fenced nodes; settled ones are not shown', () => {
    const nodes = [silent('x', 300), node('y', { unschedulable: true }), ...healthy.slice(0, 4)];
    for (const phase of ['suspected', 'awaiting-approval', 'restored', 'cancelled'] as const) {
      const rows = nodeRows(nodes, [heal('y', { phase })], NOW, defaultLostPolicy);
      expect(verdictText(rows.find((r) => r.node === 'x')!.verdict)).toBe('lost');
      const y = rows.find((r) => r.node === 'y')!;
      expect(y.heal).toEqual(
        phase === 'restored' || phase === 'cancelled' ? undefined : { phase, mode: 'auto', suspectedAt: ago(600) },
      );
    }
    for (const phase of ['fencing', 'fenced', 'recovering'] as const) {
      const rows = nodeRows(nodes, [heal('y', { phase })], NOW, defaultLostPolicy);
      expect(rows.find((r) => r.node === 'x')!.verdict).toMatchObject({ code: 'storm' });
    }
  });

  it('rows are by node name; cordon and taints as kubectl writes them', () => {
    const rows = nodeRows(
      [
        node('b'),
        node('a', {
          unschedulable: true,
          taints: [
            { key: 'node.kubernetes.io/out-of-service', value: 'nodeshutdown', effect: 'NoExecute' },
            { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' },
          ],
        }),
      ],
      [],
      NOW,
      defaultLostPolicy,
    );
    expect(rows.map((r) => r.node)).toEqual(['a', 'b']);
    expect(rows[0]).toMatchObject({
      cordoned: true,
      taints: [
        'node.kubernetes.io/out-of-service=nodeshutdown:NoExecute',
        'node.kubernetes.io/unschedulable:NoSchedule',
      ],
    });
    expect(taintText({ key: 'k', effect: 'NoSchedule' })).toBe('k:NoSchedule');
  });
});

describe('renderNodes', () => {
  it('one table for the clusters that answered, one line for each that did not', () => {
    const east: ClusterNodes = {
      cluster: 'east',
      environment: 'staging',
      healMode: 'auto',
      reachable: true,
      nodes: nodeRows(
        [silent('x', 300), node('a')],
        [heal('x', { phase: 'awaiting-approval', mode: 'approve' })],
        NOW,
        defaultLostPolicy,
      ),
    };
    const west: ClusterNodes = {
      cluster: 'west',
      environment: 'staging',
      healMode: 'auto',
      reachable: false,
      error: 'cluster west: connect ECONNREFUSED 127.0.0.1:1',
    };
    const text = renderNodes([east, west]);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^CLUSTER\s+NODE\s+READY\s+LEASE\s+CORDONED\s+TAINTS\s+VERDICT\s+HEAL$/);
    expect(lines[1]).toMatch(/^east\s+a\s+True 2h\s+a 5s ago\s+no\s+-\s+ok\s+-$/);
    expect(lines[2]).toMatch(
      /^east\s+x\s+Unknown 5m\s+x 5m ago\s+no\s+node.kubernetes.io\/unreachable:NoExecute\s+lost\s+awaiting-approval \(approve\)$/,
    );
    expect(lines[3]).toBe('cluster west: did not answer: connect ECONNREFUSED 127.0.0.1:1');
    expect(lines).toHaveLength(4);
  });

  it('a cluster with no nodes says so', () => {
    expect(renderNodes([{ cluster: 'e', environment: 's', healMode: 'auto', reachable: true, nodes: [] }])).toBe(
      'cluster e: no nodes',
    );
  });
});

describe('renderHeals and renderHeal', () => {
  const record = heal('n1', {
    phase: 'fencing',
    mode: 'approve',
    approvedBy: 'ana',
    approvedAt: '2026-12-01T11:55:00.123Z',
    fencingAt: '2026-12-01T11:55:00.123Z',
  });

  it('a row per heal, with who decided', () => {
    expect(renderHeals([record, heal('n2', { phase: 'cancelled', cancelledBy: 'bo' })]).split('\n')).toEqual([
      'CLUSTER  NODE  PHASE      MODE     SUSPECTED             UPDATED               BY',
      'east     n1    fencing    approve  2026-12-01 11:50:00Z  2026-12-01 11:59:00Z  approved by ana',
      'east     n2    cancelled  auto     2026-12-01 11:50:00Z  2026-12-01 11:59:00Z  cancelled by bo',
    ]);
  });

  it('every step with its time, - for those not taken', () => {
    const text = renderHeal(record);
    expect(text).toContain('heal of node n1 of cluster east: fencing (approve mode)');
    expect(text).toContain('approved by ana');
    expect(text).toMatch(/approved\s+2026-12-01 11:55:00Z/);
    expect(text).toMatch(/fencing\s+2026-12-01 11:55:00Z/);
    expect(text).toMatch(/cordoned\s+-/);
    expect(text).toMatch(/restored\s+-/);
  });
});

describe('CLI helpers', () => {
  it('--heal-mode takes exactly the modes the store knows', () => {
    expect([...HEAL_MODES]).toEqual(HealModeSchema.options);
  });

  it.each([
    [0, '0s'],
    [59, '59s'],
    [600, '10m'],
    [7200, '2h'],
    [3 * 86400, '3d'],
  ])('duration(%d) = %s', (seconds, text) => expect(duration(seconds)).toBe(text));

  it.each<[string, Parameters<typeof envSetIssues>[1], string[]]>([
    ['prod', { protected: true }, []],
    ['prod', { healMode: 'observe' }, []],
    ['prod', { unprotected: true, healMode: 'auto' }, []],
    ['prod', { notifyChannel: 'C0123ABCD' }, []],
    ['prod', { notifyChannel: 'none' }, []],
    [
      'prod',
      { notifyChannel: '#ops' },
      ['--notify-channel "#ops" must be a Slack channel id (C… or G…, not a name) or "none"'],
    ],
    ['prod', {}, ['give --protected, --unprotected, --heal-mode or --notify-channel']],
    ['prod', { protected: true, unprotected: true }, ['give only one of --protected or --unprotected']],
    ['Prod!', { protected: true }, ['name "Prod!" must be a DNS-1123 label']],
  ])('env set %s %j: %j', (name, o, issues) => expect(envSetIssues(name, o)).toEqual(issues));
});
