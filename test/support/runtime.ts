import { inject } from 'vitest';
import { type Runtime, up } from '../../lib/runtime/up.ts';
import { uniqueName, useEmulatorEnvironment } from './aws.ts';

/**
 * A capstan runtime (table, queues, pollers, HTTP edge) of its own for one test file, on the run's shared
 * emulators and clusters, which it registers in `staging`. Rollout checks are fast (first after 1 s, at
 * most every 2 s) and a rollout not ready in 30 s fails: rollouts here take seconds, or never finish.
 */
export const startTestRuntime = async (name: string): Promise<Runtime> => {
  useEmulatorEnvironment();
  process.env.CAPSTAN_ROLLOUT_FIRST_CHECK_SECONDS = '1';
  process.env.CAPSTAN_ROLLOUT_MAX_INTERVAL_SECONDS = '2';
  process.env.CAPSTAN_ROLLOUT_TIMEOUT_SECONDS = '30';
  const denials: string[] = [];
  const runtime = await up({
    clusters: 0,
    existing: inject('infra').clusters,
    environment: 'staging',
    port: 0,
    prefix: uniqueName(name),
    retryDelaySeconds: 1,
    writeState: false,
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
