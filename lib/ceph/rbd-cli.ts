import { type ChildProcess, execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { CephNameSchema } from '../../events/rbd-lock-detected.ts';
import {
  ClusterCredentialsError,
  ClusterRejectedError,
  ClusterUnavailableError,
  InvalidInputError,
} from '../errors.ts';
import type { Change } from '../kube/optimistic.ts';
import type { CephCredentials } from './access.ts';
import type { ImageStatus, RbdLock } from './ports.ts';

/**
 * An image's watchers and locks, and breaking a lock, through the `rbd` CLI (issue 11). Why the CLI:
 * - neither the mgr's restful module nor the dashboard API exposes an image's watchers or locks (checked on
 *   Pacific), so the REST API that blocklists cannot confirm that the holder is gone;
 * - the alternative, librbd through an FFI package, has no well-kept Node binding (the npm ones are
 *   abandoned native addons), and a native addon would tie the Lambda bundle to one libc and librbd ABI;
 * - `rbd` ships in ceph-common wherever an on-premises Ceph is run, speaks the cluster's own protocol and
 *   version, prints JSON (`--format json`), and each call is a short-lived process: a hung librados cannot
 *   wedge capstan, it is killed at the timeout.
 * How it is run: execFile with an argument array (never a shell), pool and image checked as Ceph names, a
 * ceph.conf and keyring written for the one call into a private temp folder (0700, files 0600) and removed
 * after it, and timeouts on every step: without `client_mount_timeout` the CLI waits minutes for mons that
 * are gone (300 s by default).
 * Within the heal function's 30 s (lib/topology.ts): each step 5 s by default, and the process killed at
 * 2×timeout+3 s, never later than 15 s. The function host ends a worker that overruns (worker.terminate())
 * without running its `finally` or killing its children, so: rbd runs under coreutils `timeout`, which
 * kills it at its deadline whoever is still waiting; a process that exits takes its live rbd calls with it;
 * and the first call in a process removes the temp folders of calls that never cleaned up (stale ones only).
 */
export interface RbdCliOptions {
  readonly cluster: string;
  readonly credentials: Pick<CephCredentials, 'monHost' | 'clientName' | 'clientKey'>;
  /** For connecting and for each mon or OSD operation; default 5 s (the process is killed at 2×+3 s, ≤ 15 s). */
  readonly timeoutSeconds?: number;
  /** The `rbd` binary; default `rbd` on PATH. */
  readonly rbdPath?: string;
}

export interface RbdCli {
  imageStatus(pool: string, image: string): Promise<ImageStatus | undefined>;
  removeLock(pool: string, image: string, lock: Pick<RbdLock, 'id' | 'locker'>): Promise<Change>;
}

const WatchersSchema = z.looseObject({
  watchers: z.array(z.looseObject({ address: z.string(), client: z.number(), cookie: z.number() })).default([]),
});
const LocksSchema = z.array(z.looseObject({ id: z.string(), locker: z.string(), address: z.string() }));

/** errno values (rbd exits with the positive errno) that say Ceph did not answer or not yet: try again. */
const RETRYABLE_ERRNO = new Map([
  [4, 'EINTR'],
  [5, 'EIO'],
  [11, 'EAGAIN'],
  [16, 'EBUSY'],
  [107, 'ENOTCONN'],
  [108, 'ESHUTDOWN (this client is blocklisted)'],
  [110, 'ETIMEDOUT'],
  [111, 'ECONNREFUSED'],
  [112, 'EHOSTDOWN'],
  [113, 'EHOSTUNREACH'],
]);
const ENOENT = 2;
const ACCESS_ERRNO = new Set([1, 13]); // EPERM, EACCES: cephx refused us

// A keyring or conf line is `key = value`: a newline would add options of the caller's choosing.
const oneLine = /^[^\r\n\0]+$/;
const base64 = /^[A-Za-z0-9+/]+={0,2}$/;

export const DEFAULT_TIMEOUT_SECONDS = 5;
export const MAX_KILL_SECONDS = 15;
/** When the rbd process is killed, for a step timeout; never past MAX_KILL_SECONDS. */
export const killAfterSeconds = (timeoutSeconds: number): number => Math.min(timeoutSeconds * 2 + 3, MAX_KILL_SECONDS);

const TEMP_PREFIX = 'capstan-rbd-';
/** Far longer than any call lives (MAX_KILL_SECONDS): a folder this old belongs to a call that was cut off. */
export const STALE_TEMP_MS = 5 * 60_000;

/** Removes `capstan-rbd-*` folders under `dir` older than STALE_TEMP_MS; what it cannot remove it leaves. */
export const removeStaleTempFolders = async (dir: string, now = Date.now()): Promise<string[]> => {
  const removed: string[] = [];
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names.filter((n) => n.startsWith(TEMP_PREFIX))) {
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isDirectory() || now - info.mtimeMs < STALE_TEMP_MS) continue;
    await rm(path, { recursive: true, force: true })
      .then(() => removed.push(path))
      .catch(() => undefined);
  }
  return removed;
};

