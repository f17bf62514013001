import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// `capstan up`'s own options, refused before anything starts (no emulators, no clusters, no data folder).
const run = promisify(execFile);
const bin = join(import.meta.dirname, '../../lib/cli/bin.js');

const up = async (...args: string[]) => {
  try {
    const { stdout, stderr } = await run('node', [bin, 'up', ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

describe('capstan up options', () => {
  it('documents the data folder, --ephemeral and wiping in --help', async () => {
    const { code, stdout } = await up('--help');
    expect(code).toBe(0);
    expect(stdout).toContain('--data-dir <dir>');
    expect(stdout).toContain('.capstan/data/<prefix>');
    expect(stdout).toContain('--ephemeral');
    expect(stdout).toContain('rm -rf .capstan/data/<prefix>');
    expect(stdout).toContain('127.0.0.1 only');
  });

  it('refuses --ephemeral with --data-dir (exit 2)', async () => {
    const { code, stderr } = await up('--ephemeral', '--data-dir', '/tmp/nowhere');
    expect(code).toBe(2);
    expect(stderr).toContain('--ephemeral and --data-dir exclude each other');
  });

  it.each(['../../etc', 'a/b', '', 'x'.repeat(41)])(
    'refuses the prefix %j, which would be a path or no name',
    async (prefix) => {
      const { code, stderr } = await up('--prefix', prefix);
      expect(code).toBe(2);
      expect(stderr).toContain('--prefix');
    },
  );
});
