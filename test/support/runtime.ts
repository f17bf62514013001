import { inject } from 'vitest';
import { type ExistingCluster, type Runtime, up } from '../../lib/runtime/up.ts';
import { uniqueName, useEmulatorEnvironment } from './aws.ts';

export interface TestRuntimeOptions {
  /** Clusters to register instead of the run's shared ones (a file's own, test/support/heal-cluster.ts). */
  readonly clusters?: readonly ExistingCluster[];
  /**
   * Healing's tunables (lib/heal/settings.ts), e.g. `{ CAPSTAN_HEAL_NOT_READY_SECONDS: '5' }`. Only for a
   * runtime whose clusters are its own: every runtime's sweep reads its clusters' nodes each minute, and a
   * fast one on the shared clusters could fence another file's node.
   */
  readonly heal?: Readonly<Record<`CAPSTAN_HEAL_${string}`, string>>;
  /** Seconds before a failed message is tried again (default 1): longer to outlast a cluster kept down. */
  readonly retryDelaySeconds?: number;
  /** Run the scheduled functions (the sweep) this often instead of every minute. */
  readonly scheduleEverySeconds?: number;
  /** The HTTP edge's port (default any free one): to know capstan's URL before it starts. */
  readonly port?: number;
}

/**
 * A capstan runtime (table, queues, pollers, HTTP edge) of its own for one test file, on the run's shared
 * emulators and clusters (or the clusters given), which it registers in `staging`. Rollout checks are fast
 * (first after 1 s, at most every 2 s) and a rollout not ready in 30 s fails: rollouts here take seconds,
 * or never finish.
 */
export const startTestRuntime = async (name: string, o: TestRuntimeOptions = {}): Promise<Runtime> => {
  useEmulatorEnvironment();
  process.env.CAPSTAN_ROLLOUT_FIRST_CHECK_SECONDS = '1';
  process.env.CAPSTAN_ROLLOUT_MAX_INTERVAL_SECONDS = '2';
  process.env.CAPSTAN_ROLLOUT_TIMEOUT_SECONDS = '30';
  if (o.heal && !o.clusters) throw new Error("fast healing only on the test file's own clusters");
  for (const [key, value] of Object.entries(o.heal ?? {})) process.env[key] = value;
  const denials: string[] = [];
  const runtime = await up({
    clusters: 0,
    existing: o.clusters ?? inject('infra').clusters,
    environment: 'staging',
    port: o.port ?? 0,
    prefix: uniqueName(name),
    retryDelaySeconds: o.retryDelaySeconds ?? 1,
    writeState: false,
    ...(o.scheduleEverySeconds ? { scheduleEverySeconds: o.scheduleEverySeconds } : {}),
    log: (line) => {
      if (!line.startsWith('iam:')) return;
      console.error(line);
      denials.push(line);
    },
  });
  // A refusal by the local IAM gate is a grant the stack lacks: the test file fails when its runtime stops.
  return {
    ...runtime,
    stop: async () => {
      await runtime.stop();
      if (denials.length)
        throw new Error(`the local IAM gate refused ${denials.length} call(s): ${denials.join('; ')}`);
    },
  };
};

/** A deploy request through the runtime's HTTP edge with the ingest token, as CI posts one; its event id. */
export const postDeployRequest = async (runtime: Runtime, data: Record<string, unknown>): Promise<string> => {
  const id = uniqueName('req');
  const response = await fetch(`${runtime.state.httpUrl}/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${runtime.state.ingestToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      specversion: '1.0',
      id,
      type: 'deploy.requested',
      source: 'ci/test',
      time: new Date().toISOString(),
      schemaversion: '1',
      data,
    }),
  });
  if (response.status !== 202) throw new Error(`deploy request refused: ${response.status} ${await response.text()}`);
  return id;
};
