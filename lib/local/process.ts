import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { removePidFile, writePidFile } from './pid-files.ts';

export interface ProcessSpec {
  /** Short name used in messages, e.g. `local-1/kube-apiserver`. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** stdout and stderr go here (appended, so a restarted process keeps its earlier log). */
  readonly logFile: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /**
   * Written with the child's pid while it runs, removed when it exits: if this Node process dies
   * without stopping it (SIGKILL), the next start finds and stops it (see pid-files.ts).
   */
  readonly pidFile?: string;
  /** Run as this user (we are root; PostgreSQL refuses to run as root). */
  readonly user?: { readonly uid: number; readonly gid: number };
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves with the exit code (or the signal name) once the process is gone. */
  readonly exited: Promise<number | string>;
  running(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. Safe to call twice. */
  stop(graceMs?: number): Promise<void>;
}

// Children still running when this Node process exits are killed, so a crashed test run or a forgotten
// stop() does not leave etcd and apiservers holding ports. ('exit' handlers must be synchronous, and
// process.kill is.)
const live = new Map<ChildProcess, { group: boolean }>();
const signal = (child: ChildProcess, sig: NodeJS.Signals, group: boolean) => {
  try {
    // A negative pid signals the whole process group: a build script's `go build` along with the script.
    if (group && child.pid) process.kill(-child.pid, sig);
    else child.kill(sig);
  } catch {
    // Already gone.
  }
};
process.once('exit', () => {
  for (const [child, { group }] of live) signal(child, 'SIGKILL', group);
});
// A terminating signal kills Node without an 'exit' event, which would orphan the children. If someone
// else handles the signal (`capstan up` shutting down gracefully), it keeps control: its stop() calls
// stop the children in order (the pollers finish their batches while the queues are still up), and the
// 'exit' handler above catches any it forgets. If nobody does, the signal is passed on to the children
// and raised again, so Node still dies as it would have.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  const onSignal = () => {
    if (process.listenerCount(sig) > 1) return;
    process.removeListener(sig, onSignal);
    for (const [child, { group }] of live) signal(child, 'SIGTERM', group);
    process.kill(process.pid, sig);
  };
  process.on(sig, onSignal);
}

/**
 * Makes a child part of the clean-up above; it leaves it when it exits. `group`: the child was spawned
 * `detached` (its own process group) and the whole group is to be signalled.
 */
export const track = (child: ChildProcess, group = false): void => {
  live.set(child, { group });
  child.once('exit', () => live.delete(child));
};

/** Starts a long-running child with its output in a log file; does not wait for it to be ready. */
export const spawnLogged = (spec: ProcessSpec): ManagedProcess => {
  const fd = openSync(spec.logFile, 'a');
  writeSync(fd, `\n--- ${new Date().toISOString()} ${spec.command} ${spec.args.join(' ')}\n`);
  let child: ChildProcess;
  try {
    // Its own process group: a Ctrl-C in the terminal reaches the foreground group, and would otherwise
    // kill etcd and the emulators at the same moment as capstan, before it has stopped using them.
    child = spawn(spec.command, spec.args, {
      stdio: ['ignore', fd, fd],
      env: spec.env ?? process.env,
      cwd: spec.cwd,
      detached: true,
      ...(spec.user ? { uid: spec.user.uid, gid: spec.user.gid } : {}),
    });
  } finally {
    // The child has its own copy of the descriptor.
    closeSync(fd);
  }
  track(child, true);
  const { pidFile } = spec;
  if (pidFile && child.pid) {
    writePidFile(pidFile, spec.name, child.pid, spec.command);
    child.once('exit', () => removePidFile(pidFile));
  }
  let done = false;
  const exited = new Promise<number | string>((resolve) => {
    const finish = (result: number | string) => {
      done = true;
      resolve(result);
    };
    child.once('exit', (code, signal) => finish(code ?? signal ?? 'unknown'));
    // spawn failures (ENOENT, EACCES) arrive as 'error' without 'exit'.
    child.once('error', (error) => finish(`spawn error: ${error.message}`));
  });

  const stop = async (graceMs = 10_000) => {
    if (done) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };

  return { name: spec.name, pid: child.pid ?? -1, logFile: spec.logFile, exited, running: () => !done, stop };
};

/** The last `lines` lines of a log file, for error messages. */
export const tailOf = async (file: string, lines = 30): Promise<string> => {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-lines).join('\n');
};

export interface ReadyOptions {
  /** What is awaited, for the error message, e.g. `/readyz`. */
  readonly what: string;
  readonly timeoutMs: number;
  readonly intervalMs?: number;
}

/**
 * Polls `check` until it returns true. Fails early if the process exits, and on timeout; either way the
 * error carries the last ~30 log lines, which is nearly always where the reason is (a bad flag, a port in use).
 */
export const waitUntilReady = async (
  proc: ManagedProcess,
  check: () => Promise<boolean>,
  o: ReadyOptions,
): Promise<void> => {
  const started = Date.now();
  const deadline = started + o.timeoutMs;
  let exitResult: number | string | undefined;
  void proc.exited.then((r) => {
    exitResult = r;
  });
  let lastError = '';
  while (true) {
    if (exitResult !== undefined) {
      throw new Error(
        `${proc.name} exited (${exitResult}) before ${o.what} was ready; last lines of ${proc.logFile}:\n${await tailOf(proc.logFile)}`,
      );
    }
    try {
      if (await check()) return;
      lastError = '';
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > deadline) {
      const seconds = Math.round((Date.now() - started) / 1000);
      throw new Error(
        `${proc.name}: ${o.what} not ready after ${seconds}s${lastError ? ` (last error: ${lastError})` : ''}; ` +
          `last lines of ${proc.logFile}:\n${await tailOf(proc.logFile)}`,
      );
    }
    await new Promise((r) => setTimeout(r, o.intervalMs ?? 250));
  }
};

/** Starts a process and waits until it is ready; if it never is, stops it and throws with its log tail. */
export const startAndWait = async (
  spec: ProcessSpec,
  check: () => Promise<boolean>,
  o: ReadyOptions,
): Promise<ManagedProcess> => {
  const proc = spawnLogged(spec);
  try {
    await waitUntilReady(proc, check, o);
    return proc;
  } catch (error) {
    await proc.stop(2_000);
    throw error;
  }
};
