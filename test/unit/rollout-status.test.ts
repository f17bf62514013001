import type { V1Deployment } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { rolloutStatus } from '../../lib/deploy/decisions/rollout.ts';

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
