import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConflictError } from '../../lib/errors.ts';
import { clustersOfEnvironment, getCluster, listClusters, putCluster } from '../../lib/store/clusters.ts';
import type { Db } from '../../lib/store/db.ts';
import { queryHistory, recordHistory } from '../../lib/store/history.ts';
import { keys } from '../../lib/store/keys.ts';
import { acquireLease, releaseLease } from '../../lib/store/leases.ts';
import {
  createRelease,
  getRelease,
  listAppReleases,
  listReleases,
  type NewRelease,
  setClusterProgress,
  setClusterRelease,
  setReleaseStatus,
} from '../../lib/store/releases.ts';
import { ensureTable } from '../../lib/store/table.ts';
import { awsClients, freshDb } from '../support/aws.ts';

// Against the real DynamoDB Local: conditional writes, transactions and indexes are the point here.
let db: Db;
const { ddb } = awsClients();
beforeAll(async () => {
  db = await freshDb(ddb);
});

const newRelease = (eventId: string, app = 'api'): NewRelease => ({
  app,
  environment: 'staging',
  eventId,
  image: `registry.local/acme/api@sha256:${'a'.repeat(64)}`,
  namespace: 'default',
  manifests: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } }],
  createdAt: new Date().toISOString(),
  waves: [['east', 'west']],
});

describe('table', () => {
  it('is created once; ensuring it again changes nothing', async () => {
    expect(await ensureTable(ddb, db.table)).toBe('unchanged');
  });
});

describe('releases', () => {
  it('makes exactly one release per event id, however often it is asked', async () => {
    const first = await createRelease(db, newRelease('evt-1'));
    const again = await createRelease(db, newRelease('evt-1'));
    expect(first.created).toBe(true);
    expect(again.created).toBe(false);
    expect(again.release.revision).toBe(first.release.revision);
    expect(await listReleases(db, 'api', 'staging')).toHaveLength(1);
  });

  it('three concurrent requests for the same event make one release', async () => {
    const results = await Promise.all([1, 2, 3].map(() => createRelease(db, newRelease('evt-concurrent', 'web'))));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.release.revision))).toEqual(new Set([1]));
    expect(await listReleases(db, 'web', 'staging')).toHaveLength(1);
  });

  it('concurrent different events get distinct, gap-free revisions, listed newest first', async () => {
    const results = await Promise.all(['a', 'b', 'c'].map((id) => createRelease(db, newRelease(`evt-${id}`, 'jobs'))));
    expect(results.map((r) => r.release.revision).sort()).toEqual([1, 2, 3]);
    expect((await listReleases(db, 'jobs', 'staging')).map((r) => r.revision)).toEqual([3, 2, 1]);
  });

  it("lists an app's releases across environments, newest first", async () => {
    const at = (minute: number) => `2026-11-30T10:0${minute}:00.000Z`;
    await createRelease(db, { ...newRelease('evt-s1', 'multi'), createdAt: at(1) });
    await createRelease(db, { ...newRelease('evt-p1', 'multi'), environment: 'production', createdAt: at(2) });
    await createRelease(db, { ...newRelease('evt-s2', 'multi'), createdAt: at(3) });
    expect((await listAppReleases(db, 'multi')).map((r) => `${r.environment}#${r.revision}`)).toEqual([
      'staging#2',
      'production#1',
      'staging#1',
    ]);
    expect(await listAppReleases(db, 'multi', 1)).toHaveLength(1);
  });

  it('records each cluster separately within a release', async () => {
    const { release } = await createRelease(db, newRelease('evt-clusters', 'pay'));
    const at = new Date().toISOString();
    await Promise.all([
      setClusterRelease(db, release, 'east', { apply: 'created', rollout: 'progressing', updatedAt: at }),
      setClusterRelease(db, release, 'west', { apply: 'failed', rollout: 'pending', message: 'down', updatedAt: at }),
    ]);
    const [stored] = await listReleases(db, 'pay', 'staging');
    expect(stored?.clusters).toEqual({
      east: { apply: 'created', rollout: 'progressing', updatedAt: at },
      west: { apply: 'failed', rollout: 'pending', message: 'down', updatedAt: at },
    });
  });

  it("a rollout check's progress racing the check that settles the cluster never leaves it unsettled", async () => {
    const { release } = await createRelease(db, newRelease('evt-progress', 'race'));
    const at = new Date().toISOString();
    const replicas = (updated: number) => ({ desired: 3, updated, available: 3, old: 3 - updated });
    await setClusterRelease(db, release, 'east', { apply: 'created', rollout: 'progressing', updatedAt: at });
    const ready = {
      apply: 'created',
      rollout: 'ready',
      message: '3 of 3',
      replicas: replicas(3),
      updatedAt: at,
    } as const;
    // Whichever lands first: a progress report after the settle is refused, one before it is overwritten.
    const [progressed] = await Promise.all([
      setClusterProgress(db, release, 'east', { replicas: replicas(1), message: '1 of 3', updatedAt: at }),
      setClusterRelease(db, release, 'east', ready),
    ]);
    expect(typeof progressed).toBe('boolean');
    expect((await getRelease(db, 'race', 'staging', release.revision)).clusters.east).toEqual(ready);
  });

  it('moves status forward only: a late writer cannot undo a settled release', async () => {
    const { release } = await createRelease(db, newRelease('evt-status', 'flow'));
    expect(await setReleaseStatus(db, release, 'progressing', ['applying'])).toBe(true);
    expect(await setReleaseStatus(db, release, 'succeeded', ['applying', 'progressing'])).toBe(true);
    expect(await setReleaseStatus(db, release, 'progressing', ['applying'])).toBe(false);
    expect(await setReleaseStatus(db, release, 'failed', ['applying', 'progressing'])).toBe(false);
    expect((await getRelease(db, 'flow', 'staging', release.revision)).status).toBe('succeeded');
  });

  it('refuses to hand back an item that does not match its schema', async () => {
    await db.doc.send(
      new PutCommand({ TableName: db.table, Item: { ...keys.release('bad', 'staging', 1), revision: 'x' } }),
    );
    await expect(listReleases(db, 'bad', 'staging')).rejects.toThrow(/malformed item REL#bad#staging/);
  });
});

