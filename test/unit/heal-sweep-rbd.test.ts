import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RBD_SYMPTOM_WINDOW_SECONDS, recentSymptoms } from '../../lib/heal/decisions/rbd-symptoms.ts';
import { sweepRbdSymptoms } from '../../lib/heal/use-cases/sweep-rbd.ts';
import { kubernetesHookToken } from '../../lib/ingest/hook-secret.ts';
import { acceptKubeHook } from '../../lib/ingest/kube-hook.ts';
import type { EventView } from '../../lib/kube/events.ts';
import { rbdSymptomReader } from '../../lib/sources/rbd-symptoms.ts';
import { testHeal } from '../doubles/heal-deps.ts';

const CLUSTER = 'dc2';
const INGEST = 'k3XbV9qLw2Rr7TzN4pYd-ingest-token';

const fixture = (name: string): Record<string, any> =>
  JSON.parse(readFileSync(new URL(`../fixtures/sources/${name}.json`, import.meta.url), 'utf8'));

/**
 * One fixture Event last seen `secondsAgo` before `now`, both ways: as the exporter's Go spells it
 * (`...:38Z`) and as the gateway lists it (the client's `Date`s, `...:38.000Z`; no clusterName, no enrichment).
 */
const sighting = (name: string, now: Date, secondsAgo: number, change: (e: Record<string, any>) => void = () => {}) => {
  const exported = fixture(name);
  change(exported);
  const seen = new Date(Math.floor(now.getTime() / 1000) * 1000 - secondsAgo * 1000);
  exported.lastTimestamp = seen.toISOString().replace('.000Z', 'Z');
  const { clusterName: _, involvedObject, eventTime: __, ...rest } = structuredClone(exported);
  const listed: EventView = {
    ...rest,
    metadata: { name: rest.metadata.name, namespace: rest.metadata.namespace, uid: rest.metadata.uid },
    involvedObject: {
      kind: involvedObject.kind,
      name: involvedObject.name,
      namespace: involvedObject.namespace,
      uid: involvedObject.uid,
    },
    firstTimestamp: new Date(Date.parse(rest.firstTimestamp)).toISOString(),
    lastTimestamp: seen.toISOString(),
  } as EventView;
  return { exported, listed };
};

const setUp = async () => {
  const t = testHeal();
  await t.db.seed.cluster({ name: CLUSTER, environment: 'staging' });
  const deps = { ...t.depsOf('sweep'), symptoms: rbdSymptomReader };
  const cluster = (await t.db.store.clusters.list()).find((c) => c.name === CLUSTER)!;
  const list = (events: readonly EventView[]) => {
    const store = t.kube.nodes(CLUSTER).events;
    for (const e of events) store.set(e.metadata.uid, e);
  };
  return { t, deps, cluster, list };
};

describe('recentSymptoms', () => {
  const now = new Date('2026-12-01T10:00:00.000Z');
  const at = (times: Partial<EventView>): EventView => ({
    metadata: { uid: 'u' },
    involvedObject: { kind: 'Pod', name: 'p' },
    ...times,
  });
  it.each([
    ['last seen a minute ago', at({ lastTimestamp: '2026-12-01T09:59:00.000Z' }), true],
    ['last seen exactly at the window', at({ lastTimestamp: '2026-12-01T09:50:00.000Z' }), true],
    ['last seen just before the window', at({ lastTimestamp: '2026-12-01T09:49:59.000Z' }), false],
    [
      'first seen long ago, last seen now: the last sighting counts',
      at({ firstTimestamp: '2026-12-01T08:00:00.000Z', lastTimestamp: '2026-12-01T09:59:30.000Z' }),
      true,
    ],
    ['only an eventTime (events.k8s.io), recent', at({ eventTime: '2026-12-01T09:58:00.123Z' }), true],
    ['only a firstTimestamp, old', at({ firstTimestamp: '2026-12-01T09:00:00.000Z' }), false],
    [
      'an events.k8s.io series first seen long ago, last observed now',
      at({
        eventTime: '2026-12-01T08:00:00.123Z',
        series: { count: 12, lastObservedTime: '2026-12-01T09:59:00.456Z' },
      }),
      true,
    ],
    [
      'an events.k8s.io series last observed long ago',
      at({ eventTime: '2026-12-01T08:00:00.123Z', series: { count: 2, lastObservedTime: '2026-12-01T08:01:00.000Z' } }),
      false,
    ],
    ['seen "after" now: another clock, taken', at({ lastTimestamp: '2026-12-01T10:00:30.000Z' }), true],
    ['no time at all: cannot be placed', at({}), false],
  ])('%s', (_, event, recent) => {
    expect(recentSymptoms([event], now)).toEqual(recent ? [event] : []);
  });

  it('looks ten minutes back by default (the sweep runs every minute)', () => {
    expect(RBD_SYMPTOM_WINDOW_SECONDS).toBe(600);
  });
});

