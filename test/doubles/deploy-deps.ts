import type { DeployDeps } from '../../lib/deploy/ports.ts';
import type { RolloutTiming } from '../../lib/deploy/settings.ts';
import type { FunctionName } from '../../lib/topology.ts';
import { type TestClock, testClock } from './clock.ts';
import { type MemoryKube, memoryKube } from './kube.ts';
import { type RecordingQueue, recordingQueue } from './queue.ts';
import { type MemoryStore, memoryStore } from './store.ts';

export const testTiming: RolloutTiming = { firstCheckSeconds: 2, maxCheckIntervalSeconds: 15, timeoutSeconds: 600 };

/**
 * Everything a release use case touches, in memory, with the doubles kept at hand for the test to steer. The
 * use cases run in two functions, which may send different events (lib/topology.ts `emits`): `deps` sends as
 * the `sender` given (the deploy function's by default), `depsOf('rollout')` as the rollout function's
 * (check-rollout.ts), both into the one recording queue.
 */
export interface TestDeploy {
  readonly deps: DeployDeps;
  depsOf(sender: FunctionName): DeployDeps;
  readonly db: MemoryStore;
  readonly kube: MemoryKube;
  readonly queue: RecordingQueue;
  readonly clock: TestClock;
}

export interface TestDeployOptions extends Partial<Omit<DeployDeps, 'store' | 'kube' | 'enqueue' | 'now'>> {
  /** The function the use cases of `deps` run in. */
  readonly sender?: FunctionName;
}

export const testDeploy = ({ sender = 'deploy', ...overrides }: TestDeployOptions = {}): TestDeploy => {
  const db = memoryStore();
  const kube = memoryKube();
  const queue = recordingQueue(sender);
  const clock = testClock();
  const depsOf = (from: FunctionName): DeployDeps => ({
    store: db.store,
    kube: kube.connect,
    enqueue: queue.enqueueAs(from),
    now: clock.now,
    rollout: testTiming,
    autoRollback: true,
    ...overrides,
  });
  return { deps: depsOf(sender), depsOf, db, kube, queue, clock };
};

/** A TestDeploy with clusters registered (in staging unless they say otherwise). */
export const deployWithClusters = async (
  clusters: readonly { name: string; wave?: number; environment?: string }[],
  options: TestDeployOptions = {},
): Promise<TestDeploy> => {
  const t = testDeploy(options);
  for (const c of clusters) await t.db.seed.cluster({ environment: 'staging', ...c });
  return t;
};

/** The app's history step by step, as `action cluster revision outcome code` ('-' for none). */
export const historySteps = (t: TestDeploy, app = 'hello'): string[] =>
  t.db.history(app).map((e) => [e.action, e.cluster ?? '-', e.revision ?? '-', e.outcome, e.code ?? '-'].join(' '));