describe('clusters', () => {
  it('lists an environment in wave order and keeps credentials as references', async () => {
    const at = new Date().toISOString();
    for (const [name, wave] of [
      ['c-late', 2],
      ['c-first', 0],
      ['c-mid', 1],
    ] as const) {
      await putCluster(db, {
        name,
        environment: 'production',
        wave,
        credentials: { kind: 'secret', secretId: `capstan/clusters/${name}` },
        registeredAt: at,
      });
    }
    expect((await clustersOfEnvironment(db, 'production')).map((c) => c.name)).toEqual(['c-first', 'c-mid', 'c-late']);
    expect((await listClusters(db)).length).toBeGreaterThanOrEqual(3);
    expect((await getCluster(db, 'c-mid')).credentials).toEqual({ kind: 'secret', secretId: 'capstan/clusters/c-mid' });
    await expect(getCluster(db, 'nope')).rejects.toThrow('cluster nope is not registered');
  });
});

describe('history', () => {
  const entry = {
    app: 'hist',
    environment: 'staging',
    cluster: 'east',
    eventId: 'evt-h',
    eventType: 'deploy.requested',
    action: 'apply',
    eventTime: '2026-01-01T00:00:00Z',
  } as const;
  const at = (ms: number) => new Date(ms).toISOString();

  it('a redelivery with the same outcome overwrites its twin; a different outcome is kept beside it', async () => {
    const t = Date.now();
    await recordHistory(db, { ...entry, outcome: 'failed', reason: 'unreachable', recordedAt: at(t) });
    await recordHistory(db, { ...entry, outcome: 'failed', reason: 'unreachable again', recordedAt: at(t + 1000) });
    await recordHistory(db, { ...entry, outcome: 'created', recordedAt: at(t + 2000) });
    const byApp = await queryHistory(db, { app: 'hist' });
    expect(byApp.map((e) => [e.outcome, e.reason])).toEqual([
      ['created', undefined],
      ['failed', 'unreachable again'],
    ]);
    // Both filed under when capstan first received the event, not the redelivery's clock.
    expect(byApp.map((e) => e.receivedAt)).toEqual([at(t), at(t)]);
    expect(await queryHistory(db, { cluster: 'east' })).toHaveLength(2);
    expect(await queryHistory(db, { app: 'hist', environment: 'production' })).toHaveLength(0);
  });

  it("orders by when capstan received each event, not by the producer's clock; a late redelivery adds nothing", async () => {
    const app = 'skewed';
    const t = Date.now();
    const step = { app, environment: 'staging', eventType: 'deploy.requested', action: 'release' } as const;
    const threeDaysAgo = at(t - 3 * 24 * 3600 * 1000);
    const late = (recordedAt: string) =>
      recordHistory(db, { ...step, eventId: 'late', eventTime: threeDaysAgo, outcome: 'skipped', recordedAt });
    await recordHistory(db, { ...step, eventId: 'newer', eventTime: at(t), outcome: 'skipped', recordedAt: at(t) });
    await late(at(t + 1000));
    // The late event again, much later (a producer retry): the same step, the same ending.
    await late(at(t + 60_000));
    const history = await queryHistory(db, { app });
    expect(history.map((e) => e.eventId)).toEqual(['late', 'newer']);
    expect(history[0]).toMatchObject({ eventTime: threeDaysAgo, receivedAt: at(t + 1000), recordedAt: at(t + 60_000) });
  });

  it('reads entries written before receipts: their event time stands in for when they were received', async () => {
    await db.doc.send(
      new PutCommand({
        TableName: db.table,
        Item: {
          ...keys.appHistory('legacy'),
          SK: '2025-01-01T00:00:00.000Z#old#release#-#created',
          app: 'legacy',
          eventId: 'old',
          eventType: 'deploy.requested',
          action: 'release',
          outcome: 'created',
          at: '2025-01-01T00:00:00Z',
          recordedAt: '2025-01-01T00:00:01.000Z',
        },
      }),
    );
    expect(await queryHistory(db, { app: 'legacy' })).toEqual([
      expect.objectContaining({ eventTime: '2025-01-01T00:00:00Z', receivedAt: '2025-01-01T00:00:00Z' }),
    ]);
  });
});

describe('leases', () => {
  it('one holder at a time; renewable by its holder; taken over once expired', async () => {
    const now = Date.now();
    await acquireLease(db, 'workload/a', 'one', 30, now);
    await expect(acquireLease(db, 'workload/a', 'two', 30, now)).rejects.toBeInstanceOf(ConflictError);
    await acquireLease(db, 'workload/a', 'one', 30, now + 1000);
    await acquireLease(db, 'workload/a', 'two', 30, now + 60_000);
    await releaseLease(db, 'workload/a', 'one'); // no longer ours: a no-op
    await expect(acquireLease(db, 'workload/a', 'one', 30, now + 61_000)).rejects.toBeInstanceOf(ConflictError);
    await releaseLease(db, 'workload/a', 'two');
    await acquireLease(db, 'workload/a', 'one', 30, now + 62_000);
  });
});
