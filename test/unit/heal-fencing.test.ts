import { describe, expect, it } from 'vitest';
import { fenceStep, OUT_OF_SERVICE_TAINT } from '../../lib/heal/decisions/fencing.ts';
import { type RecoveryObservation, recoveryStep } from '../../lib/heal/decisions/recovery.ts';
import type { NodeTaint } from '../../lib/kube/nodes.ts';

const NOW = new Date('2026-12-01T12:00:00Z');
const ago = (seconds: number) => new Date(NOW.getTime() - seconds * 1000).toISOString();
const unreachable: NodeTaint = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' };
const pod = { namespace: 'db', name: 'db-0' };
const attachment = { name: 'csi-1234' };

describe('fenceStep: one step per look', () => {
  it.each([
    ['schedulable: cordon first', { unschedulable: false, taints: [unreachable] }, [], [], { next: 'cordon' }],
    ['cordoned: taint out-of-service', { unschedulable: true, taints: [unreachable] }, [], [], { next: 'taint' }],
    [
      'tainted, pods still bound: wait for the pod GC',
      { unschedulable: true, taints: [unreachable, OUT_OF_SERVICE_TAINT] },
      [pod],
      [attachment],
      { next: 'wait-pods', remaining: ['db/db-0'], recheckAfterSeconds: 10 },
    ],
    [
      'pods gone, a volume still attached: wait for the attach/detach controller',
      { unschedulable: true, taints: [OUT_OF_SERVICE_TAINT] },
      [],
      [attachment],
      { next: 'wait-attachments', remaining: ['csi-1234'], recheckAfterSeconds: 10 },
    ],
    ['nothing left on it: fenced', { unschedulable: true, taints: [OUT_OF_SERVICE_TAINT] }, [], [], { next: 'fenced' }],
    [
      'an out-of-service taint with another effect is not the remedy',
      { unschedulable: true, taints: [{ ...OUT_OF_SERVICE_TAINT, effect: 'NoSchedule' as const }] },
      [],
      [],
      { next: 'taint' },
    ],
  ] as const)('%s', (_, node, pods, attachments, step) => {
    expect(fenceStep(node, pods, attachments)).toEqual(step);
  });
});

describe('recoveryStep: back, then untaint, then uncordon only what capstan cordoned', () => {
  const back = (over: Partial<RecoveryObservation['node']> = {}, seen: Partial<RecoveryObservation> = {}) =>
    recoveryStep({
      now: NOW,
      node: {
        name: 'n1',
        ready: 'True',
        readySince: ago(600),
        leaseRenewedAt: ago(5),
        unschedulable: true,
        taints: [OUT_OF_SERVICE_TAINT],
        ...over,
      },
      pods: [],
      attachments: [],
      cordonedByCapstan: true,
      ...seen,
    });

  it.each([
    ['still Unknown', { ready: 'Unknown' as const }, {}, 'not-back', 15],
    [
      'Ready, but its Lease is stale (a status written by someone else)',
      { leaseRenewedAt: ago(300) },
      {},
      'not-back',
      15,
    ],
    ['Ready, but never a Lease', { leaseRenewedAt: undefined }, {}, 'not-back', 15],
    ['Ready for 30 s only (it may flap)', { readySince: ago(30) }, {}, 'not-back', 90],
  ])('not back: %s', (_, node, seen, next, recheck) => {
    expect(back(node, seen)).toMatchObject({ next, recheckAfterSeconds: recheck });
  });

  it('keeps the taint while a pod or a VolumeAttachment still references the node', () => {
    expect(back({}, { pods: [pod], attachments: [attachment] })).toEqual({
      next: 'wait-references',
      remaining: ['pod db/db-0', 'VolumeAttachment csi-1234'],
      recheckAfterSeconds: 15,
    });
  });

  it.each([
    ['stable and nothing references it: untaint', {}, {}, { next: 'untaint' }],
    ['untainted, cordoned by capstan: uncordon', { taints: [] }, {}, { next: 'uncordon' }],
    [
      'untainted, cordoned by a person: stays cordoned',
      { taints: [] },
      { cordonedByCapstan: false },
      { next: 'restored', keptCordoned: true },
    ],
    [
      'untainted and uncordoned: restored',
      { taints: [], unschedulable: false },
      {},
      { next: 'restored', keptCordoned: false },
    ],
  ] as const)('%s', (_, node, seen, step) => {
    expect(back(node, seen)).toEqual(step);
  });
});
