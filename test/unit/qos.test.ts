import { describe, expect, it } from 'vitest';
import type { QosTier } from '../../lib/apps/spec.ts';
import { demandOf, qosClass, type ResourcedContainer, resourcesFor, surgeOf } from '../../lib/deploy/decisions/qos.ts';
import { GiB, MiB } from '../../lib/deploy/decisions/quantity.ts';
import { InvalidInputError } from '../../lib/errors.ts';

describe('resourcesFor', () => {
  it.each<[string, QosTier, string, string, 2 | 5, string, string, string, string]>([
    // name, tier, cpu limit, memory limit, overcommit -> cpu request, memory request, cpu limit, memory limit
    ['critical: requests = limits', 'critical', '500m', '256Mi', 2, '500m', '256Mi', '500m', '256Mi'],
    ['critical: canonical forms', 'critical', '1.5', '1024Mi', 5, '1500m', '1Gi', '1500m', '1Gi'],
    ['standard 2x', 'standard', '500m', '768Mi', 2, '250m', '512Mi', '500m', '768Mi'],
    ['standard 5x', 'standard', '1', '1536Mi', 5, '200m', '1Gi', '1', '1536Mi'],
    ['standard: memory rounds down to whole Mi', 'standard', '500m', '256Mi', 2, '250m', '170Mi', '500m', '256Mi'],
    ['standard: 1Gi / 1.5 = 682.67Mi -> 682Mi', 'standard', '2', '1Gi', 2, '1', '682Mi', '2', '1Gi'],
    ['standard: CPU rounds down to whole millicores', 'standard', '333m', '3Mi', 2, '166m', '2Mi', '333m', '3Mi'],
    ['standard 5x: 7m / 5 -> 1m', 'standard', '7m', '2Mi', 5, '1m', '1Mi', '7m', '2Mi'],
    ['standard: never below 1m', 'standard', '4m', '1Mi', 5, '1m', '1Mi', '4m', '1Mi'],
    ['standard: 1m limit is its own request', 'standard', '1m', '1Mi', 2, '1m', '1Mi', '1m', '1Mi'],
    ['standard: under 1Mi is its own request', 'standard', '100m', '1000k', 2, '50m', '1M', '100m', '1M'],
    ['back-office: CPU / 10', 'back-office', '1', '768Mi', 2, '100m', '512Mi', '1', '768Mi'],
    ['back-office ignores the overcommit setting', 'back-office', '2', '3Gi', 5, '200m', '2Gi', '2', '3Gi'],
    ['back-office: 9m / 10 -> 1m', 'back-office', '9m', '10Mi', 2, '1m', '6Mi', '9m', '10Mi'],
    ['decimal memory limit', 'standard', '1', '1000M', 2, '500m', '635Mi', '1', '1G'],
  ])('%s', (_, tier, cpu, memory, overcommit, reqCpu, reqMemory, limCpu, limMemory) => {
    expect(resourcesFor(tier, { cpu, memory }, overcommit)).toEqual({
      requests: { cpu: reqCpu, memory: reqMemory },
      limits: { cpu: limCpu, memory: limMemory },
    });
  });

  it.each([
    [{ cpu: '0', memory: '1Gi' }, /CPU limit "0" must be above zero/],
    [{ cpu: '1', memory: '0' }, /memory limit "0" must be above zero/],
    [{ cpu: 'lots', memory: '1Gi' }, /invalid CPU quantity "lots"/],
    [{ cpu: '1', memory: '1.5Gi' }, /invalid memory quantity "1.5Gi"/],
  ])('refuses %j', (limits, message) => {
    expect(() => resourcesFor('standard', limits, 2)).toThrow(InvalidInputError);
    expect(() => resourcesFor('standard', limits, 2)).toThrow(message);
  });

  it('each tier yields the QoS class it promises', () => {
    const pod = (tier: QosTier) => [{ resources: resourcesFor(tier, { cpu: '1', memory: '1Gi' }, 2) }];
    expect(qosClass(pod('critical'))).toBe('Guaranteed');
    expect(qosClass(pod('standard'))).toBe('Burstable');
    expect(qosClass(pod('back-office'))).toBe('Burstable');
  });
});

