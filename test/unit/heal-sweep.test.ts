import { describe, expect, it } from 'vitest';
import { NodeLostEventSchema } from '../../events/node-lost.ts';
import { NodeRecoveredEventSchema } from '../../events/node-recovered.ts';
import { sweepFindings } from '../../lib/heal/decisions/sweep.ts';
import { sweptNodeLost, sweptNodeRecovered } from '../../lib/heal/render/events.ts';
import type { NodeView } from '../../lib/kube/nodes.ts';

const node = (name: string, over: Partial<NodeView> = {}): NodeView => ({
  name,
  ready: 'True',
  readySince: '2026-12-01T10:00:00Z',
  unschedulable: false,
  taints: [],
  addresses: [],
  controlPlane: false,
  ...over,
});

describe('sweepFindings', () => {
  it.each([
    ['every node Ready, none healing: nothing', [node('a'), node('b')], [], []],
    [
      'Unknown and False are lost candidates',
      [node('a', { ready: 'Unknown' }), node('b', { ready: 'False' })],
      [],
      ['lost a', 'lost b'],
    ],
    ['a healing node Ready again is a recovered candidate', [node('a'), node('b')], ['a'], ['recovered a']],
    ['a healing node still down stays a lost candidate', [node('a', { ready: 'Unknown' })], ['a'], ['lost a']],
  ])('%s', (_, nodes, healing, findings) => {
    expect(sweepFindings(nodes, new Set(healing)).map((f) => `${f.kind} ${f.node.name}`)).toEqual(findings);
  });
});

describe('the events a sweep sends', () => {
  const t1 = new Date('2026-12-01T12:00:00Z');
  const t2 = new Date('2026-12-01T12:01:00Z');
  const down = node('worker-3.dc2.internal', {
    ready: 'Unknown',
    readySince: '2026-12-01T11:58:00Z',
    lastHeartbeat: '2026-12-01T11:57:20Z',
  });

  it('node.lost: valid, and one id for every sweep of one outage; the next outage is a new event', () => {
    const first = sweptNodeLost('dc2', down, t1);
    expect(NodeLostEventSchema.parse(first)).toEqual(first);
    expect(first.data).toEqual({
      cluster: 'dc2',
      node: 'worker-3.dc2.internal',
      readyStatus: 'Unknown',
      lastHeartbeatTime: '2026-12-01T11:57:20Z',
      observedAt: t1.toISOString(),
    });
    expect(sweptNodeLost('dc2', down, t2).id).toBe(first.id);
    expect(sweptNodeLost('dc2', { ...down, readySince: '2026-12-01T13:00:00Z' }, t2).id).not.toBe(first.id);
    expect(sweptNodeLost('dc1', down, t1).id).not.toBe(first.id);
    expect(sweptNodeLost('dc2', { ...down, ready: 'False' }, t1).data.readyStatus).toBe('False');
  });

  it('node.recovered: valid, one id per return', () => {
    const back = { ...down, ready: 'True' as const, readySince: '2026-12-01T12:30:00Z' };
    const event = sweptNodeRecovered('dc2', back, t1);
    expect(NodeRecoveredEventSchema.parse(event)).toEqual(event);
    expect(event.data.readySince).toBe('2026-12-01T12:30:00Z');
    expect(sweptNodeRecovered('dc2', back, t2).id).toBe(event.id);
  });
});
