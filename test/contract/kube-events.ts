import { describe, expect, it } from 'vitest';
import type { KubeGateway } from '../../lib/kube/gateway.ts';

// What listWarningEvents promises, run against the real adapter on a real kube-apiserver
// (test/integration/rbd-detect.test.ts) and against the in-memory double (test/unit/kube-contract.test.ts), so
// the sweep's tests through the double mean the same thing. Only the suite's own namespace is asserted: a real
// cluster records Events of its own.

/** One core/v1 Event as a test records it: on a pod of the suite's namespace, last seen at `at`. */
export interface RecordedEvent {
  readonly name: string;
  readonly pod: string;
  readonly type: 'Warning' | 'Normal';
  readonly reason: string;
  readonly message: string;
  readonly count: number;
  /** Whole seconds: metav1.Time has no more. */
  readonly at: Date;
}

export interface EventsFixture {
  readonly gateway: KubeGateway;
  readonly namespace: string;
  record(event: RecordedEvent): Promise<void>;
}

const REASONS = ['FailedMount', 'FailedAttachVolume'];

export const warningEventsContract = (fixture: () => EventsFixture) =>
  describe('listWarningEvents (contract)', () => {
    it('lists the Warning Events of the reasons, every field the readers read, times as RFC 3339 UTC', async () => {
      const { gateway, namespace, record } = fixture();
      const at = new Date(Math.floor(Date.now() / 1000) * 1000 - 30_000);
      const event = (name: string, type: 'Warning' | 'Normal', reason: string): RecordedEvent => ({
        name,
        pod: 'ledger-0',
        type,
        reason,
        message: `${reason} of ${name}`,
        count: 3,
        at,
      });
      await record(event('mount', 'Warning', 'FailedMount'));
      await record(event('attach', 'Warning', 'FailedAttachVolume'));
      await record(event('backoff', 'Warning', 'BackOff'));
      await record(event('normal', 'Normal', 'FailedMount'));

      const listed = (await gateway.listWarningEvents(REASONS)).filter((e) => e.metadata.namespace === namespace);
      expect(listed.map((e) => e.metadata.name).sort()).toEqual(['attach', 'mount']);
      const mount = listed.find((e) => e.metadata.name === 'mount');
      expect(mount).toMatchObject({
        metadata: { name: 'mount', namespace, uid: expect.stringMatching(/.+/) },
        involvedObject: { kind: 'Pod', name: 'ledger-0', namespace },
        type: 'Warning',
        reason: 'FailedMount',
        message: 'FailedMount of mount',
        count: 3,
        lastTimestamp: at.toISOString(),
      });
      expect(mount).not.toHaveProperty('clusterName');
      expect(await gateway.listWarningEvents([])).toEqual([]);
    });
  });
