import { describe, expect, it } from 'vitest';
import { AppSpecSchema } from '../../lib/apps/spec.ts';
import { cellOf, matrixRow, versionOf } from '../../lib/dashboard/decisions/fleet-matrix.ts';
import { fleetView } from '../../lib/dashboard/use-cases/fleet.ts';
import type { ClusterRelease, Release } from '../../lib/store/releases.ts';
import { dashboardReads } from '../support/dashboard-reads.ts';
import { aRelease } from '../support/releases.ts';

const at = '2026-12-04T10:00:00.000Z';
const ready: ClusterRelease = { apply: 'configured', rollout: 'ready', updatedAt: at };
const progressing: ClusterRelease = { apply: 'configured', rollout: 'progressing', updatedAt: at };
const failed: ClusterRelease = {
  apply: 'configured',
  rollout: 'failed',
  code: 'rollout-failed',
  message: 'ReplicaSet api-7d9 has timed out progressing',
  updatedAt: at,
};
const digest = `sha256:${'a'.repeat(64)}`;
const rel = (revision: number, clusters: Record<string, ClusterRelease>, over: Partial<Release> = {}) =>
  aRelease({ revision, image: `registry.local:5000/acme/api:1.0.${revision}@${digest}`, clusters, ...over });

describe('versionOf', () => {
  it.each([
    ['registry.local:5000/acme/api:1.4.2@sha256:ab', { tag: '1.4.2', digest: 'sha256:ab' }],
    ['registry.local:5000/acme/api@sha256:ab', { digest: 'sha256:ab' }],
    ['nginx:1.27', { tag: '1.27' }],
    ['registry.local:5000/acme/api', {}],
  ])('%s', (image, parts) => {
    const v = versionOf({ revision: 3, image });
    expect(v).toEqual({ revision: 3, image, ...parts });
  });
});

describe('cellOf: what runs on a cluster and how it is doing', () => {
  it('nothing released there: none', () => {
    expect(cellOf('eu-1', [])).toEqual({ cluster: 'eu-1', state: 'none' });
    // A release whose later wave never got to this cluster.
    expect(cellOf('eu-2', [rel(1, { 'eu-1': ready })])).toEqual({ cluster: 'eu-2', state: 'none' });
  });

  it('the newest release Ready there: healthy, with its tag and digest', () => {
    const cell = cellOf('eu-1', [rel(1, { 'eu-1': ready }), rel(2, { 'eu-1': ready })]);
    expect(cell).toEqual({
      cluster: 'eu-1',
      state: 'healthy',
      running: { revision: 2, image: `registry.local:5000/acme/api:1.0.2@${digest}`, tag: '1.0.2', digest },
    });
  });

  it('a newer one rolling out: progressing, the old one still named as running', () => {
    const cell = cellOf('eu-1', [rel(2, { 'eu-1': progressing }), rel(1, { 'eu-1': ready })]);
    expect(cell).toMatchObject({ state: 'progressing', running: { revision: 1 }, next: { revision: 2 } });
  });

  it('a first release rolling out: progressing with nothing running yet', () => {
    const cell = cellOf('eu-1', [rel(1, { 'eu-1': { ...progressing, rollout: 'pending' } })]);
    expect(cell).toEqual({ cluster: 'eu-1', state: 'progressing', next: expect.objectContaining({ revision: 1 }) });
  });

  it('failed there: failed, with its code and reason, and what still runs', () => {
    const cell = cellOf('eu-1', [rel(1, { 'eu-1': ready }), rel(2, { 'eu-1': failed }, { status: 'failed' })]);
    expect(cell).toMatchObject({
      state: 'failed',
      running: { revision: 1 },
      next: { revision: 2 },
      code: 'rollout-failed',
      reason: 'ReplicaSet api-7d9 has timed out progressing',
    });
    const apply = cellOf('eu-1', [rel(1, { 'eu-1': { apply: 'failed', rollout: 'pending', updatedAt: at } })]);
    expect(apply.state).toBe('failed');
    // The same apply failure while the release goes on is tried again (a held lease, a blip): on its way.
    const retrying = cellOf('eu-1', [
      rel(
        1,
        { 'eu-1': { apply: 'failed', rollout: 'pending', code: 'lease-held', updatedAt: at } },
        { status: 'applying' },
      ),
    ]);
    expect(retrying).toMatchObject({ state: 'progressing', next: { revision: 1 } });
  });

  it('rolled back after a failure: healthy, saying which release it brought back', () => {
    const cell = cellOf('eu-1', [
      rel(1, { 'eu-1': ready }),
      rel(2, { 'eu-1': failed }, { status: 'failed' }),
      // A rollback re-applies release 1 (rollbackOf names the release it brings back).
      rel(3, { 'eu-1': ready }, { rollbackOf: 1, image: `registry.local:5000/acme/api:1.0.1@${digest}` }),
    ]);
    expect(cell).toMatchObject({ state: 'healthy', running: { revision: 3, tag: '1.0.1' }, rolledBackTo: 1 });
  });

  it('says how many replicas are ready, from the newest release there (the one rolling out, if any)', () => {
    const counts = (available: number, updated: number, old: number) => ({ desired: 3, updated, available, old });
    const done = { ...ready, replicas: counts(3, 3, 0) };
    const rolling = { ...progressing, replicas: counts(3, 1, 2) };
    expect(cellOf('eu-1', [rel(1, { 'eu-1': done })]).replicas).toEqual(counts(3, 3, 0));
    const cell = cellOf('eu-1', [rel(1, { 'eu-1': done }), rel(2, { 'eu-1': rolling }, { status: 'progressing' })]);
    expect(cell).toMatchObject({ state: 'progressing', running: { revision: 1 }, replicas: counts(3, 1, 2) });
  });

  it('a release that ended (superseded, failed elsewhere) before it settled here: unknown, not progressing for ever', () => {
    for (const status of ['superseded', 'failed'] as const) {
      const cell = cellOf('eu-1', [rel(1, { 'eu-1': ready }), rel(2, { 'eu-1': progressing }, { status })]);
      expect(cell).toMatchObject({ state: 'unknown', running: { revision: 1 }, next: { revision: 2 } });
      expect(cell.reason).toBe(`release 2 was ${status} before its rollout here settled`);
    }
  });

  it('a rollback rolling out is progressing; it says it rolled back only once Ready', () => {
    const cell = cellOf('eu-1', [
      rel(1, { 'eu-1': ready }),
      rel(2, { 'eu-1': failed }, { status: 'failed' }),
      rel(3, { 'eu-1': progressing }, { rollbackOf: 1, status: 'progressing' }),
    ]);
    expect(cell).toMatchObject({ state: 'progressing', running: { revision: 1 }, next: { revision: 3 } });
    expect(cell).not.toHaveProperty('rolledBackTo');
  });

  it('Ready on this cluster while the release failed elsewhere: healthy here', () => {
    const cell = cellOf('eu-1', [rel(1, { 'eu-1': ready, 'eu-2': failed }, { status: 'failed' })]);
    expect(cell.state).toBe('healthy');
    expect(cellOf('eu-2', [rel(1, { 'eu-1': ready, 'eu-2': failed }, { status: 'failed' })]).state).toBe('failed');
  });
});

