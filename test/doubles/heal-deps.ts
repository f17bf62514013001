import type { HealDeps } from '../../lib/heal/ports.ts';
import { defaultHealSettings, type HealSettings } from '../../lib/heal/settings.ts';
import type { NodeView } from '../../lib/kube/nodes.ts';
import { tellVia } from '../../lib/notify/tell.ts';
import { NODES_APP } from '../../lib/store/ports.ts';
import type { FunctionName } from '../../lib/topology.ts';
import { type MemoryCeph, memoryCeph } from './ceph.ts';
import { type TestClock, testClock } from './clock.ts';
import { type MemoryKube, memoryKube } from './kube.ts';
import { readyNode } from './kube-nodes.ts';
import { type RecordingQueue, recordingQueue } from './queue.ts';
import { type MemoryStore, memoryStore } from './store.ts';

/** Everything a healing use case touches, in memory, with the doubles at hand for the test to steer. */
export interface TestHeal {
  readonly deps: HealDeps;
  /** As another function sends (the sweep), into the same recording queue. */
  depsOf(sender: FunctionName): HealDeps;
  readonly db: MemoryStore;
  readonly kube: MemoryKube;
  readonly ceph: MemoryCeph;
  readonly queue: RecordingQueue;
  readonly clock: TestClock;
  /** What the notices' teller logged: notices it could not send. */
  readonly warnings: { message: string; fields: Record<string, unknown> }[];
}

export const testHeal = (settings: HealSettings = defaultHealSettings): TestHeal => {
  const db = memoryStore();
  const kube = memoryKube();
  const ceph = memoryCeph();
  const queue = recordingQueue('heal');
  const clock = testClock();
  const warnings: TestHeal['warnings'] = [];
  const depsOf = (from: FunctionName): HealDeps => ({
    store: db.store,
    kube: kube.connect,
    ceph: ceph.connect,
    selfAddresses: ['127.0.0.1', '10.0.0.250'],
    enqueue: queue.enqueueAs(from),
    tell: tellVia(queue.enqueueAs(from), (message, fields) => warnings.push({ message, fields })),
    now: clock.now,
    settings,
  });
  return { deps: depsOf('heal'), depsOf, db, kube, ceph, queue, clock, warnings };
};

/** A node whose kubelet went silent `seconds` ago: Ready Unknown and its Lease not renewed since. */
export const silentNode = (name: string, now: Date, seconds: number, overrides: Partial<NodeView> = {}): NodeView => {
  const since = new Date(now.getTime() - seconds * 1000).toISOString();
  return readyNode(name, {
    ready: 'Unknown',
    readySince: since,
    leaseRenewedAt: since,
    leaseHolder: name,
    ...overrides,
  });
};

/** A node Ready for `seconds`, its Lease just renewed. */
export const healthyNode = (name: string, now: Date, seconds = 3600, overrides: Partial<NodeView> = {}): NodeView =>
  readyNode(name, {
    readySince: new Date(now.getTime() - seconds * 1000).toISOString(),
    leaseRenewedAt: now.toISOString(),
    leaseHolder: name,
    ...overrides,
  });

/** The healing history, oldest first, as `action outcome code` ('-' for none). */
export const healSteps = (t: TestHeal, node?: string): string[] =>
  t.db
    .history(NODES_APP)
    .filter((e) => node === undefined || e.node === node)
    .sort((a, b) => Date.parse(a.recordedAt) - Date.parse(b.recordedAt))
    .map((e) => [e.action, e.outcome, e.code ?? '-'].join(' '));
