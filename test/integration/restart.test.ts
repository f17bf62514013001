import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopStaleProcesses } from '../../lib/local/pid-files.ts';
import { repoRoot } from '../../lib/runtime/state.ts';

// `capstan up` as a user runs it, in a child process of its own, with its own emulators and two local
// clusters (waves 0 and 1) on a data folder of its own: stopped with Ctrl-C in the middle of a release,
// started again, the release finishes; killed with SIGKILL, started again, everything is as it was.
// Rollout checks wait 6 s, long enough to stop the runtime while wave 0's check is still a delayed message.

const bin = join(repoRoot, 'lib/cli/bin.js');
const PREFIX = 'restart-it';
let dir: string;
let dataDir: string;

const env = (): NodeJS.ProcessEnv => {
  const e: NodeJS.ProcessEnv = {
    ...process.env,
    CAPSTAN_STATE: join(dir, 'runtime.json'),
    CAPSTAN_ROLLOUT_FIRST_CHECK_SECONDS: '6',
    CAPSTAN_ROLLOUT_MAX_INTERVAL_SECONDS: '6',
    CAPSTAN_ROLLOUT_TIMEOUT_SECONDS: '120',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  // Its own emulators (not the run's shared ones) and its own generated ingest token.
  for (const key of Object.keys(e)) if (key.startsWith('AWS_ENDPOINT_URL')) delete e[key];
  delete e.CAPSTAN_INGEST_TOKEN;
  delete e.CAPSTAN_TABLE;
  return e;
};

interface Run {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | string>;
}

const startUp = (): Run => {
  const child = spawn(
    process.execPath,
    [bin, 'up', '--clusters', '2', '--port', '0', '--prefix', PREFIX, '--data-dir', dataDir],
    { env: env(), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let text = '';
  child.stdout?.on('data', (d) => {
    text += d;
  });
  child.stderr?.on('data', (d) => {
    text += d;
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  return { child, output: () => text, exited };
};

const untilUp = async (run: Run) => {
  const deadline = Date.now() + 150_000;
  let exit: number | string | undefined;
  void run.exited.then((e) => {
    exit = e;
  });
  while (!run.output().includes('capstan is up')) {
    if (exit !== undefined) throw new Error(`capstan up exited (${exit}):\n${run.output()}`);
    if (Date.now() > deadline) throw new Error(`capstan up not up after 150 s:\n${run.output()}`);
    await sleep(250);
  }
};

const cli = (...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });

const json = async (...args: string[]) => {
  const r = await cli(...args, '--json');
  if (r.code !== 0 && r.code !== 3) throw new Error(`capstan ${args.join(' ')}: exit ${r.code}\n${r.stderr}`);
  return JSON.parse(r.stdout);
};

interface HistoryEntry {
  readonly action: string;
  readonly outcome: string;
  readonly cluster?: string;
}
const history = (): Promise<HistoryEntry[]> => json('history', 'hello');
const releases = (): Promise<{ revision: number; status: string }[]> => json('releases', 'hello');

const until = async <T>(what: string, read: () => Promise<T>, done: (v: T) => boolean, ms = 90_000) => {
  const deadline = Date.now() + ms;
  while (true) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what} not reached in ${ms / 1000}s; last: ${JSON.stringify(value)}`);
    await sleep(250);
  }
};

const applied = (h: HistoryEntry[], cluster: string) => h.some((e) => e.action === 'apply' && e.cluster === cluster);

/** Processes whose command line names the data folder (etcd, apiservers, kwok, the JVMs' configs). */
const processesUsingDataDir = () =>
  readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(dataDir);
      } catch {
        return false;
      }
    });

let run: Run | undefined;
const stopRun = async (signal: NodeJS.Signals) => {
  const r = run as Run;
  r.child.kill(signal);
  const exit = await r.exited;
  run = undefined;
  return exit;
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'capstan-restart-'));
  dataDir = join(dir, 'data');
});

afterAll(async () => {
  if (run) {
    run.child.kill('SIGINT');
    await Promise.race([run.exited, sleep(20_000)]);
    run.child.kill('SIGKILL');
  }
  // Whatever a failed step left running.
  if (dataDir) await stopStaleProcesses(dataDir, () => {});
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('capstan up keeps its state across restarts', () => {
  let before: { history: HistoryEntry[]; status: unknown; releases: unknown };

  it('stopped with Ctrl-C right after wave 0 is applied, the pending rollout check survives', async () => {
    run = startUp();
    await untilUp(run);
    expect(run.output()).toContain(`data in ${dataDir}`);
    expect((await cli('apps', 'add', join(repoRoot, 'lib/apps/examples/hello.yaml'))).code).toBe(0);
    expect((await cli('send', join(repoRoot, 'events/samples/deploy.requested.json'))).code).toBe(0);

    const h = await until('wave 0 applied', history, (h) => applied(h, 'local-1'));
    expect(await stopRun('SIGINT')).toBe(0);
    // Stopped before the rollout check ran and before wave 1: the release is in flight.
    expect(h.some((e) => e.action === 'rollout')).toBe(false);
    expect(applied(h, 'local-2')).toBe(false);
    expect(processesUsingDataDir()).toEqual([]);
    expect(existsSync(join(dir, 'runtime.json'))).toBe(false);
  });

  it('started again on the same data, the release finishes: check, wave 1, succeeded', async () => {
    run = startUp();
    await untilUp(run);
    expect(run.output()).toContain('local-1: starting again on the data in');
    expect(run.output()).toContain('cluster local-1 already registered');
    const state = JSON.parse(readFileSync(join(dir, 'runtime.json'), 'utf8'));
    expect(state.pid).toBe(run.child.pid);

    const done = await until('release 1 settled', releases, (r) => r[0]?.status === 'succeeded');
    expect(done).toHaveLength(1);
    const h = await history();
    expect(applied(h, 'local-1')).toBe(true);
    expect(applied(h, 'local-2')).toBe(true);
    // One apply per cluster: the restart re-applied nothing.
    expect(h.filter((e) => e.action === 'apply')).toHaveLength(2);
    expect(h.filter((e) => e.action === 'rollout' && e.outcome === 'succeeded').map((e) => e.cluster)).toEqual(
      expect.arrayContaining(['local-1', 'local-2']),
    );
    const status = await json('status', 'hello');
    expect(status).toHaveLength(2);
    expect(status.every((s: { healthy: boolean }) => s.healthy)).toBe(true);
    before = { history: h, status, releases: done };
  });

  it('killed with SIGKILL, it starts again: the orphans are stopped and everything is as before', async () => {
    const killed = (run as Run).child.pid;
    expect(await stopRun('SIGKILL')).toBe('SIGKILL');
    // etcd, the apiservers and the JVMs outlive a SIGKILLed parent.
    expect(processesUsingDataDir().length).toBeGreaterThan(0);

    run = startUp();
    await untilUp(run);
    expect(run.output()).toContain(`from pid ${killed}, which is no longer running`);
    expect(run.output()).toMatch(/stopping what an earlier run .* left running: .*local-1\/etcd/);
    expect(await history()).toEqual(before.history);
    expect(await json('status', 'hello')).toEqual(before.status);
    expect(await releases()).toEqual(before.releases);
  });

  it('a second capstan up on the same data folder is refused, naming the one that holds it', async () => {
    const second = await cli('up', '--clusters', '2', '--port', '0', '--prefix', PREFIX, '--data-dir', dataDir);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`is in use by another capstan up (pid ${(run as Run).child.pid}`);
    expect(await stopRun('SIGINT')).toBe(0);
    expect(processesUsingDataDir()).toEqual([]);
  });
});
