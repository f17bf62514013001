import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { z } from 'zod';

// Children are not in a process group of their own and Node has no PR_SET_PDEATHSIG: if `capstan up` is
// killed with SIGKILL (or crashes hard), etcd, kube-apiserver and the JVMs keep running, holding the data
// folder's locks (etcd's bbolt file, the H2 database) and its ports. Each child therefore leaves a pid
// file next to its log, and the next run on the same data folder stops whatever is still running.

const PidFileSchema = z.object({
  name: z.string(),
  pid: z.int().positive(),
  command: z.string(),
  /** /proc/<pid>/stat start time (clock ticks since boot): a recycled pid has another one. */
  startTime: z.string().optional(),
});
type PidFile = z.infer<typeof PidFileSchema>;

/**
 * When the process started, as the kernel says (Linux: field 22 of /proc/<pid>/stat), or undefined if it
 * is gone or there is no /proc. The command name may hold spaces and parentheses: fields are counted
 * after the last ')'.
 */
export const processStartTime = (pid: number): string | undefined => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
};

const hasProc = () => processStartTime(process.pid) !== undefined;

/** Without /proc (macOS): the command name `ps` reports, to tell our process from a recycled pid. */
const commandOf = (pid: number): string | undefined => {
  try {
    return execFileSync('ps', ['-p', String(pid), '-o', 'comm='], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
};

/** True if `pid` still runs and is the process the record describes (not a recycled pid). */
export const isSameProcess = (pid: number, startTime: string | undefined, command?: string): boolean => {
  if (hasProc()) return startTime !== undefined && processStartTime(pid) === startTime;
  const running = commandOf(pid);
  return running !== undefined && (command === undefined || basename(running) === basename(command));
};

export const writePidFile = (file: string, name: string, pid: number, command: string): void => {
  const record: PidFile = { name, pid, command, startTime: processStartTime(pid) };
  writeFileSync(file, `${JSON.stringify(record)}\n`);
};

export const removePidFile = (file: string): void => rmSync(file, { force: true });

const gone = async (p: PidFile, ms: number) => {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!isSameProcess(p.pid, p.startTime, p.command)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !isSameProcess(p.pid, p.startTime, p.command);
};

// A half-written or foreign file is no reason to kill anything.
const readPidFile = async (file: string): Promise<PidFile | undefined> => {
  try {
    return PidFileSchema.parse(JSON.parse(await readFile(file, 'utf8')));
  } catch {
    return undefined;
  }
};

const pidFilesUnder = async (dir: string, depth: number): Promise<string[]> => {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const found: string[] = [];
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isFile() && e.name.endsWith('.pid')) found.push(path);
    else if (e.isDirectory() && depth > 0) found.push(...(await pidFilesUnder(path, depth - 1)));
  }
  return found;
};

const stopOne = async (p: PidFile, log: (line: string) => void, graceMs: number) => {
  try {
    process.kill(p.pid, 'SIGTERM');
    if (await gone(p, graceMs)) return;
    log(`${p.name} (pid ${p.pid}) ignored SIGTERM for ${graceMs / 1000}s: SIGKILL`);
    process.kill(p.pid, 'SIGKILL');
    await gone(p, 5_000);
  } catch {
    // Exited between the check and the signal.
  }
};

/**
 * Stops every process a pid file under `dir` (three levels deep) names that still runs, all at once:
 * SIGTERM, so etcd and the JVMs close their databases cleanly, then SIGKILL after `graceMs`. Pid files
 * of processes already gone are removed. Returns how many were stopped.
 */
export const stopStaleProcesses = async (
  dir: string,
  log: (line: string) => void,
  graceMs = 10_000,
): Promise<number> => {
  const files = await pidFilesUnder(dir, 3);
  const records = await Promise.all(files.map(readPidFile));
  const running = records.filter((p): p is PidFile => p !== undefined && isSameProcess(p.pid, p.startTime, p.command));
  if (running.length > 0) {
    log(
      `stopping what an earlier run that did not stop cleanly (killed?) left running: ` +
        running.map((p) => `${p.name} (pid ${p.pid})`).join(', '),
    );
  }
  await Promise.all(running.map((p) => stopOne(p, log, graceMs)));
  await Promise.all(files.map((file) => rm(file, { force: true })));
  return running.length;
};
