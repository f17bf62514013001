import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type FunctionName, functions } from '../topology.ts';
import { repoRoot } from './state.ts';

export interface WorkerData {
  readonly root: string;
  readonly entry: string;
  readonly functionName: string;
  readonly timeoutSeconds: number;
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

const workerFile = fileURLToPath(new URL('./function-worker.js', import.meta.url));

/**
 * A function of the topology in a worker thread of its own, with exactly `environment` as its
 * process.env: nothing of this process's environment leaks in (no other function's queue URLs, no
 * operator credentials), so what the function cannot see on AWS it cannot see here. Resolves once the
 * handler module has loaded; a worker that dies is started again for the next invocation, as Lambda
 * replaces a crashed container.
 */
export const startFunctionHost = async (
  name: FunctionName,
  environment: Record<string, string>,
): Promise<FunctionHost> => {
  const spec = functions[name];
  const data: WorkerData = {
    root: repoRoot,
    entry: spec.entry,
    functionName: `capstan-${name}`,
    timeoutSeconds: spec.timeoutSeconds,
  };
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let stopping = false;

  const spawn = (): Promise<Worker> =>
    new Promise<Worker>((resolve, reject) => {
      const w = new Worker(workerFile, { workerData: data, env: environment, execArgv: [] });
      let ready = false;
      w.on('message', (reply: WorkerReply) => {
        if (reply.id === 0) {
          ready = reply.ok;
          if (reply.ok) resolve(w);
          else reject(new Error(`function ${name} failed to start: ${reply.error}`));
          return;
        }
        const waiting = pending.get(reply.id);
        pending.delete(reply.id);
        if (reply.ok) waiting?.resolve(reply.value);
        else waiting?.reject(new Error(reply.error));
      });
      w.once('error', (error) => {
        if (!ready) reject(error);
      });
      w.once('exit', (code) => {
        for (const [id, waiting] of pending) {
          waiting.reject(new Error(`function ${name} exited (code ${code}) during an invocation`));
          pending.delete(id);
        }
        if (!ready) reject(new Error(`function ${name} exited (code ${code}) while starting`));
        else if (!stopping) replace();
      });
    });

  let worker = spawn();
  const replace = () => {
    worker = spawn();
    worker.catch(() => {}); // reported by the next invocation
  };
  await worker;

  return {
    invoke: async <T>(event: unknown) => {
      const w = await worker;
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        w.postMessage({ id, event } satisfies WorkerRequest);
      });
    },
    stop: async () => {
      stopping = true;
      await (await worker).terminate();
    },
  };
};
