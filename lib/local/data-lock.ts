import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ConflictError } from '../errors.ts';
import { isSameProcess, processStartTime } from './pid-files.ts';

const LockSchema = z.object({ pid: z.int().positive(), startTime: z.string().optional(), since: z.string() });

/** Another live `capstan up` owns the data folder. */
export class DataDirInUseError extends ConflictError {}

const readLock = async (file: string) => {
  try {
    return LockSchema.parse(JSON.parse(await readFile(file, 'utf8')));
  } catch {
    return undefined;
  }
};

/**
 * Makes this process the only user of a data folder: two runtimes on one DynamoDB database, one H2 file
 * and one etcd data folder would corrupt each other. The lock file holds our pid and its start time; a
 * lock whose process is gone (a run killed with SIGKILL) is taken over, one of a live process is refused
 * with its pid. Returns the release function (which removes the lock only if it is still ours).
 */
export const lockDataDir = async (dir: string, log: (line: string) => void): Promise<() => Promise<void>> => {
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'capstan.lock');
  const mine = { pid: process.pid, startTime: processStartTime(process.pid), since: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      // 'wx': created only if absent, atomically, so two runs starting together cannot both win.
      const handle = await open(file, 'wx', 0o600);
      await handle.writeFile(`${JSON.stringify(mine)}\n`);
      await handle.close();
      return async () => {
        if ((await readLock(file))?.pid === process.pid) await rm(file, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = await readLock(file);
    if (owner && isSameProcess(owner.pid, owner.startTime)) {
      throw new DataDirInUseError(
        `the data folder ${dir} is in use by another capstan up (pid ${owner.pid}, since ${owner.since}): ` +
          'stop that one first, or start this one with --data-dir <another folder> or --ephemeral',
      );
    }
    // No owner (a half-written lock would have its pid within milliseconds; give it one look) or a dead one.
    if (!owner && attempt === 0) {
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    log(`taking over ${file}${owner ? ` from pid ${owner.pid}, which is no longer running` : ' (unreadable)'}`);
    await rm(file, { force: true });
  }
  throw new DataDirInUseError(`could not lock the data folder ${dir}: ${file} keeps reappearing`);
};
