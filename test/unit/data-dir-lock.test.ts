import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataDirInUseError, lockDataDir } from '../../lib/local/data-lock.ts';
import { isSameProcess, processStartTime, stopStaleProcesses, writePidFile } from '../../lib/local/pid-files.ts';

// Real processes stand in for a live or killed `capstan up` and for the children it left behind.

let dir: string;
const children: ChildProcess[] = [];
const sleeper = (trapTerm = false) => {
  // A shell that ignores SIGTERM plays a process that must be SIGKILLed (kube-apiserver draining).
  const child = spawn('sh', ['-c', trapTerm ? "trap '' TERM; sleep 60 & wait; sleep 60" : 'exec sleep 60'], {
    stdio: 'ignore',
  });
  children.push(child);
  return child;
};
const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) =>
    child.exitCode !== null || child.signalCode ? resolve() : child.once('exit', () => resolve()),
  );

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'capstan-lock-'));
});
afterEach(async () => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

describe('data folder lock', () => {
  it('is refused while its owner runs, naming the pid, and taken over once the owner is gone', async () => {
    const owner = sleeper();
    const pid = owner.pid as number;
    writeFileSync(
      join(dir, 'capstan.lock'),
      JSON.stringify({ pid, startTime: processStartTime(pid), since: new Date().toISOString() }),
    );
    const attempt = lockDataDir(dir, () => {});
    await expect(attempt).rejects.toBeInstanceOf(DataDirInUseError);
    await expect(attempt).rejects.toThrow(`in use by another capstan up (pid ${pid}`);

    owner.kill('SIGKILL');
    await exited(owner);
    const lines: string[] = [];
    const release = await lockDataDir(dir, (l) => lines.push(l));
    expect(lines.join('\n')).toContain(`from pid ${pid}, which is no longer running`);
    expect(JSON.parse(readFileSync(join(dir, 'capstan.lock'), 'utf8')).pid).toBe(process.pid);
    await release();
    expect(existsSync(join(dir, 'capstan.lock'))).toBe(false);
  });

  it('is not fooled by a recycled pid: same pid, another start time, is no owner', async () => {
    writeFileSync(
      join(dir, 'capstan.lock'),
      JSON.stringify({ pid: process.ppid, startTime: '1', since: new Date().toISOString() }),
    );
    const release = await lockDataDir(dir, () => {});
    await release();
  });

  it('lets one of two concurrent takers win', async () => {
    const results = await Promise.allSettled([lockDataDir(dir, () => {}), lockDataDir(dir, () => {})]);
    // The loser finds a live owner (this very process) and is refused.
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((r) => r.status === 'rejected');
    expect(lost?.reason).toBeInstanceOf(DataDirInUseError);
  });
});

describe('stale processes', () => {
  it('stops every process its pid file names, SIGKILL for one that ignores SIGTERM, and removes the files', async () => {
    const polite = sleeper();
    const stubborn = sleeper(true);
    await new Promise((r) => setTimeout(r, 200)); // let the shell install its trap
    writePidFile(join(dir, 'polite.pid'), 'polite', polite.pid as number, 'sh');
    writePidFile(join(dir, 'stubborn.pid'), 'stubborn', stubborn.pid as number, 'sh');
    writePidFile(join(dir, 'gone.pid'), 'gone', 2 ** 22 - 1, 'sh');
    writeFileSync(join(dir, 'garbage.pid'), 'not json');

    const lines: string[] = [];
    const stopped = await stopStaleProcesses(dir, (l) => lines.push(l), 1_000);
    expect(stopped).toBe(2);
    await Promise.all([exited(polite), exited(stubborn)]);
    expect(polite.signalCode).toBe('SIGTERM');
    expect(stubborn.signalCode).toBe('SIGKILL');
    expect(lines.join('\n')).toMatch(/polite \(pid \d+\).*stubborn \(pid \d+\)/);
    expect(lines.join('\n')).toContain('stubborn');
    for (const f of ['polite', 'stubborn', 'gone', 'garbage']) expect(existsSync(join(dir, `${f}.pid`))).toBe(false);
    expect(isSameProcess(polite.pid as number, processStartTime(polite.pid as number))).toBe(false);
  });
});
