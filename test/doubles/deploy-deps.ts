import type { DeployDeps } from '../../lib/deploy/ports.ts';
import type { RolloutTiming } from '../../lib/deploy/settings.ts';
import { type TestClock, testClock } from './clock.ts';
import { type MemoryKube, memoryKube } from './kube.ts';
import { type RecordingQueue, recordingQueue } from './queue.ts';
import { type MemoryStore, memoryStore } from './store.ts';

export const testTiming: RolloutTiming = { firstCheckSeconds: 2, maxCheckIntervalSeconds: 15, timeoutSeconds: 600 };

/** Everything a release use case touches, in memory, with the doubles kept at hand for the test to steer. */
export interface TestDeploy {
  readonly deps: DeployDeps;
  readonly db: MemoryStore;
  readonly kube: MemoryKube;
  readonly queue: RecordingQueue;
  readonly clock: TestClock;
}

export const testDeploy = (
  overrides: Partial<Omit<DeployDeps, 'store' | 'kube' | 'enqueue' | 'now'>> = {},
): TestDeploy => {
  const db = memoryStore();
  const kube = memoryKube();
  const queue = recordingQueue();
  const clock = testClock();
  const deps: DeployDeps = {
    store: db.store,
    kube: kube.connect,
    enqueue: queue.enqueue,
    now: clock.now,
    rollout: testTiming,
    autoRollback: true,
    ...overrides,
  };
  return { deps, db, kube, queue, clock };
};

/** A TestDeploy with clusters registered (in staging unless they say otherwise). */
export const deployWithClusters = async (
  clusters: readonly { name: string; wave?: number; environment?: string }[],
  overrides: Parameters<typeof testDeploy>[0] = {},
): Promise<TestDeploy> => {
  const t = testDeploy(overrides);
  for (const c of clusters) await t.db.seed.cluster({ environment: 'staging', ...c });
  return t;
};

/** The app's history step by step, as `action cluster revision outcome code` ('-' for none). */
export const historySteps = (t: TestDeploy, app = 'hello'): string[] =>
  t.db.history(app).map((e) => [e.action, e.cluster ?? '-', e.revision ?? '-', e.outcome, e.code ?? '-'].join(' '));
