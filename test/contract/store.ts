import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AppSpecSchema } from '../../lib/apps/spec.ts';
import { ConflictError, NotFoundError } from '../../lib/errors.ts';
import type { NewNodeHeal } from '../../lib/store/heals.ts';
import type { HistoryEntry, NewHistoryEntry } from '../../lib/store/history.ts';
import type { Store } from '../../lib/store/ports.ts';
import type { NewRelease } from '../../lib/store/releases.ts';
import type { StoreSeed } from '../doubles/store.ts';

/** A store under test, with the setup the CLI would do and a way to read the history back. */
export interface StoreFixture {
  readonly store: Store;
  readonly seed: StoreSeed;
  /** The app's history entries, in any order. */
  history(app: string): Promise<HistoryEntry[]>;
}

/** Names of their own per test: the suite may share one table. */
const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

const newRelease = (app: string, eventId: string, environment = 'staging'): NewRelease => ({
  app,
  environment,
  eventId,
  image: `registry.local/acme/${app}@sha256:${'a'.repeat(64)}`,
  namespace: 'default',
  manifests: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } }],
  createdAt: '2026-12-01T10:00:00.000Z',
  requestedAt: '2026-12-01T09:59:00.000Z',
  waves: [['east'], ['west']],
});

const state = (rollout: 'progressing' | 'ready', at = '2026-12-01T10:00:01.000Z') =>
  ({ apply: 'created', rollout, updatedAt: at }) as const;

const step = (app: string, over: Partial<NewHistoryEntry> = {}): NewHistoryEntry => ({
  app,
  environment: 'staging',
  eventId: 'evt-1',
  eventType: 'deploy.requested',
  action: 'apply',
  cluster: 'east',
  outcome: 'created',
  eventTime: '2026-12-01T09:59:00.000Z',
  recordedAt: '2026-12-01T10:00:00.000Z',
  ...over,
});

const specOf = (name: string, containers: { name: string; repository: string }[]) =>
  AppSpecSchema.parse({ name, namespace: name, containers, environments: { staging: {} } });

const suspicion = (cluster: string, node: string, over: Partial<NewNodeHeal> = {}): NewNodeHeal => ({
  cluster,
  node,
  mode: 'auto',
  eventId: 'look-1',
  suspectedAt: '2026-12-01T10:00:00.000Z',
  ...over,
});

/**
 * What every Store must do, conditional writes included: run against the in-memory double (unit) and
 * against dynamoStore over DynamoDB Local (integration), so the double is held to the real table.
 */
