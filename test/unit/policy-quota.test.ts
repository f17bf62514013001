import { describe, expect, it } from 'vitest';
import type { Demand } from '../../lib/deploy/decisions/qos.ts';
import { GiB, MiB } from '../../lib/deploy/decisions/quantity.ts';
import { type QuotaLike, quotaShortfallsIn } from '../../lib/deploy/decisions/quota.ts';

const demand = (d: Partial<Demand> = {}): Demand => ({
  cpuRequestsMillis: 750,
  memoryRequestsBytes: 512 * MiB,
  cpuLimitsMillis: 1500,
  memoryLimitsBytes: 768 * MiB,
  pods: 3,
  ...d,
});

const quota = (
  name: string,
  hard: Record<string, string>,
  used: Record<string, string> | undefined,
  spec: Partial<NonNullable<QuotaLike['spec']>> = {},
): QuotaLike => ({
  metadata: { name },
  spec: { hard, ...spec },
  ...(used ? { status: { hard, used } } : {}),
});

const compute = quota(
  'compute',
  { 'requests.cpu': '1', 'requests.memory': '1Gi', pods: '5' },
  { 'requests.cpu': '500m', 'requests.memory': '256Mi', pods: '2' },
);

describe('quotaShortfallsIn', () => {
  it.each<[string, QuotaLike[], Demand, Demand | undefined, string[]]>([
    ['no quota, no limit', [], demand({ cpuRequestsMillis: 10_000_000 }), undefined, []],
    ['fits', [compute], demand({ cpuRequestsMillis: 500, memoryRequestsBytes: 768 * MiB, pods: 3 }), undefined, []],
    [
      'too much CPU: names the key and the room left',
      [compute],
      demand({ cpuRequestsMillis: 750 }),
      undefined,
      ['ResourceQuota team/compute: requests.cpu needs 750m more, only 500m left (hard 1, used 500m)'],
    ],
    [
      'every short resource is named',
      [compute],
      demand({ cpuRequestsMillis: 1500, memoryRequestsBytes: GiB, pods: 4 }),
      undefined,
      [
        'ResourceQuota team/compute: requests.cpu needs 1500m more, only 500m left (hard 1, used 500m)',
        'ResourceQuota team/compute: requests.memory needs 1Gi more, only 768Mi left (hard 1Gi, used 256Mi)',
        'ResourceQuota team/compute: pods needs 4 more, only 3 left (hard 5, used 2)',
      ],
    ],
    [
      'a rolling update is judged on the difference',
      [compute],
      demand({ cpuRequestsMillis: 900, pods: 4 }),
      demand({ cpuRequestsMillis: 500, pods: 2 }),
      [],
    ],
    [
      'a difference that does not fit',
      [compute],
      demand({ cpuRequestsMillis: 1200, pods: 4 }),
      demand({ cpuRequestsMillis: 500, pods: 2 }),
      ['ResourceQuota team/compute: requests.cpu needs 700m more, only 500m left (hard 1, used 500m)'],
    ],
    [
      'shrinking always fits, even over quota',
      [quota('tight', { 'requests.cpu': '1' }, { 'requests.cpu': '2' })],
      demand({ cpuRequestsMillis: 1000 }),
      demand({ cpuRequestsMillis: 2000 }),
      [],
    ],
    [
      'over quota already: nothing left',
      [quota('tight', { 'requests.cpu': '1' }, { 'requests.cpu': '2' })],
      demand({ cpuRequestsMillis: 1 }),
      undefined,
      ['ResourceQuota team/tight: requests.cpu needs 1m more, only 0 left (hard 1, used 2)'],
    ],
    [
      'aliases and limits',
      [
        quota(
          'all',
          { cpu: '2', memory: '1Gi', 'limits.cpu': '1', 'limits.memory': '2Gi', 'count/pods': '3' },
          { cpu: '0', memory: '0', 'limits.cpu': '0', 'limits.memory': '1536Mi', 'count/pods': '1' },
        ),
      ],
      demand(),
      undefined,
      [
        'ResourceQuota team/all: limits.cpu needs 1500m more, only 1 left (hard 1, used 0)',
        'ResourceQuota team/all: limits.memory needs 768Mi more, only 512Mi left (hard 2Gi, used 1536Mi)',
        'ResourceQuota team/all: count/pods needs 3 more, only 2 left (hard 3, used 1)',
      ],
    ],
    [
      'every quota must have room, reported in name order',
      [
        quota('b', { pods: '2' }, { pods: '0' }),
        quota('a', { 'requests.memory': '100Mi' }, { 'requests.memory': '0' }),
      ],
      demand(),
      undefined,
      [
        'ResourceQuota team/a: requests.memory needs 512Mi more, only 100Mi left (hard 100Mi, used 0)',
        'ResourceQuota team/b: pods needs 3 more, only 2 left (hard 2, used 0)',
      ],
    ],
    [
      'untracked resources are ignored',
      [
        quota(
          'other',
          { 'count/secrets': '1', 'requests.storage': '1Gi' },
          { 'count/secrets': '1', 'requests.storage': '1Gi' },
        ),
      ],
      demand(),
      undefined,
      [],
    ],
  ])('%s', (_, quotas, d, current, expected) => {
    expect(quotaShortfallsIn('team', quotas, d, current)).toEqual({ shortfalls: expected, unknown: [] });
  });

  it.each<[string, NonNullable<QuotaLike['spec']>, Demand, boolean]>([
    ['Terminating pods only', { scopes: ['Terminating'] }, demand(), false],
    ['NotTerminating pods', { scopes: ['NotTerminating'] }, demand(), true],
    ['BestEffort pods, ours are not', { scopes: ['BestEffort'] }, demand(), false],
    [
      'BestEffort pods, ours are',
      { scopes: ['BestEffort'] },
      demand({ cpuRequestsMillis: 0, memoryRequestsBytes: 0, cpuLimitsMillis: 0, memoryLimitsBytes: 0 }),
      true,
    ],
    ['NotBestEffort pods', { scopes: ['NotBestEffort'] }, demand(), true],
    ['scopes are ANDed', { scopes: ['NotBestEffort', 'Terminating'] }, demand(), false],
    [
      'a priority class we do not set',
      { scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['high'] }] } },
      demand(),
      false,
    ],
    [
      'pods without a priority class',
      { scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'DoesNotExist' }] } },
      demand(),
      true,
    ],
    [
      'cross-namespace affinity',
      { scopeSelector: { matchExpressions: [{ scopeName: 'CrossNamespacePodAffinity', operator: 'Exists' }] } },
      demand(),
      false,
    ],
    ['an unknown scope is taken to apply', { scopes: ['SomethingNew'] }, demand(), true],
  ])('scope: %s applies: %s', (_, spec, d, applies) => {
    const scoped = quota('scoped', { pods: '0' }, { pods: '0' }, spec);
    expect(quotaShortfallsIn('team', [scoped], d).shortfalls).toHaveLength(applies ? 1 : 0);
  });

  it.each<[string, QuotaLike]>([
    ['no status yet', quota('fresh', { pods: '5' }, undefined)],
    [
      'status not caught up with a new key',
      {
        metadata: { name: 'fresh' },
        spec: { hard: { pods: '5', 'requests.cpu': '1' } },
        status: { hard: { pods: '5' }, used: { pods: '0' } },
      },
    ],
  ])('usage not computed yet (%s) is unknown, not a shortfall', (_, q) => {
    const result = quotaShortfallsIn('team', [q], demand());
    expect(result.shortfalls).toEqual([]);
    expect(result.unknown).toEqual([
      expect.stringMatching(/^ResourceQuota team\/fresh has no usage for (pods|requests\.cpu) yet$/),
    ]);
  });
});
