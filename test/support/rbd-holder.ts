import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ensureAptPackages } from '../../lib/local/apt.ts';
import { cached } from '../../lib/local/cache.ts';
import type { LocalCeph } from '../../lib/local/ceph.ts';
import { cacheRoot } from '../../lib/local/components.ts';

/**
 * Fake node RBD clients for the tests (issue 11): a process that really holds an image the way a node's
 * ceph-csi does (librbd opens it: a watch; writes: the exclusive lock), seen by Ceph at a chosen loopback
 * address, as a node's client is seen at the node's InternalIP. librados never binds its client socket,
 * so bind-shim.c (LD_PRELOAD) binds it to that address before connect(); holder.py is the client, run by
 * Debian's /usr/bin/python3 (python3-rados, python3-rbd; pyenv's python3 has neither).
 */
const here = join(dirname(fileURLToPath(import.meta.url)), 'rbd-holder');
const shimSource = join(here, 'bind-shim.c');
const holderScript = join(here, 'holder.py');
const python = '/usr/bin/python3';

const run = (command: string, args: readonly string[]): Promise<string> =>
  new Promise((resolve, reject) => {
    execFile(command, args, { timeout: 60_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${command} ${args.join(' ')}: ${(stderr || error.message).trim()}`)) : resolve(stdout),
    );
  });

/** The compiled shim, cached under CAPSTAN_CACHE by a hash of its source: built once, then one stat. */
export const bindShim = async (log: (line: string) => void = () => {}): Promise<string> => {
  const hash = createHash('sha256').update(readFileSync(shimSource)).digest('hex').slice(0, 12);
  const dir = await cached({
    root: cacheRoot(),
    name: `rbd-bind-shim-${hash}`,
    complete: (d) => existsSync(join(d, 'bind-shim.so')),
    log,
    build: async (tmp) => {
      await ensureAptPackages(
        { what: 'gcc', packages: ['gcc', 'libc6-dev'], files: ['/usr/bin/gcc', '/usr/include/dlfcn.h'] },
        log,
      );
      await run('gcc', ['-shared', '-fPIC', '-O2', '-Wall', '-o', join(tmp, 'bind-shim.so'), shimSource, '-ldl']);
    },
  });
  return join(dir, 'bind-shim.so');
};

export interface HolderOptions {
  readonly ceph: LocalCeph;
  readonly pool: string;
  readonly image: string;
  /** The fake node's address: 127.0.0.x (127.0.0.1 is the Ceph daemons' own). */
  readonly address: string;
  /** Write once after opening (takes the exclusive lock); default true. */
  readonly write?: boolean;
}

export interface RbdHolder {
  readonly address: string;
  /** Its Ceph client id (`client.<n>` in watchers and locks). */
  readonly client: string;
  /** What the first write answered (`write ok`, `write error 108 ...`), or undefined with `write: false`. */
  readonly firstWrite?: string;
  /** Closes the image (watch and lock go with it) and exits. */
  stop(): Promise<void>;
  /** SIGKILL: a node that died, its watch and lock left behind. */
  kill(): Promise<void>;
  isAlive(): boolean;
  /** Writes once more: `write ok` or `write error <errno> <message>`. */
  write(): Promise<string>;
  writeOk(): Promise<boolean>;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Starts a holder and waits until it has the image open (and written, unless `write: false`). */
export const startHolder = async (o: HolderOptions): Promise<RbdHolder> => {
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(o.address)) throw new Error(`not a loopback address: ${o.address}`);
  const shim = await bindShim();
  const args = [holderScript, '--conf', o.ceph.confPath, '--keyring', o.ceph.keyringPath];
  args.push('--pool', o.pool, '--image', o.image, ...(o.write === false ? ['--no-write'] : []));
  const child = spawn(python, args, {
    env: { ...process.env, LD_PRELOAD: shim, CAPSTAN_BIND_ADDRESS: o.address },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  live.add(child);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      live.delete(child);
      resolve();
    }),
  );
  const lines = createInterface({ input: child.stdout });
  const waiting: ((line: string) => void)[] = [];
  const nextLine = (timeoutMs: number, what: string) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`holder at ${o.address}: no ${what} in ${timeoutMs} ms`)),
        timeoutMs,
      );
      const done = () => {
        clearTimeout(timer);
        reject(new Error(`holder at ${o.address} exited before ${what}: ${stderr.trim()}`));
      };
      void exited.then(done);
      waiting.push((line) => {
        clearTimeout(timer);
        resolve(line);
      });
    });
  lines.on('line', (line) => waiting.shift()?.(line));

  const alive = () => child.exitCode === null && child.signalCode === null;
  const ready = await nextLine(30_000, 'ready line').catch(async (error) => {
    child.kill('SIGKILL');
    await exited;
    throw error;
  });
  if (!ready.startsWith('ready ')) throw new Error(`holder at ${o.address} said ${ready}`);
  const info = JSON.parse(ready.slice('ready '.length)) as { client: number; write: string | null };
  const write = async () => {
    child.stdin.write('write\n');
    return nextLine(30_000, 'write answer');
  };
  return {
    address: o.address,
    client: `client.${info.client}`,
    ...(info.write ? { firstWrite: info.write } : {}),
    isAlive: alive,
    write,
    writeOk: async () => (await write()) === 'write ok',
    async stop() {
      if (!alive()) return;
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
    async kill() {
      if (alive()) child.kill('SIGKILL');
      await exited;
    },
  };
};

/** A new image of `sizeMb` (default 8) with the default features (exclusive-lock among them). */
export const createImage = async (ceph: LocalCeph, pool: string, image: string, sizeMb = 8): Promise<void> => {
  await run('rbd', [
    '-c',
    ceph.confPath,
    '--keyring',
    ceph.keyringPath,
    'create',
    `${pool}/${image}`,
    '--size',
    String(sizeMb),
  ]);
};

/** As a new node's client would: opens the image from `address` and writes; throws unless the write worked. */
export const takeLock = async (o: Omit<HolderOptions, 'write'>): Promise<RbdHolder> => {
  const holder = await startHolder({ ...o, write: true });
  if (holder.firstWrite !== 'write ok') {
    await holder.kill();
    throw new Error(`holder at ${o.address} could not write ${o.pool}/${o.image}: ${holder.firstWrite}`);
  }
  return holder;
};
