import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { repoRoot } from '../../lib/runtime/state.ts';

export interface RuntimeProcessOptions {
  /** Shown in failures, and the name of its log. */
  readonly name: string;
  readonly prefix: string;
  readonly environment: string;
  /** Contexts of `kubeconfig` to register, in wave order. */
  readonly contexts: readonly string[];
  readonly kubeconfig: string;
  /** Everything else the runtime reads: emulator endpoints, CAPSTAN_STATE, the ingest token, timings. */
  readonly env: Record<string, string>;
  /** Both output streams of the runtime are appended here. */
  readonly logFile: string;
  /** Each line of the runtime's output (progress on stderr, handler logs on stdout). */
  readonly onLine?: (line: string) => void;
}

export interface RuntimeProcess {
  readonly name: string;
  readonly pid: number;
  /** http://127.0.0.1:<port> of its HTTP edge. */
  readonly url: string;
  /** SIGKILL: no cleanup, no goodbye; resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM, as Ctrl-C: `capstan up` stops its pollers and edge; resolves once it exited. */
  stop(): Promise<void>;
}

const UP_LINE = /capstan is up: (http:\/\/\S+)/;

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((resolve) => child.once('exit', () => resolve()));

/**
 * `capstan up` as a child process, exactly as a user runs it (`node lib/cli/bin.js up --context ...`),
 * registering existing clusters and using the emulators the caller started. Resolves once its edge
 * serves; rejects with the end of its output if it exits first.
 */
export const startRuntimeProcess = async (o: RuntimeProcessOptions): Promise<RuntimeProcess> => {
  const args = ['lib/cli/bin.js', 'up', '--prefix', o.prefix, '--environment', o.environment, '--port', '0'];
  // --ephemeral: the state lives in the emulators the caller started; without it each runtime would also
  // take the lock of the prefix's data folder, and a second runtime on the same prefix would be refused.
  args.push('--ephemeral', '--kubeconfig', o.kubeconfig, '--context', ...o.contexts);
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: { ...process.env, ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: WriteStream = createWriteStream(o.logFile, { flags: 'a' });
  const tail: string[] = [];
  const url = new Promise<string>((resolve, reject) => {
    const onLine = (line: string) => {
      log.write(`${line}\n`);
      tail.push(line);
      if (tail.length > 40) tail.shift();
      o.onLine?.(line);
      const up = UP_LINE.exec(line);
      if (up?.[1]) resolve(up[1]);
    };
    for (const stream of [child.stdout, child.stderr]) createInterface({ input: stream }).on('line', onLine);
    child.once('exit', (code, signal) =>
      reject(new Error(`runtime ${o.name} exited (${signal ?? code}) before it was up:\n${tail.join('\n')}`)),
    );
  });
  const served = await url.catch(async (error: unknown) => {
    child.kill('SIGKILL');
    await exited(child);
    log.end();
    throw error;
  });
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited(child);
    log.end();
  };
  return {
    name: o.name,
    pid: child.pid ?? 0,
    url: served,
    kill: () => end('SIGKILL'),
    stop: () => end('SIGTERM'),
  };
};