describe('sweep: RBD symptoms', () => {
  it("sends one rbd.lock.detected per recent symptom to the heal queue, with the exporter's id for the same Event", async () => {
    const { t, deps, cluster, list } = await setUp();
    const now = t.clock.now();
    const csi = sighting('rbd-event-csi-still-in-use', now, 30);
    const attach = sighting('rbd-event-multi-attach-exclusive', now, 90);
    list([csi.listed, attach.listed]);

    expect(await sweepRbdSymptoms(deps, [cluster])).toEqual([
      { cluster: CLUSTER, detected: ['payments/ledger-0', 'payments/ledger-0'], ignored: 0 },
    ]);
    const sent = t.queue.take();
    expect(sent.map((s) => [s.event.type, s.sender, s.destination.queue])).toEqual([
      ['rbd.lock.detected', 'sweep', 'heal'],
      ['rbd.lock.detected', 'sweep', 'heal'],
    ]);
    expect(sent.map((s) => s.event.source)).toEqual(['capstan/sweep', 'capstan/sweep']);

    // The same Events through the exporter's webhook: the same ids, the same data.
    for (const [i, { exported }] of [csi, attach].entries()) {
      const enqueued: unknown[] = [];
      const answer = await acceptKubeHook(
        {
          rawBody: JSON.stringify(exported),
          headers: {
            authorization: `Bearer ${kubernetesHookToken(INGEST, CLUSTER)}`,
            'content-type': 'application/json',
          },
          cluster: CLUSTER,
        },
        INGEST,
        async (e) => void enqueued.push(e),
        new Date(now.getTime() + 5000),
      );
      expect(answer.body.accepted).toEqual([sent[i]!.event.id]);
      expect(enqueued).toEqual([{ ...sent[i]!.event, source: `capstan/sources/kubernetes-event-exporter/${CLUSTER}` }]);
    }
  });

  it('a sweep a minute later sends the same occurrence with the same id; a repeat (count + 1) is new', async () => {
    const { t, deps, cluster, list } = await setUp();
    const csi = sighting('rbd-event-csi-still-in-use', t.clock.now(), 30);
    list([csi.listed]);
    await sweepRbdSymptoms(deps, [cluster]);
    t.clock.advance(60);
    await sweepRbdSymptoms(deps, [cluster]);
    const [first, again] = t.queue.take().map((s) => s.event.id);
    expect(again).toBe(first);
    list([{ ...csi.listed, count: (csi.listed.count ?? 0) + 1, lastTimestamp: t.clock.now().toISOString() }]);
    await sweepRbdSymptoms(deps, [cluster]);
    expect(t.queue.take().map((s) => s.event.id)).not.toContain(first);
  });

  it('leaves out Events older than the window, and counts those that are no RBD symptom as ignored', async () => {
    const { t, deps, cluster, list } = await setUp();
    const now = t.clock.now();
    const old = sighting('rbd-event-csi-still-in-use', now, RBD_SYMPTOM_WINDOW_SECONDS + 60, (e) => {
      e.metadata.uid = 'old';
    });
    const timeout = sighting('rbd-event-ignored-mount-timeout', now, 10);
    // A pod name the contract refuses: that Event is passed over, the sweep goes on.
    const badPod = sighting('rbd-event-legacy-locked', now, 10, (e) => {
      e.metadata.uid = 'bad-pod';
      e.involvedObject.name = 'Ledger_0';
    });
    const fine = sighting('rbd-event-in-tree-still-in-use', now, 10);
    list([old.listed, timeout.listed, badPod.listed, fine.listed]);
    expect(await sweepRbdSymptoms(deps, [cluster])).toEqual([
      { cluster: CLUSTER, detected: ['payments/ledger-0'], ignored: 2 },
    ]);
    expect(t.queue.ofType('rbd.lock.detected').map((e) => e.data.symptom)).toEqual(['still-in-use']);
  });

  it('lists only Warning Events of the reasons the reader reads', async () => {
    const { t, deps, cluster, list } = await setUp();
    const now = t.clock.now();
    const normal = sighting('rbd-event-csi-still-in-use', now, 10, (e) => {
      e.metadata.uid = 'normal';
      e.type = 'Normal';
    });
    const otherReason = sighting('rbd-event-csi-still-in-use', now, 10, (e) => {
      e.metadata.uid = 'backoff';
      e.reason = 'BackOff';
    });
    list([normal.listed, otherReason.listed]);
    expect(await sweepRbdSymptoms(deps, [cluster])).toEqual([{ cluster: CLUSTER, detected: [], ignored: 0 }]);
    expect(t.queue.sent).toEqual([]);
  });

  it('a cluster that does not answer, or refuses the list (a ClusterRole without events), is skipped; the others swept', async () => {
    const { t, deps, cluster, list } = await setUp();
    await t.db.seed.cluster({ name: 'dc3', environment: 'staging' });
    await t.db.seed.cluster({ name: 'dc4', environment: 'staging' });
    const clusters = await t.db.store.clusters.list();
    list([sighting('rbd-event-csi-still-in-use', t.clock.now(), 10).listed]);
    t.kube.unreachable('dc3');
    t.kube.rejects('dc4');
    const result = await sweepRbdSymptoms(deps, clusters);
    expect(result).toContainEqual({ cluster: cluster.name, detected: ['payments/ledger-0'], ignored: 0 });
    expect(result).toContainEqual({ cluster: 'dc3', error: expect.stringContaining('unreachable') });
    expect(result).toContainEqual({ cluster: 'dc4', error: expect.stringContaining('403') });
  });
});