export const storeContract = (name: string, makeStore: () => Promise<StoreFixture>) => {
  describe(`${name}: releases`, () => {
    it('creates one release per event id, revisions counting from 1; a redelivery gets the one it made', async () => {
      const { store } = await makeStore();
      const app = unique('app');
      const first = await store.releases.create(newRelease(app, 'evt-a'));
      const second = await store.releases.create(newRelease(app, 'evt-b'));
      const again = await store.releases.create({ ...newRelease(app, 'evt-a'), image: 'other' });
      expect(first).toMatchObject({
        created: true,
        release: { revision: 1, wave: 0, status: 'applying', clusters: {} },
      });
      expect(second).toMatchObject({ created: true, release: { revision: 2 } });
      expect(again.created).toBe(false);
      expect(again.release).toEqual(first.release);
      expect(await store.releases.revisionOfEvent(app, 'staging', 'evt-b')).toBe(2);
      expect(await store.releases.revisionOfEvent(app, 'staging', 'evt-z')).toBeUndefined();
      // Revisions count per environment.
      const elsewhere = await store.releases.create(newRelease(app, 'evt-a', 'production'));
      expect(elsewhere).toMatchObject({ created: true, release: { revision: 1, environment: 'production' } });
    });

    it('gets a release as created, and throws NotFoundError for one that does not exist', async () => {
      const { store } = await makeStore();
      const app = unique('app');
      const { release } = await store.releases.create(newRelease(app, 'evt-a'));
      expect(await store.releases.get(app, 'staging', 1)).toEqual(release);
      await expect(store.releases.get(app, 'staging', 2)).rejects.toBeInstanceOf(NotFoundError);
    });

    it('lists newest first, up to the limit; nothing for an environment without releases', async () => {
      const { store } = await makeStore();
      const app = unique('app');
      for (const id of ['a', 'b', 'c']) await store.releases.create(newRelease(app, `evt-${id}`));
      const revisions = async (limit?: number) =>
        (await store.releases.list(app, 'staging', limit)).map((r) => r.revision);
      expect(await revisions()).toEqual([3, 2, 1]);
      expect(await revisions(2)).toEqual([3, 2]);
      expect(await revisions(1)).toEqual([3]);
      expect(await store.releases.list(app, 'production')).toEqual([]);
    });

    it("sets one cluster's part, leaving the others; only on an existing release", async () => {
      const { store } = await makeStore();
      const app = unique('app');
      const { release } = await store.releases.create(newRelease(app, 'evt-a'));
      await store.releases.setCluster(release, 'east', state('progressing'));
      await store.releases.setCluster(release, 'west', state('progressing'));
      await store.releases.setCluster(release, 'east', state('ready'));
      expect((await store.releases.get(app, 'staging', 1)).clusters).toEqual({
        east: state('ready'),
        west: state('progressing'),
      });
      await expect(
        store.releases.setCluster({ app, environment: 'staging', revision: 9 }, 'east', state('ready')),
      ).rejects.toBeInstanceOf(ConflictError);
    });

    it("records a cluster's progress only while its rollout is pending or progressing, leaving the rest", async () => {
      const { store } = await makeStore();
      const app = unique('app');
      const { release } = await store.releases.create(newRelease(app, 'evt-a'));
      const east = () => store.releases.get(app, 'staging', 1).then((r) => r.clusters.east);
      const progress = (updated: number, at: string) => ({
        replicas: { desired: 3, updated, available: 3, old: 3 - updated },
        message: `${updated} of 3 new replicas updated`,
        updatedAt: at,
      });
      const pending = {
        apply: 'configured',
        rollout: 'pending',
        code: 'unreachable',
        updatedAt: '2026-12-01T10:00:00.000Z',
      } as const;
      await store.releases.setCluster(release, 'east', pending);
      const waiting = progress(0, '2026-12-01T10:00:01.000Z');
      expect(await store.releases.setClusterProgress(release, 'east', waiting)).toBe(true);
      expect(await east()).toEqual({ ...pending, ...waiting }); // the apply outcome and code untouched

      await store.releases.setCluster(release, 'east', state('progressing'));
      const halfway = progress(1, '2026-12-01T10:00:02.000Z');
      expect(await store.releases.setClusterProgress(release, 'east', halfway)).toBe(true);
      const written = await east();
      expect(written).toEqual({ ...state('progressing'), ...halfway });
      // The same check again (a redelivery): written again, the entry the same.
      expect(await store.releases.setClusterProgress(release, 'east', halfway)).toBe(true);
      expect(await east()).toEqual(written);

      // Settled: a late check is refused and changes nothing, ready or failed.
      for (const settled of [
        state('ready'),
        { ...state('progressing'), rollout: 'failed', code: 'rollout-failed' } as const,
      ]) {
        await store.releases.setCluster(release, 'east', settled);
        const late = progress(2, '2026-12-01T10:00:03.000Z');
        expect(await store.releases.setClusterProgress(release, 'east', late)).toBe(false);
        expect(await east()).toEqual(settled);
      }
      // Nothing to report progress on: no entry for the cluster, no such release.
      expect(await store.releases.setClusterProgress(release, 'west', halfway)).toBe(false);
      expect((await store.releases.get(app, 'staging', 1)).clusters.west).toBeUndefined();
      expect(await store.releases.setClusterProgress({ ...release, revision: 9 }, 'east', halfway)).toBe(false);
    });

    it('moves the status only from the given states, recording why', async () => {
      const { store } = await makeStore();
      const app = unique('app');
      const { release } = await store.releases.create(newRelease(app, 'evt-a'));
      expect(await store.releases.setStatus(release, 'progressing', ['applying'])).toBe(true);
      expect(await store.releases.setStatus(release, 'progressing', ['applying'])).toBe(false);
      const why = { code: 'rollout-failed', reason: 'east failed' } as const;
      expect(await store.releases.setStatus(release, 'failed', ['applying', 'progressing'], why)).toBe(true);
      expect(await store.releases.setStatus(release, 'succeeded', ['applying', 'progressing'])).toBe(false);
      expect(await store.releases.get(app, 'staging', 1)).toMatchObject({ status: 'failed', statusReason: why });
      expect(await store.releases.setStatus({ ...release, revision: 9 }, 'failed', ['applying'])).toBe(false);
    });

    it('advances a wave once, only from that wave and while the release is in flight', async () => {
      const { store } = await makeStore();
      const app = unique('app');
      const { release } = await store.releases.create(newRelease(app, 'evt-a'));
      await store.releases.setStatus(release, 'progressing', ['applying']);
      expect(await store.releases.advanceWave(release, 1)).toBe(false);
      expect(await store.releases.advanceWave(release, 0)).toBe(true);
      expect(await store.releases.advanceWave(release, 0)).toBe(false);
      expect(await store.releases.get(app, 'staging', 1)).toMatchObject({ wave: 1, status: 'applying' });
      await store.releases.setStatus(release, 'superseded', ['applying']);
      expect(await store.releases.advanceWave(release, 1)).toBe(false);
      expect((await store.releases.get(app, 'staging', 1)).wave).toBe(1);
      expect(await store.releases.advanceWave({ ...release, revision: 9 }, 0)).toBe(false);
    });

    it('hands out copies: changing what was read changes nothing stored', async () => {
      const { store } = await makeStore();
      const app = unique('app');
      const { release } = await store.releases.create(newRelease(app, 'evt-a'));
      release.status = 'succeeded';
      const read = await store.releases.get(app, 'staging', 1);
      read.clusters.east = state('ready');
      (read.manifests[0] as { kind: string }).kind = 'Secret';
      const [listed] = await store.releases.list(app, 'staging');
      expect(listed).toMatchObject({ status: 'applying', clusters: {}, manifests: [{ kind: 'Namespace' }] });
    });
  });

  describe(`${name}: history`, () => {
    it('a redelivery ending the same way overwrites its twin; another outcome or cluster is kept beside it', async () => {
      const { store, history } = await makeStore();
      const app = unique('app');
      const eventId = unique('evt');
      await store.history.record(step(app, { eventId }));
      await store.history.record(
        step(app, { eventId, recordedAt: '2026-12-01T10:00:05.000Z', details: { again: true } }),
      );
      expect(await history(app)).toEqual([
        expect.objectContaining({
          outcome: 'created',
          recordedAt: '2026-12-01T10:00:05.000Z',
          details: { again: true },
        }),
      ]);
      await store.history.record(step(app, { eventId, outcome: 'unchanged', recordedAt: '2026-12-01T10:00:06.000Z' }));
      await store.history.record(step(app, { eventId, cluster: 'west', recordedAt: '2026-12-01T10:00:07.000Z' }));
      await store.history.record(step(app, { eventId, action: 'release', cluster: undefined, outcome: 'accepted' }));
      const entries = (await history(app)).map((e) => `${e.action} ${e.cluster ?? '-'} ${e.outcome}`).sort();
      expect(entries).toEqual([
        'apply east created',
        'apply east unchanged',
        'apply west created',
        'release - accepted',
      ]);
    });

    // Found with the doubles: the sort key once had no environment, so these overwrote each other.
    it('keeps the same step of one event in two environments apart', async () => {
      const { store, history } = await makeStore();
      const app = unique('app');
      const eventId = unique('evt');
      await store.history.record(step(app, { eventId, environment: 'qa', cluster: undefined, action: 'track' }));
      await store.history.record(
        step(app, { eventId, environment: 'production', cluster: undefined, action: 'track' }),
      );
      expect((await history(app)).map((e) => e.environment).sort()).toEqual(['production', 'qa']);
    });

    it("files every step of an event under when capstan first received it, and a step's own time when it gives one", async () => {
      const { store, history } = await makeStore();
      const app = unique('app');
      const eventId = unique('evt');
      await store.history.record(step(app, { eventId, recordedAt: '2026-12-01T10:00:00.000Z' }));
      await store.history.record(
        step(app, { eventId, outcome: 'failed', code: 'unreachable', recordedAt: '2026-12-01T10:05:00.000Z' }),
      );
      await store.history.record(step(app, { eventId: unique('evt'), receivedAt: '2026-12-01T08:00:00.000Z' }));
      expect((await history(app)).map((e) => e.receivedAt).sort()).toEqual([
        '2026-12-01T08:00:00.000Z',
        '2026-12-01T10:00:00.000Z',
        '2026-12-01T10:00:00.000Z',
      ]);
    });
  });

  describe(`${name}: apps`, () => {
    it('finds an app by name, undefined when not registered', async () => {
      const { store, seed } = await makeStore();
      const name = unique('app');
      expect(await store.apps.find(name)).toBeUndefined();
      const record = await seed.app(specOf(name, [{ name: 'api', repository: 'registry.local:5000/acme/api' }]));
      expect(await store.apps.find(name)).toEqual(record);
      expect(record.generation).toBe(1);
    });

    it('tracks the apps whose containers run a repository (canonical), with those containers', async () => {
      const { store, seed } = await makeStore();
      const [one, two] = [unique('app'), unique('app')];
      const repository = `registry.local:5000/acme/${unique('repo')}`;
      const sidecar = `docker.io/library/${unique('repo')}`;
      await seed.app(
        specOf(one, [
          { name: 'api', repository },
          { name: 'worker', repository },
          { name: 'proxy', repository: sidecar.replace('docker.io/library/', '') },
        ]),
      );
      await seed.app(specOf(two, [{ name: 'web', repository }]));
      const tracking = async (r: string) =>
        (await store.apps.tracking(r)).map((t) => [t.record.spec.name, t.containers] as const).sort();
      expect(await tracking(repository)).toEqual(
        [
          [one, ['api', 'worker']],
          [two, ['web']],
        ].sort(),
      );
      expect(await tracking(sidecar)).toEqual([[one, ['proxy']]]);
      // A new spec that drops the repository stops tracking it.
      await seed.app(specOf(two, [{ name: 'web', repository: sidecar }]));
      expect((await tracking(repository)).map(([app]) => app)).toEqual([one]);
      expect(await store.apps.tracking(`registry.local:5000/acme/${unique('nobody')}`)).toEqual([]);
    });
  });

  describe(`${name}: clusters`, () => {
    it('lists the clusters of an environment in wave order, then by name', async () => {
      const { store, seed } = await makeStore();
      const environment = unique('env');
      const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((p) => unique(p)) as [string, string, string, string];
      await seed.cluster({ name: d, environment, wave: 10 });
      await seed.cluster({ name: c, environment, wave: 2 });
      await seed.cluster({ name: b, environment });
      await seed.cluster({ name: a, environment, wave: 2 });
      await seed.cluster({ name: unique('other'), environment: unique('env') });
      expect((await store.clusters.ofEnvironment(environment)).map((x) => [x.name, x.wave])).toEqual([
        [b, 0],
        [a, 2],
        [c, 2],
        [d, 10],
      ]);
      const listed = (await store.clusters.list()).map((x) => x.name);
      expect([a, b, c, d].every((n) => listed.includes(n))).toBe(true);
      expect(await store.clusters.ofEnvironment(unique('empty'))).toEqual([]);
    });

    it('gets a registered cluster, NotFoundError otherwise; health is recorded and kept on re-registering', async () => {
      const { store, seed } = await makeStore();
      const name = unique('c');
      const environment = unique('env');
      await expect(store.clusters.get(name)).rejects.toBeInstanceOf(NotFoundError);
      await seed.cluster({ name, environment });
      const health = { status: 'reachable', checkedAt: '2026-12-01T10:00:00.000Z', version: 'v1.33.1' } as const;
      await store.clusters.recordHealth(name, health);
      await seed.cluster({ name, environment, wave: 3 });
      expect(await store.clusters.get(name)).toMatchObject({ name, environment, wave: 3, health });
      // Only for a registered cluster: one removed since it was listed is a NotFoundError, not the SDK's.
      await expect(store.clusters.recordHealth(unique('c'), health)).rejects.toBeInstanceOf(NotFoundError);
    });
  });

  describe(`${name}: environments`, () => {
    it('says the defaults for an environment nobody set: protected when its name says production', async () => {
      const { store, seed } = await makeStore();
      const suffix = randomBytes(3).toString('hex');
      expect(await store.environments.policy(`production-${suffix}`)).toEqual({
        name: `production-${suffix}`,
        protected: true,
        configured: false,
      });
      expect(await store.environments.policy(`prod-${suffix}`)).toMatchObject({ protected: true });
      expect(await store.environments.policy(`staging-${suffix}`)).toMatchObject({ protected: false });
      expect(await store.environments.policy(`production${suffix}`)).toMatchObject({ protected: false });
      await seed.environment(`production-${suffix}`, false);
      await seed.environment(`staging-${suffix}`, true);
      expect(await store.environments.policy(`production-${suffix}`)).toEqual({
        name: `production-${suffix}`,
        protected: false,
        configured: true,
      });
      expect(await store.environments.policy(`staging-${suffix}`)).toMatchObject({ protected: true, configured: true });
    });

    it('says how its clusters heal, when that was set', async () => {
      const { store, seed } = await makeStore();
      const name = `staging-${randomBytes(3).toString('hex')}`;
      await seed.environment(name, false);
      expect(await store.environments.policy(name)).not.toHaveProperty('healMode');
      await seed.environment(name, false, new Date(), 'observe');
      expect(await store.environments.policy(name)).toEqual({
        name,
        protected: false,
        configured: true,
        healMode: 'observe',
      });
    });
  });

  describe(`${name}: heals`, () => {
    it('starts once per active heal: a second start gets the one under way, created false', async () => {
      const { store } = await makeStore();
      const cluster = unique('c');
      expect(await store.heals.get(cluster, 'node-a.example')).toBeUndefined();
      const first = await store.heals.start(suspicion(cluster, 'node-a.example'));
      expect(first).toEqual({
        created: true,
        record: {
          cluster,
          node: 'node-a.example',
          phase: 'suspected',
          mode: 'auto',
          cordonedByCapstan: false,
          eventId: 'look-1',
          suspectedAt: '2026-12-01T10:00:00.000Z',
          updatedAt: '2026-12-01T10:00:00.000Z',
        },
      });
      const fencing = { fencingAt: '2026-12-01T10:01:00.000Z', updatedAt: '2026-12-01T10:01:00.000Z' };
      expect(await store.heals.advance(first.record, ['suspected'], 'fencing', fencing)).toBe(true);
      const again = await store.heals.start(
        suspicion(cluster, 'node-a.example', { eventId: 'look-2', mode: 'observe' }),
      );
      expect(again).toEqual({ created: false, record: { ...first.record, ...fencing, phase: 'fencing' } });
      expect(await store.heals.get(cluster, 'node-a.example')).toEqual(again.record);
    });

    it('starts afresh after a heal is restored or cancelled', async () => {
      const { store } = await makeStore();
      const cluster = unique('c');
      for (const end of ['restored', 'cancelled'] as const) {
        const node = `node-${end}`;
        const { record } = await store.heals.start(suspicion(cluster, node));
        const patch = { updatedAt: '2026-12-01T10:05:00.000Z', cordonedByCapstan: true };
        expect(await store.heals.advance(record, ['suspected'], end, patch)).toBe(true);
        const fresh = await store.heals.start(
          suspicion(cluster, node, { eventId: 'look-9', suspectedAt: '2026-12-01T11:00:00.000Z', mode: 'approve' }),
        );
        expect(fresh).toMatchObject({
          created: true,
          record: { phase: 'suspected', eventId: 'look-9', mode: 'approve' },
        });
        // Nothing of the settled heal carries over: not capstan's cordon, not its timestamps.
        expect(fresh.record.cordonedByCapstan).toBe(false);
        expect(await store.heals.get(cluster, node)).toEqual(fresh.record);
      }
    });

    it('advances only from the phases given, setting the patch with it; a settled patch field is kept', async () => {
      const { store } = await makeStore();
      const cluster = unique('c');
      const { record } = await store.heals.start(suspicion(cluster, 'node-a'));
      const key = { cluster, node: 'node-a' };
      expect(await store.heals.advance(key, ['fencing'], 'fenced', { updatedAt: '2026-12-01T10:01:00.000Z' })).toBe(
        false,
      );
      expect(await store.heals.advance(key, [], 'fencing', { updatedAt: '2026-12-01T10:01:00.000Z' })).toBe(false);
      expect(await store.heals.get(cluster, 'node-a')).toEqual(record);
      const cordon = {
        cordonedByCapstan: true,
        cordonedAt: '2026-12-01T10:02:00.000Z',
        updatedAt: '2026-12-01T10:02:00.000Z',
      };
      expect(await store.heals.advance(key, ['suspected', 'awaiting-approval'], 'fencing', cordon)).toBe(true);
      // The same phase again, a step further: what the earlier advance set stays.
      const taint = { taintedAt: '2026-12-01T10:03:00.000Z', updatedAt: '2026-12-01T10:03:00.000Z' };
      expect(await store.heals.advance(key, ['fencing'], 'fencing', taint)).toBe(true);
      expect(await store.heals.get(cluster, 'node-a')).toEqual({ ...record, ...cordon, ...taint, phase: 'fencing' });
      // A redelivered advance finds the phase moved on.
      expect(await store.heals.advance(key, ['suspected'], 'fencing', cordon)).toBe(false);
      expect(await store.heals.advance({ cluster, node: 'node-b' }, ['suspected'], 'fencing', cordon)).toBe(false);
      expect(await store.heals.get(cluster, 'node-b')).toBeUndefined();
    });

    it('lists the records of one cluster, settled ones too, by node name', async () => {
      const { store } = await makeStore();
      const [cluster, other] = [unique('c'), unique('c')];
      await store.heals.start(suspicion(cluster, 'node-b'));
      const { record } = await store.heals.start(suspicion(cluster, 'node-a'));
      await store.heals.start(suspicion(other, 'node-c'));
      await store.heals.advance(record, ['suspected'], 'cancelled', { updatedAt: '2026-12-01T10:09:00.000Z' });
      expect((await store.heals.list(cluster)).map((r) => `${r.node} ${r.phase}`)).toEqual([
        'node-a cancelled',
        'node-b suspected',
      ]);
      expect((await store.heals.list(other)).map((r) => r.node)).toEqual(['node-c']);
      expect(await store.heals.list(unique('c'))).toEqual([]);
    });

    it('leases a node to one holder at a time until it expires or is released; the same holder renews', async () => {
      const { store } = await makeStore();
      const node = { cluster: unique('c'), node: 'node-a' };
      const now = Date.now();
      expect(await store.heals.acquireLease(node, 'one', 30, now)).toMatchObject({
        holder: 'one',
        expiresAtMs: now + 30_000,
      });
      await expect(store.heals.acquireLease(node, 'two', 30, now)).rejects.toBeInstanceOf(ConflictError);
      // Another node of the same cluster, and the same node name in another cluster, are leased apart.
      await store.heals.acquireLease({ ...node, node: 'node-b' }, 'two', 30, now);
      await store.heals.acquireLease({ ...node, cluster: unique('c') }, 'two', 30, now);
      expect(await store.heals.acquireLease(node, 'one', 30, now + 20_000)).toMatchObject({
        expiresAtMs: now + 50_000,
      });
      await expect(store.heals.acquireLease(node, 'two', 30, now + 40_000)).rejects.toBeInstanceOf(ConflictError);
      await store.heals.acquireLease(node, 'two', 30, now + 60_000); // expired: taken over
      await store.heals.releaseLease(node, 'one'); // no longer ours: a no-op
      await expect(store.heals.acquireLease(node, 'one', 30, now + 61_000)).rejects.toBeInstanceOf(ConflictError);
      await store.heals.releaseLease(node, 'two');
      await store.heals.acquireLease(node, 'one', 30, now + 62_000);
    });
  });

  describe(`${name}: image heals`, () => {
    const detection = (cluster: string, image: string, eventId = 'rbd-1') => ({
      cluster,
      pool: 'rbd',
      image,
      persistentVolume: `pv-${image}`,
      holderNode: 'node-a',
      requester: { namespace: 'shop', pod: 'db-0', node: 'node-b' },
      eventId,
      detectedAt: '2026-12-01T10:00:00.000Z',
    });

    it('starts once per active record, moves only from the expected phases, and starts afresh once settled', async () => {
      const { store } = await makeStore();
      const cluster = unique('c');
      const key = { cluster, pool: 'rbd', image: 'img-1' };
      expect(await store.images.get(key)).toBeUndefined();
      const first = await store.images.start(detection(cluster, 'img-1'));
      expect(first).toMatchObject({
        created: true,
        record: { phase: 'waiting', updatedAt: '2026-12-01T10:00:00.000Z' },
      });
      const again = await store.images.start(detection(cluster, 'img-1', 'rbd-2'));
      expect(again).toEqual({ record: first.record, created: false });

      const freed = {
        freedAt: '2026-12-01T10:01:00.000Z',
        blocked: ['127.0.0.2'],
        updatedAt: '2026-12-01T10:01:00.000Z',
      };
      expect(await store.images.advance(key, ['refused'], 'freed', freed)).toBe(false);
      expect(await store.images.advance(key, [], 'freed', freed)).toBe(false);
      expect(await store.images.advance(key, ['waiting'], 'freed', freed)).toBe(true);
      expect(await store.images.get(key)).toEqual({ ...first.record, ...freed, phase: 'freed' });

      const fresh = await store.images.start(detection(cluster, 'img-1', 'rbd-3'));
      expect(fresh.created).toBe(true);
      expect(fresh.record).not.toHaveProperty('freedAt');
      expect(await store.images.advance({ ...key, image: 'img-2' }, ['waiting'], 'freed', freed)).toBe(false);
    });

    it('lists the image records of one cluster by pool/image, apart from its node heals', async () => {
      const { store } = await makeStore();
      const [cluster, other] = [unique('c'), unique('c')];
      await store.images.start(detection(cluster, 'img-b'));
      await store.images.start(detection(cluster, 'img-a'));
      await store.images.start(detection(other, 'img-c'));
      await store.heals.start(suspicion(cluster, 'node-a'));
      expect((await store.images.list(cluster)).map((r) => r.image)).toEqual(['img-a', 'img-b']);
      expect((await store.heals.list(cluster)).map((r) => r.node)).toEqual(['node-a']);
      expect(await store.images.list(unique('c'))).toEqual([]);
    });
  });

  describe(`${name}: scale overrides`, () => {
    const override = (cluster: string, name = 'api', patch: Record<string, unknown> = {}) => ({
      cluster,
      workload: { namespace: 'shop', kind: 'Deployment' as const, name },
      app: name,
      environment: 'production',
      hpa: name,
      specMax: 10,
      max: 15,
      state: 'active' as const,
      raisedAt: '2026-12-01T10:00:00.000Z',
      endsAt: '2026-12-01T11:00:00.000Z',
      by: 'alert:KubeHpaMaxedOut',
      eventId: 'alert-1',
      updatedAt: '2026-12-01T10:00:00.000Z',
      ...patch,
    });

    it('writes an override only at the version read: once when new, then each version once', async () => {
      const { store } = await makeStore();
      const cluster = unique('c');
      const key = { cluster, workload: { namespace: 'shop', kind: 'Deployment' as const, name: 'api' } };
      expect(await store.overrides.get(key)).toBeUndefined();
      expect(await store.overrides.save(override(cluster), undefined)).toBe(true);
      expect(await store.overrides.save(override(cluster, 'api', { eventId: 'alert-2' }), undefined)).toBe(false);
      expect(await store.overrides.get(key)).toEqual({ ...override(cluster), version: 1 });
      const reverted = override(cluster, 'api', { state: 'reverted', revertedAt: '2026-12-01T10:30:00.000Z' });
      expect(await store.overrides.save(reverted, 2)).toBe(false);
      expect(await store.overrides.save(reverted, 1)).toBe(true);
      expect(await store.overrides.save(reverted, 1)).toBe(false);
      expect(await store.overrides.get(key)).toEqual({ ...reverted, version: 2 });
    });

    it('lists the overrides of one cluster by workload', async () => {
      const { store } = await makeStore();
      const [cluster, other] = [unique('c'), unique('c')];
      await store.overrides.save(override(cluster, 'web'), undefined);
      await store.overrides.save(override(cluster, 'api'), undefined);
      await store.overrides.save(override(other, 'db'), undefined);
      expect((await store.overrides.list(cluster)).map((r) => r.workload.name)).toEqual(['api', 'web']);
      expect(await store.overrides.list(unique('c'))).toEqual([]);
    });

    it('leases a name to one holder at a time until it expires or is released; the same holder renews', async () => {
      const { store } = await makeStore();
      const lease = `workload/${unique('c')}/shop/Deployment/api`;
      const now = Date.now();
      expect(await store.leases.acquire(lease, 'release/api/production', 30, now)).toMatchObject({
        holder: 'release/api/production',
        expiresAtMs: now + 30_000,
      });
      await expect(store.leases.acquire(lease, 'scale/e1', 30, now)).rejects.toBeInstanceOf(ConflictError);
      await store.leases.acquire(lease, 'release/api/production', 30, now + 10_000);
      await store.leases.release(lease, 'scale/e1'); // not ours: a no-op
      await expect(store.leases.acquire(lease, 'scale/e1', 30, now + 20_000)).rejects.toBeInstanceOf(ConflictError);
      await store.leases.release(lease, 'release/api/production');
      await store.leases.acquire(lease, 'scale/e1', 30, now + 20_000);
      await store.leases.acquire(lease, 'release/api/production', 30, now + 51_000); // expired: taken over
    });
  });
};