let staleSwept: Promise<unknown> | undefined;

// rbd calls still running in this process: ended with it (SIGTERM to `timeout`, which passes it on to rbd).
const live = new Set<ChildProcess>();
let exitHooked = false;
const endWithProcess = (child: ChildProcess) => {
  if (!exitHooked) {
    exitHooked = true;
    process.once('exit', () => {
      for (const c of live) c.kill('SIGTERM');
    });
  }
  live.add(child);
  child.once('exit', () => live.delete(child));
};

// coreutils timeout -s KILL kills its whole process group at the deadline, itself too (so a SIGKILL, or
// 124/137 as an exit code); 126/127 when the command cannot be run or is not there.
const KILLED_EXIT = new Set([124, 137]);
const NOT_RUNNABLE_EXIT = new Set([126, 127]);

interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export const rbdCli = (o: RbdCliOptions): RbdCli => {
  const timeout = o.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  const killAt = killAfterSeconds(timeout);
  const rbd = o.rbdPath ?? 'rbd';
  const { monHost, clientName, clientKey } = o.credentials;
  const name = (what: string, value: string) => {
    const parsed = CephNameSchema.safeParse(value);
    if (!parsed.success) throw new InvalidInputError(`not a Ceph ${what} name: ${JSON.stringify(value)}`);
    return value;
  };

  const run = async (args: readonly string[]): Promise<RunResult> => {
    if (!oneLine.test(monHost)) throw new ClusterCredentialsError(o.cluster, 'Ceph monHost is not one line');
    if (!base64.test(clientKey)) throw new ClusterCredentialsError(o.cluster, 'Ceph clientKey is not a cephx key');
    staleSwept ??= removeStaleTempFolders(tmpdir());
    await staleSwept;
    const dir = await mkdtemp(join(tmpdir(), TEMP_PREFIX));
    try {
      const conf = join(dir, 'ceph.conf');
      const keyring = join(dir, 'keyring');
      await writeFile(keyring, `[${clientName}]\nkey = ${clientKey}\n`, { mode: 0o600 });
      await writeFile(
        conf,
        [
          '[global]',
          `mon_host = ${monHost}`,
          `keyring = ${keyring}`,
          `client_mount_timeout = ${timeout}`,
          `rados_mon_op_timeout = ${timeout}`,
          `rados_osd_op_timeout = ${timeout}`,
          // No admin socket or log file of a short-lived client left anywhere.
          'admin_socket =',
          'log_file =',
          '',
        ].join('\n'),
        { mode: 0o600 },
      );
      const killed = () =>
        new ClusterUnavailableError(o.cluster, `rbd ${args[0]} did not finish within ${killAt} s (killed)`);
      return await new Promise((resolve, reject) => {
        const child = execFile(
          'timeout',
          ['-s', 'KILL', String(killAt), rbd, '--conf', conf, '--name', clientName, ...args],
          // A last resort, should `timeout` itself hang: SIGTERM, which it passes on to rbd.
          { timeout: (killAt + 2) * 1000, killSignal: 'SIGTERM', maxBuffer: 8 * 1024 * 1024 },
          (error, stdout, stderr) => {
            if (!error) return resolve({ code: 0, stdout, stderr });
            const e = error as NodeJS.ErrnoException & { code?: string | number; killed?: boolean; signal?: string };
            if (e.code === 'ENOENT') {
              return reject(
                new ClusterRejectedError(o.cluster, 'coreutils `timeout` is not installed (it bounds every rbd call)'),
              );
            }
            if (e.killed || e.signal === 'SIGKILL' || (typeof e.code === 'number' && KILLED_EXIT.has(e.code)))
              return reject(killed());
            if (typeof e.code === 'number' && NOT_RUNNABLE_EXIT.has(e.code)) {
              return reject(
                new ClusterRejectedError(o.cluster, `the rbd CLI (${rbd}) is not installed: install ceph-common`),
              );
            }
            resolve({ code: typeof e.code === 'number' ? e.code : -1, stdout, stderr });
          },
        );
        endWithProcess(child);
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };

  const failure = (args: readonly string[], r: RunResult): Error => {
    const what = `\`rbd ${args.join(' ')}\` failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-2).join(' ')}`;
    const retryable = RETRYABLE_ERRNO.get(r.code);
    if (retryable) return new ClusterUnavailableError(o.cluster, `${what} [${retryable}]`);
    if (ACCESS_ERRNO.has(r.code))
      return new ClusterCredentialsError(o.cluster, `${what} (check clientName and clientKey)`);
    return new ClusterRejectedError(o.cluster, what);
  };

  const json = <T>(schema: z.ZodType<T>, args: readonly string[], stdout: string): T => {
    try {
      return schema.parse(JSON.parse(stdout));
    } catch (error) {
      throw new ClusterRejectedError(o.cluster, `\`rbd ${args.join(' ')}\` printed unexpected JSON (${String(error)})`);
    }
  };

  /** The parsed output, or undefined when the pool or image does not exist (ENOENT). */
  const read = async <T>(schema: z.ZodType<T>, args: readonly string[]): Promise<T | undefined> => {
    const r = await run(args);
    if (r.code === ENOENT) return undefined;
    if (r.code !== 0) throw failure(args, r);
    return json(schema, args, r.stdout);
  };

  const locksOf = (spec: string) => read(LocksSchema, ['lock', 'ls', spec, '--format', 'json']);

  return {
    async imageStatus(pool, image) {
      const spec = `${name('pool', pool)}/${name('image', image)}`;
      const status = await read(WatchersSchema, ['status', spec, '--format', 'json']);
      if (!status) return undefined;
      const locks = await locksOf(spec);
      if (!locks) return undefined; // removed between the two reads
      return {
        watchers: status.watchers.map((w) => ({
          address: w.address,
          client: `client.${w.client}`,
          cookie: String(w.cookie),
        })),
        locks: locks.map(({ id, locker, address }) => ({ id, locker, address })),
      };
    },
    async removeLock(pool, image, lock) {
      const spec = `${name('pool', pool)}/${name('image', image)}`;
      const locks = await locksOf(spec);
      if (!locks?.some((l) => l.id === lock.id && l.locker === lock.locker)) return 'unchanged';
      // `--` ends the options: a lock id such as `auto 1402...` is an argument, never read as one. Breaking a
      // lock blocklists its client by default (for an hour, an entry nobody tracks); the caller has blocked
      // the client's whole address already, and lifts that itself when the node is back.
      const args = ['--rbd_blocklist_on_break_lock=false', 'lock', 'rm', spec, '--', lock.id, lock.locker];
      const r = await run(args);
      if (r.code === ENOENT) return 'unchanged'; // broken by someone else since the read
      if (r.code !== 0) throw failure(args, r);
      return 'changed';
    },
  };
};
