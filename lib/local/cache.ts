import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatElapsed } from './step.ts';

export interface CachedOptions {
  /** The cache root, e.g. `<repo>/.capstan/cache`. */
  readonly root: string;
  /** Folder name of this component, keyed by version: `kubernetes-v1.34.4`. */
  readonly name: string;
  /** True when a finished folder has everything expected (guards against a hand-edited cache). */
  readonly complete: (dir: string) => boolean;
  /** Fills `tmpDir`; it becomes the cached folder only if this resolves. */
  readonly build: (tmpDir: string) => Promise<void>;
  readonly log: (line: string) => void;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * One builder at a time per component, across processes: two test runs started together would otherwise
 * both compile Kubernetes on the same 2 cores. mkdir is atomic; the owner's pid inside lets a later run
 * take over the lock of a builder that was killed.
 */
const acquireLock = async (o: CachedOptions): Promise<() => Promise<void>> => {
  const lock = join(o.root, `.${o.name}.lock`);
  const started = Date.now();
  let lastNotice = 0;
  while (true) {
    try {
      await mkdir(lock);
      await writeFile(join(lock, 'pid'), String(process.pid));
      return () => rm(lock, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number(await readFile(join(lock, 'pid'), 'utf8').catch(() => ''));
    // No pid yet: the owner is between mkdir and writeFile; look again shortly.
    if (owner && !alive(owner)) {
      o.log(`${o.name}: removing the lock of an interrupted build (pid ${owner})`);
      await rm(lock, { recursive: true, force: true });
      continue;
    }
    if (Date.now() - lastNotice > 30_000) {
      o.log(
        `${o.name}: waiting for another process (pid ${owner}) that is building it (${formatElapsed(Date.now() - started)})`,
      );
      lastNotice = Date.now();
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
};

/**
 * The cached folder of a component, building it first if needed. The build writes into a temporary
 * sibling that is renamed into place only when complete, so an interrupted build never leaves a folder
 * that looks finished. A cached folder is returned without taking the lock, so a warm call costs one stat.
 */
export const cached = async (o: CachedOptions): Promise<string> => {
  const dir = join(o.root, o.name);
  if (existsSync(dir) && o.complete(dir)) return dir;
  await mkdir(o.root, { recursive: true });
  const release = await acquireLock(o);
  try {
    if (existsSync(dir) && o.complete(dir)) return dir;
    // Holding the lock, any temp folder of this component was left by a builder that died.
    for (const entry of await readdir(o.root)) {
      if (entry.startsWith(`.tmp-${o.name}-`)) await rm(join(o.root, entry), { recursive: true, force: true });
    }
    if (existsSync(dir)) {
      o.log(`${o.name}: cached folder is incomplete; rebuilding it`);
      await rm(dir, { recursive: true, force: true });
    }
    const tmp = join(o.root, `.tmp-${o.name}-${process.pid}`);
    await mkdir(tmp, { recursive: true });
    try {
      await o.build(tmp);
      if (!o.complete(tmp)) throw new Error(`${o.name}: the build finished but did not produce every expected file`);
      await rename(tmp, dir);
    } catch (error) {
      await rm(tmp, { recursive: true, force: true });
      throw error;
    }
    return dir;
  } finally {
    await release();
  }
};
