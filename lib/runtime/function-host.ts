import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type FunctionName, functions } from '../topology.ts';
import { repoRoot } from './state.ts';

export interface WorkerData {
  readonly root: string;
  readonly entry: string;
  readonly functionName: string;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
}

export interface WorkerRequest {
  readonly id: number;
  readonly event: unknown;
}

export type WorkerReply =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: string };

export interface FunctionHost {
  /** Runs the handler once on `event`, as a Lambda invocation; rejects with the handler's error. */
  invoke<T>(event: unknown): Promise<T>;
  stop(): Promise<void>;
}

export interface HostOptions {
  /** Invocations at once (Lambda's concurrency): one worker each, started when first needed. */
  readonly concurrency: number;
  /** Another handler module than the topology's (tests of the host itself), relative to the repository root. */
  readonly entry?: string;
}

const workerFile = fileURLToPath(new URL('./function-worker.js', import.meta.url));

/** A Lambda execution environment: one worker thread, one invocation at a time, its handler loaded once. */
interface Sandbox {
  readonly worker: Worker;
  /** False from the moment it is ended (timed out, crashed): never handed out again. */
  readonly alive: boolean;
  run(event: unknown, timeoutMs: number): Promise<unknown>;
}

const startSandbox = (data: WorkerData, environment: Record<string, string>, onGone: () => void) =>
  new Promise<Sandbox>((resolve, reject) => {
    const worker = new Worker(workerFile, {
      workerData: data,
      env: environment,
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: data.memoryMb },
    });
    let ready = false;
    let alive = true;
    let current: { id: number; resolve: (v: unknown) => void; reject: (e: Error) => void } | undefined;
    let nextId = 1;
    worker.on('message', (reply: WorkerReply) => {
      if (reply.id === 0) {
        ready = reply.ok;
        if (reply.ok) resolve(sandbox);
        else {
          reject(new Error(`function ${data.functionName} failed to start: ${reply.error}`));
          void worker.terminate();
        }
        return;
      }
      if (current?.id !== reply.id) return;
      const { resolve: done, reject: fail } = current;
      current = undefined;
      if (reply.ok) done(reply.value);
      else fail(new Error(reply.error));
    });
    worker.on('error', (error) => {
      if (!ready) reject(error);
    });
    worker.once('exit', (code) => {
      alive = false;
      current?.reject(new Error(`function ${data.functionName} exited (code ${code}) during the invocation`));
      current = undefined;
      if (!ready) reject(new Error(`function ${data.functionName} exited (code ${code}) while starting`));
      onGone();
    });
    const sandbox: Sandbox = {
      worker,
      get alive() {
        return alive;
      },
      run: (event, timeoutMs) =>
        new Promise((resolveRun, rejectRun) => {
          const id = nextId++;
          // Lambda ends an invocation at its timeout and resets the environment: so does this.
          const timer = setTimeout(() => {
            rejectRun(new Error(`function ${data.functionName} timed out after ${timeoutMs / 1000} s`));
            current = undefined;
            alive = false;
            void worker.terminate();
          }, timeoutMs);
          current = {
            id,
            resolve: (v) => {
              clearTimeout(timer);
              resolveRun(v);
            },
            reject: (e) => {
              clearTimeout(timer);
              rejectRun(e);
            },
          };
          worker.postMessage({ id, event } satisfies WorkerRequest);
        }),
    };
  });

/**
 * A function of the topology as Lambda runs it, locally: each invocation in an execution environment of
 * its own (a worker thread, one invocation at a time, up to `concurrency` of them, started on demand)
 * whose process.env is exactly `environment`: nothing of this process's environment leaks in (no other
 * function's queue URLs, no operator credentials). An invocation past the function's timeout is ended
 * and its environment replaced; so is one that crashes. Resolves once one environment has started, so a
 * function whose cold start fails (bad configuration) stops `capstan up` at once.
 */
export const startFunctionHost = async (
  name: FunctionName,
  environment: Record<string, string>,
  options: HostOptions = { concurrency: 1 },
): Promise<FunctionHost> => {
  const spec = functions[name];
  const data: WorkerData = {
    root: repoRoot,
    entry: options.entry ?? spec.entry,
    functionName: `capstan-${name}`,
    timeoutSeconds: spec.timeoutSeconds,
    memoryMb: spec.memoryMb,
  };
  const idle: Sandbox[] = [];
  const all = new Set<Sandbox>();
  const waiting: ((sandbox: Sandbox | undefined) => void)[] = [];
  let starting = 0;
  let stopped = false;

  const start = async (): Promise<Sandbox> => {
    starting++;
    try {
      let started: Sandbox | undefined;
      started = await startSandbox(data, environment, () => {
        // Gone (crashed, timed out, or never started): never handed out again.
        if (!started) return;
        all.delete(started);
        const at = idle.indexOf(started);
        if (at >= 0) idle.splice(at, 1);
        // Its place is free: an invocation waiting for one starts a new environment.
        waiting.shift()?.(undefined);
      });
      all.add(started);
      return started;
    } finally {
      starting--;
    }
  };
  const acquire = async (): Promise<Sandbox> => {
    if (stopped) throw new Error(`function ${name} is stopped`);
    const free = idle.pop();
    if (free) return free;
    if (all.size + starting < options.concurrency) return start();
    const next = await new Promise<Sandbox | undefined>((resolve) => waiting.push(resolve));
    return next?.alive && all.has(next) ? next : acquire();
  };
  const release = (sandbox: Sandbox) => {
    const usable = sandbox.alive && all.has(sandbox);
    const next = waiting.shift();
    if (next) next(usable ? sandbox : undefined);
    else if (usable) idle.push(sandbox);
  };

  idle.push(await start());

  return {
    invoke: async <T>(event: unknown) => {
      const sandbox = await acquire();
      try {
        return (await sandbox.run(event, spec.timeoutSeconds * 1000)) as T;
      } finally {
        release(sandbox);
      }
    },
    stop: async () => {
      stopped = true;
      for (const next of waiting.splice(0)) next(undefined);
      await Promise.all([...all].map((s) => s.worker.terminate()));
    },
  };
};
