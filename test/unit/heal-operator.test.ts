import { describe, expect, it } from 'vitest';
import {
  approvalOf,
  CANCELLABLE_PHASES,
  cancellationOf,
  FENCE_PHASES,
  SETTLED_PHASES,
} from '../../lib/heal/decisions/operator.ts';
import { HealPhaseSchema, type NodeHeal, SETTLED_HEAL_PHASES } from '../../lib/store/heals.ts';

const T0 = '2026-12-01T12:00:00.000Z';

const heal = (over: Partial<NodeHeal> = {}): NodeHeal => ({
  cluster: 'east',
  node: 'n1',
  phase: 'awaiting-approval',
  mode: 'approve',
  cordonedByCapstan: false,
  eventId: 'ev-1',
  suspectedAt: T0,
  updatedAt: T0,
  ...over,
});

describe('phase lists', () => {
  it('every phase is exactly one of cancellable, fencing or settled', () => {
    const all = [...CANCELLABLE_PHASES, ...FENCE_PHASES, ...SETTLED_PHASES].sort();
    expect(all).toEqual([...HealPhaseSchema.options].sort());
  });

  it("the settled phases are the store's", () => {
    expect([...SETTLED_PHASES]).toEqual([...SETTLED_HEAL_PHASES]);
  });
});

describe('approvalOf: only a heal waiting for approval is approved', () => {
  it('awaiting-approval moves to fencing, from that phase only', () => {
    expect(approvalOf('east', 'n1', heal())).toEqual({ next: 'approve', from: ['awaiting-approval'], to: 'fencing' });
  });

  it('no heal: refused', () => {
    expect(approvalOf('east', 'n1', undefined)).toEqual({
      next: 'refuse',
      message: 'no heal of node n1 of cluster east: nothing to approve',
    });
  });

  it.each<[string, Partial<NodeHeal>, RegExp]>([
    ['suspected', { phase: 'suspected' }, /phase suspected: nothing to approve \(capstan has not decided/],
    [
      'auto mode fencing',
      { phase: 'fencing', mode: 'auto' },
      /phase fencing: nothing to approve \(it heals in auto mode/,
    ],
    [
      'cancelled',
      { phase: 'cancelled', cancelledBy: 'ana' },
      /phase cancelled: nothing to approve \(it was cancelled by ana\)/,
    ],
    ['restored', { phase: 'restored', mode: 'auto' }, /phase restored: nothing to approve \(the heal is over\)/],
  ])('%s: refused, saying the phase', (_, over, message) => {
    const approval = approvalOf('east', 'n1', heal(over));
    expect(approval.next).toBe('refuse');
    expect(approval.next === 'refuse' && approval.message).toMatch(message);
  });

  it.each<[string, Partial<NodeHeal>, boolean]>([
    ['approved, fencing not begun: the check is sent again', { phase: 'fencing' }, true],
    ['approved and cordoned', { phase: 'fencing', cordonedAt: T0 }, false],
    ['approved and tainted', { phase: 'fencing', taintedAt: T0 }, false],
    ['approved and fenced', { phase: 'fenced', cordonedAt: T0, taintedAt: T0 }, false],
    ['approved and restored', { phase: 'restored' }, false],
  ])('%s: already approved, nothing changes', (_, over, resend) => {
    const approval = approvalOf('east', 'n1', heal({ approvedBy: 'ana', approvedAt: T0, ...over }));
    expect(approval).toEqual({
      next: 'already',
      message: `the heal of node n1 of cluster east was approved already, by ana at ${T0} (phase ${over.phase})`,
      resend,
    });
  });
});

describe('cancellationOf: only before capstan touched the cluster', () => {
  it.each(CANCELLABLE_PHASES)('%s is cancelled, from the untouched phases only', (phase) => {
    expect(cancellationOf('east', 'n1', heal({ phase }))).toEqual({
      next: 'cancel',
      from: ['suspected', 'awaiting-approval'],
      to: 'cancelled',
    });
  });

  it.each(FENCE_PHASES)('%s is refused: capstan has cordoned/tainted it, the node returning restores it', (phase) => {
    expect(cancellationOf('east', 'n1', heal({ phase }))).toEqual({
      next: 'refuse',
      message: `the heal of node n1 of cluster east is in phase ${phase}: it cannot be cancelled, capstan has cordoned/tainted it (or is doing so); it will be restored when the node returns`,
    });
  });

  it('cancelled already: nothing changes', () => {
    expect(cancellationOf('east', 'n1', heal({ phase: 'cancelled', cancelledBy: 'ana', cancelledAt: T0 }))).toEqual({
      next: 'already',
      message: `the heal of node n1 of cluster east was cancelled already, by ana at ${T0}`,
    });
  });

  it('restored: over, refused', () => {
    expect(cancellationOf('east', 'n1', heal({ phase: 'restored' }))).toMatchObject({
      next: 'refuse',
      message: expect.stringContaining('the heal is over, nothing to cancel'),
    });
  });

  it('no heal: refused', () => {
    expect(cancellationOf('east', 'n1', undefined)).toEqual({
      next: 'refuse',
      message: 'no heal of node n1 of cluster east: nothing to cancel',
    });
  });
});
