import { describe, expect, it } from 'vitest';
import { ClusterRejectedError } from '../../lib/errors.ts';
import { OUT_OF_SERVICE_TAINT } from '../../lib/heal/decisions/fencing.ts';
import type { KubeGateway } from '../../lib/kube/gateway.ts';
import type { NodeTaint } from '../../lib/kube/nodes.ts';

// What the healing and scaling verbs of KubeGateway promise, run against the real adapter on a real
// kube-apiserver (test/integration/kube-nodes.test.ts, kube-scaling.test.ts) and against the in-memory
// double (test/unit/kube-contract.test.ts), so use-case tests through the double mean the same thing.
// Only what capstan wrote is asserted: on a real cluster the node lifecycle controller adds taints too.

/** A gateway and a Ready, schedulable, untainted Node of the suite's own. */
export interface NodeFixture {
  readonly gateway: KubeGateway;
  readonly node: string;
}

/** A gateway and an HPA with minReplicas 1, maxReplicas 3. */
export interface HpaFixture {
  readonly gateway: KubeGateway;
  readonly namespace: string;
  readonly name: string;
}

const taintsNamed = async (gateway: KubeGateway, node: string, key: string) =>
  ((await gateway.readNode(node))?.taints ?? []).filter((t) => t.key === key);

export const nodeVerbsContract = (fixture: () => NodeFixture) =>
  describe('node verbs (contract)', () => {
    it('cordon and uncordon, each twice: the second is unchanged', async () => {
      const { gateway, node } = fixture();
      expect(await gateway.cordon(node)).toBe('changed');
      expect(await gateway.cordon(node)).toBe('unchanged');
      expect((await gateway.readNode(node))?.unschedulable).toBe(true);
      expect(await gateway.uncordon(node)).toBe('changed');
      expect(await gateway.uncordon(node)).toBe('unchanged');
      expect((await gateway.readNode(node))?.unschedulable).toBe(false);
    });

    it('the out-of-service taint added twice, removed twice: the second is unchanged', async () => {
      const { gateway, node } = fixture();
      const before = Date.now() - 1_000;
      expect(await gateway.addTaint(node, OUT_OF_SERVICE_TAINT)).toBe('changed');
      expect(await gateway.addTaint(node, OUT_OF_SERVICE_TAINT)).toBe('unchanged');
      const [taint, ...more] = await taintsNamed(gateway, node, OUT_OF_SERVICE_TAINT.key);
      expect(more).toEqual([]);
      expect(taint).toMatchObject(OUT_OF_SERVICE_TAINT);
      // NoExecute: when it was added, which tolerationSeconds count from (seconds precision on a server).
      expect(Date.parse(taint?.timeAdded ?? '')).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
      expect(await gateway.removeTaint(node, OUT_OF_SERVICE_TAINT)).toBe('changed');
      expect(await gateway.removeTaint(node, OUT_OF_SERVICE_TAINT)).toBe('unchanged');
      expect(await taintsNamed(gateway, node, OUT_OF_SERVICE_TAINT.key)).toEqual([]);
    });

    it('a taint is its key and effect: another value replaces it, removal ignores the value', async () => {
      const { gateway, node } = fixture();
      const taint: NodeTaint = { key: 'capstan.test/contract', value: 'a', effect: 'NoSchedule' };
      expect(await gateway.addTaint(node, taint)).toBe('changed');
      expect(await gateway.addTaint(node, { ...taint, value: 'b' })).toBe('changed');
      expect(await taintsNamed(gateway, node, taint.key)).toEqual([{ ...taint, value: 'b' }]);
      expect(await gateway.removeTaint(node, { key: taint.key, effect: 'NoExecute' })).toBe('unchanged');
      expect(await gateway.removeTaint(node, { key: taint.key, effect: 'NoSchedule' })).toBe('changed');
      expect(await taintsNamed(gateway, node, taint.key)).toEqual([]);
    });

    it('an absent node reads as undefined, acting on it is refused for good; an absent attachment is unchanged', async () => {
      const { gateway } = fixture();
      expect(await gateway.readNode('no-such-node')).toBeUndefined();
      await expect(gateway.cordon('no-such-node')).rejects.toBeInstanceOf(ClusterRejectedError);
      await expect(gateway.addTaint('no-such-node', OUT_OF_SERVICE_TAINT)).rejects.toBeInstanceOf(ClusterRejectedError);
      expect(await gateway.deleteVolumeAttachment('no-such-attachment')).toBe('unchanged');
    });
  });

export const hpaVerbsContract = (fixture: () => HpaFixture) =>
  describe('HPA verbs (contract)', () => {
    it('bounds set twice: the second is unchanged; both at once past the old max', async () => {
      const { gateway, namespace, name } = fixture();
      expect(await gateway.readHpa(namespace, name)).toMatchObject({ minReplicas: 1, maxReplicas: 3 });
      expect(await gateway.setHpaBounds(namespace, name, { maxReplicas: 5 })).toBe('changed');
      expect(await gateway.setHpaBounds(namespace, name, { maxReplicas: 5 })).toBe('unchanged');
      expect(await gateway.setHpaBounds(namespace, name, { minReplicas: 4, maxReplicas: 6 })).toBe('changed');
      expect(await gateway.readHpa(namespace, name)).toMatchObject({ minReplicas: 4, maxReplicas: 6 });
      expect(await gateway.setHpaBounds(namespace, name, { minReplicas: 1, maxReplicas: 3 })).toBe('changed');
    });

    it('min > max and an absent HPA are refused for good and change nothing', async () => {
      const { gateway, namespace, name } = fixture();
      await expect(gateway.setHpaBounds(namespace, name, { minReplicas: 7 })).rejects.toBeInstanceOf(
        ClusterRejectedError,
      );
      expect(await gateway.readHpa(namespace, name)).toMatchObject({ minReplicas: 1, maxReplicas: 3 });
      expect(await gateway.readHpa(namespace, 'none')).toBeUndefined();
      await expect(gateway.setHpaBounds(namespace, 'none', { maxReplicas: 4 })).rejects.toBeInstanceOf(
        ClusterRejectedError,
      );
    });
  });
