import type { V1Deployment } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { checkVerdict, replicaCounts, rolloutStatus } from '../../lib/deploy/decisions/rollout.ts';
import { REVISION_ANNOTATION } from '../../lib/deploy/render/manifests.ts';

const deployment = (
  spec: { generation?: number; replicas?: number },
  status: V1Deployment['status'],
): V1Deployment => ({
  metadata: { name: 'hello', generation: spec.generation ?? 2 },
  spec: { replicas: spec.replicas ?? 3, selector: {}, template: {} },
  status,
});

describe('rolloutStatus', () => {
  it.each([
    [
      'spec not yet observed',
      {},
      { observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 3 },
      'progressing',
      'spec update',
    ],
    [
      'new replicas still coming',
      {},
      { observedGeneration: 2, replicas: 3, updatedReplicas: 1, availableReplicas: 1 },
      'progressing',
      '1 of 3 new replicas updated',
    ],
    [
      'old replicas terminating',
      {},
      { observedGeneration: 2, replicas: 4, updatedReplicas: 3, availableReplicas: 3 },
      'progressing',
      '1 old replicas pending termination',
    ],
    [
      'updated but not available',
      {},
      { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 2 },
      'progressing',
      '2 of 3 updated replicas available',
    ],
    [
      'all available',
      {},
      { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3 },
      'ready',
      '3 of 3',
    ],
    ['scaled to zero', { replicas: 0 }, { observedGeneration: 2 }, 'ready', '0 of 0'],
    [
      'progress deadline exceeded',
      {},
      {
        observedGeneration: 2,
        replicas: 3,
        updatedReplicas: 1,
        conditions: [
          {
            type: 'Progressing',
            status: 'False',
            reason: 'ProgressDeadlineExceeded',
            message: 'ReplicaSet "hello-1" has timed out progressing.',
          },
        ],
      },
      'failed',
      'progress deadline exceeded',
    ],
  ] as [string, { replicas?: number }, V1Deployment['status'], string, string][])(
    '%s -> %s',
    (_name, spec, status, state, message) => {
      const verdict = rolloutStatus(deployment(spec, status));
      expect(verdict.state).toBe(state);
      expect(verdict.message).toContain(message);
    },
  );
});

describe('replicaCounts', () => {
  it.each([
    ['nothing rolled out yet (no status)', {}, undefined, { desired: 3, updated: 0, available: 0, old: 0 }],
    [
      'halfway: new replicas coming, old ones still serving',
      {},
      { observedGeneration: 2, replicas: 5, updatedReplicas: 2, availableReplicas: 3 },
      { desired: 3, updated: 2, available: 3, old: 3 },
    ],
    [
      'every replica updated, one old one terminating',
      {},
      { observedGeneration: 2, replicas: 4, updatedReplicas: 3, availableReplicas: 3 },
      { desired: 3, updated: 3, available: 3, old: 1 },
    ],
    [
      'done',
      {},
      { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3 },
      { desired: 3, updated: 3, available: 3, old: 0 },
    ],
    [
      'more updated than counted (a status caught mid-write): old is never below 0',
      {},
      { observedGeneration: 2, replicas: 2, updatedReplicas: 3, availableReplicas: 2 },
      { desired: 3, updated: 3, available: 2, old: 0 },
    ],
    [
      'the new spec not yet observed: the status counts the previous template, so all of it is old',
      {},
      { observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 3 },
      { desired: 3, updated: 0, available: 3, old: 3 },
    ],
    ['scaled to zero', { replicas: 0 }, { observedGeneration: 2 }, { desired: 0, updated: 0, available: 0, old: 0 }],
    [
      'negative numbers read as 0',
      { replicas: -1 },
      { observedGeneration: 2, replicas: -2, updatedReplicas: -1, availableReplicas: -1 },
      { desired: 0, updated: 0, available: 0, old: 0 },
    ],
  ] as [string, { replicas?: number }, V1Deployment['status'], ReturnType<typeof replicaCounts>][])(
    '%s',
    (_name, spec, status, counts) => {
      expect(replicaCounts(deployment(spec, status))).toEqual(counts);
    },
  );

  it('desires 1 replica when the spec sets none, as the Deployment controller does', () => {
    expect(replicaCounts({ metadata: { generation: 1 }, status: { observedGeneration: 1 } }).desired).toBe(1);
  });
});

describe('checkVerdict', () => {
  const timing = { firstCheckSeconds: 2, maxCheckIntervalSeconds: 15, timeoutSeconds: 600 };
  const now = new Date('2026-12-01T10:00:00Z');
  const check = (attempt: number, deadline = '2026-12-01T10:10:00Z') => ({ revision: 3, attempt, deadline });
  const at = (revision: number, status: V1Deployment['status']): V1Deployment => ({
    ...deployment({}, status),
    metadata: { name: 'hello', generation: 2, annotations: { [REVISION_ANNOTATION]: String(revision) } },
  });
  const progressing = { observedGeneration: 2, replicas: 3, updatedReplicas: 1, availableReplicas: 1 };
  const ready = { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3 };
  const halfway = { desired: 3, updated: 1, available: 1, old: 2 };
  const all = { desired: 3, updated: 3, available: 3, old: 0 };

  it.each([
    [0, 2],
    [1, 4],
    [2, 8],
    [3, 15],
    [9, 15],
  ])('still progressing at attempt %i: looks again in %i s (doubling, capped)', (attempt, delaySeconds) => {
    expect(checkVerdict(at(3, progressing), check(attempt), now, timing)).toEqual({
      next: 'check-again',
      delaySeconds,
      message: '1 of 3 new replicas updated',
      replicas: { desired: 3, updated: 1, available: 1, old: 2 },
    });
  });

  it.each([
    [
      'ready',
      at(3, ready),
      check(0),
      { next: 'settle', rollout: 'ready', message: '3 of 3 replicas available', replicas: all },
    ],
    [
      'past its deadline',
      at(3, progressing),
      check(4, '2026-12-01T09:59:59Z'),
      {
        next: 'settle',
        rollout: 'failed',
        code: 'rollout-timeout',
        message: 'timed out after waiting until 2026-12-01T09:59:59Z: 1 of 3 new replicas updated',
        replicas: halfway,
      },
    ],
    [
      'past its progress deadline',
      at(3, {
        ...progressing,
        conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'slow' }],
      }),
      check(1),
      {
        next: 'settle',
        rollout: 'failed',
        code: 'rollout-failed',
        message: 'progress deadline exceeded: slow',
        replicas: halfway,
      },
    ],
    [
      'running a newer release',
      at(4, ready),
      check(0),
      { next: 'superseded', reason: 'superseded: the cluster runs release #4' },
    ],
    [
      'running an older release (not applied yet here)',
      at(2, progressing),
      check(0),
      { next: 'check-again', delaySeconds: 2, message: '1 of 3 new replicas updated', replicas: halfway },
    ],
  ] as const)('%s', (_, observed, state, verdict) => {
    expect(checkVerdict(observed, state, now, timing)).toEqual(verdict);
  });
});