describe('matrixRow', () => {
  it('a cell per cluster, in the order given (the waves)', () => {
    const row = matrixRow('api', 'production', ['eu-1', 'eu-2'], [rel(1, { 'eu-1': ready })]);
    expect(row.cells.map((c) => [c.cluster, c.state])).toEqual([
      ['eu-1', 'healthy'],
      ['eu-2', 'none'],
    ]);
  });
});

describe('fleetView', () => {
  it('environments set or met through their clusters, clusters in wave order without credentials, a row per app and environment', async () => {
    const cluster = (name: string, environment: string, wave: number) =>
      ({
        name,
        environment,
        wave,
        credentials: { kind: 'kubeconfig', path: '/secret/kubeconfig', context: name },
        registeredAt: at,
      }) as const;
    const app = AppSpecSchema.parse({
      name: 'api',
      namespace: 'api',
      containers: [{ name: 'api', repository: 'registry.local:5000/acme/api' }],
      environments: { staging: {}, production: {} },
    });
    const view = await fleetView(
      dashboardReads({
        apps: async () => [{ spec: app, generation: 1, registeredAt: at, updatedAt: at }],
        clusters: async () => [
          cluster('eu-2', 'production', 1),
          cluster('eu-1', 'production', 0),
          cluster('st-1', 'staging', 0),
        ],
        environmentNames: async () => ['qa'],
        policy: async (name) => ({ name, protected: name.startsWith('prod'), configured: name === 'qa' }),
        releases: async (_app, env) => (env === 'production' ? [rel(1, { 'eu-1': ready })] : []),
      }),
    );
    expect(view.environments).toEqual([
      { name: 'production', protected: true, clusters: ['eu-1', 'eu-2'] },
      { name: 'qa', protected: false, clusters: [] },
      { name: 'staging', protected: false, clusters: ['st-1'] },
    ]);
    expect(JSON.stringify(view)).not.toContain('kubeconfig');
    expect(view.rows.map((r) => [r.environment, r.cells.map((c) => `${c.cluster}:${c.state}`)])).toEqual([
      ['production', ['eu-1:healthy', 'eu-2:none']],
      ['staging', ['st-1:none']],
    ]);
  });
});