describe('qosClass (Kubernetes rules)', () => {
  const c = (requests?: Record<string, string>, limits?: Record<string, string>): ResourcedContainer => ({
    resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) },
  });
  const full = { cpu: '1', memory: '1Gi' };
  it.each<[string, ResourcedContainer[], string]>([
    ['no resources at all', [{}, {}], 'BestEffort'],
    ['empty resources', [c({}, {})], 'BestEffort'],
    ['zero counts as unset', [c({ cpu: '0' }, { memory: '0' })], 'BestEffort'],
    ['only other resources', [c({ 'ephemeral-storage': '1Gi' }, { 'nvidia.com/gpu': '1' })], 'BestEffort'],
    ['requests = limits', [c(full, full)], 'Guaranteed'],
    ['limits only: requests default to limits', [c(undefined, full)], 'Guaranteed'],
    ['equal in other spellings', [c({ cpu: '1000m', memory: '1024Mi' }, full)], 'Guaranteed'],
    ['two guaranteed containers', [c(full, full), c(undefined, { cpu: '250m', memory: '64Mi' })], 'Guaranteed'],
    ['request below limit', [c({ cpu: '500m', memory: '1Gi' }, full)], 'Burstable'],
    ['only a CPU limit', [c(undefined, { cpu: '1' })], 'Burstable'],
    ['only requests', [c(full)], 'Burstable'],
    ['one container without limits', [c(full, full), {}], 'Burstable'],
    ['explicit zero request under a limit', [c({ cpu: '0', memory: '1Gi' }, full)], 'Burstable'],
  ])('%s -> %s', (_, containers, expected) => {
    expect(qosClass(containers)).toBe(expected);
  });
});

describe('demandOf', () => {
  const spec = (replicas: number | undefined, strategy?: object) => ({
    ...(replicas === undefined ? {} : { replicas }),
    ...(strategy ? { strategy } : {}),
    template: {
      spec: {
        containers: [
          { resources: resourcesFor('standard', { cpu: '500m', memory: '768Mi' }, 2) },
          { resources: { limits: { cpu: '100m', memory: '64Mi' } } },
          {},
        ],
      },
    },
  });

  it('totals requests (defaulted from limits) and limits times replicas', () => {
    expect(demandOf(spec(3))).toEqual({
      cpuRequestsMillis: 3 * (250 + 100),
      memoryRequestsBytes: 3 * (512 + 64) * MiB,
      cpuLimitsMillis: 3 * (500 + 100),
      memoryLimitsBytes: 3 * (768 + 64) * MiB,
      pods: 3,
    });
  });

  it.each<[string, number | undefined, object | undefined, { replicas?: number; rollout?: boolean }, number]>([
    ['no rollout', 4, undefined, {}, 4],
    ['rollout: 25% of 4 is 1', 4, undefined, { rollout: true }, 5],
    ['rollout: 25% of 3 rounds up to 1', 3, undefined, { rollout: true }, 4],
    ['rollout: 25% of 10 rounds up to 3', 10, undefined, { rollout: true }, 13],
    ['rollout of 0 replicas', 0, undefined, { rollout: true }, 0],
    ['explicit maxSurge', 3, { rollingUpdate: { maxSurge: 2 } }, { rollout: true }, 5],
    ['percent maxSurge', 3, { rollingUpdate: { maxSurge: '50%' } }, { rollout: true }, 5],
    ['Recreate never surges', 3, { type: 'Recreate' }, { rollout: true }, 3],
    ['replicas left to an HPA: given', undefined, undefined, { replicas: 6 }, 6],
    ['replicas unset anywhere: the API default 1', undefined, undefined, {}, 1],
  ])('%s', (_, replicas, strategy, options, pods) => {
    const demand = demandOf(spec(replicas, strategy), options);
    expect(demand.pods).toBe(pods);
    expect(demand.cpuRequestsMillis).toBe(pods * 350);
  });

  it('refuses a maxSurge it cannot read', () => {
    expect(() => surgeOf({ strategy: { rollingUpdate: { maxSurge: 'lots' } }, template: {} }, 3)).toThrow(/maxSurge/);
  });

  it('handles large memory exactly', () => {
    const big = { template: { spec: { containers: [{ resources: { limits: { cpu: '32', memory: '200Gi' } } }] } } };
    expect(demandOf(big, { replicas: 100 }).memoryLimitsBytes).toBe(100 * 200 * GiB);
  });
});
