import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_TIMEOUT_SECONDS,
  killAfterSeconds,
  MAX_KILL_SECONDS,
  rbdCli,
  removeStaleTempFolders,
  STALE_TEMP_MS,
} from '../../lib/ceph/rbd-cli.ts';
import {
  ClusterCredentialsError,
  ClusterRejectedError,
  ClusterUnavailableError,
  InvalidInputError,
} from '../../lib/errors.ts';

// What the rbd CLI adapter refuses before it runs anything (the rest is test/integration/ceph-gateway.test.ts).
const credentials = {
  monHost: '[v2:127.0.0.1:1]',
  clientName: 'client.capstan',
  clientKey: 'AQDssg9rUcgmDRAAslBTeoWCeeMtQaTgjTBb0w==',
};

describe('rbd CLI adapter', () => {
  it.each([
    ['-x', 'img'],
    ['rbd', '--pool=other'],
    ['rbd', 'a/b'],
    ['rbd', ''],
  ])('refuses pool %j image %j as Ceph names', async (pool, image) => {
    const cli = rbdCli({ cluster: 'c1', credentials });
    await expect(cli.imageStatus(pool, image)).rejects.toBeInstanceOf(InvalidInputError);
    await expect(cli.removeLock(pool, image, { id: 'auto 1', locker: 'client.1' })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
  });

  it('refuses credentials that would add lines to its ceph.conf or keyring', async () => {
    for (const bad of [{ monHost: '127.0.0.1\nkeyring = /etc/x' }, { clientKey: 'AQ==\n[client.admin]' }]) {
      const cli = rbdCli({ cluster: 'c1', credentials: { ...credentials, ...bad } });
      const error = await cli.imageStatus('rbd', 'img').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ClusterCredentialsError);
      expect(String(error)).not.toContain('AQ==');
    }
  });

  it('says that rbd is missing, for good', async () => {
    const cli = rbdCli({ cluster: 'c1', credentials, rbdPath: '/nonexistent/rbd' });
    const error = await cli.imageStatus('rbd', 'img').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClusterRejectedError);
    expect(String(error)).toMatch(/cluster c1: the rbd CLI \(\/nonexistent\/rbd\) is not installed/);
  });
});

/** Whether a process runs (a zombie, killed and not yet reaped by whoever adopted it, does not). */
const running = async (pid: number): Promise<boolean> => {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat !== '' && !/^\d+ \(.*\) [ZX] /.test(stat);
};

describe('rbd CLI adapter within the heal function budget (30 s)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'capstan-rbd-cli-test-'));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('kills one call at 13 s by default, never past 15 s', () => {
    expect(DEFAULT_TIMEOUT_SECONDS).toBe(5);
    expect(killAfterSeconds(DEFAULT_TIMEOUT_SECONDS)).toBe(13);
    expect(killAfterSeconds(60)).toBe(MAX_KILL_SECONDS);
    expect(MAX_KILL_SECONDS).toBeLessThanOrEqual(15);
  });

  it('kills an rbd that hangs at its deadline, and removes its conf and keyring', async () => {
    // A stand-in for an rbd that waits for mons that are gone: it says where it runs, then sleeps.
    const rbdPath = join(dir, 'rbd');
    const said = join(dir, 'said');
    await writeFile(rbdPath, `#!/bin/sh\necho "$$ $2" > ${said}\nexec sleep 60\n`);
    await chmod(rbdPath, 0o755);
    const started = Date.now();
    const error = await rbdCli({ cluster: 'c1', credentials, rbdPath, timeoutSeconds: 1 })
      .imageStatus('rbd', 'img')
      .catch((e: unknown) => e);
    const took = Date.now() - started;
    expect(error).toBeInstanceOf(ClusterUnavailableError);
    expect(String(error)).toContain('did not finish within 5 s (killed)');
    expect(took).toBeGreaterThanOrEqual(4_500);
    expect(took).toBeLessThan(8_000);
    const [pid, conf] = (await readFile(said, 'utf8')).trim().split(' ');
    expect(await running(Number(pid))).toBe(false); // killed, not left running
    expect(existsSync(dirname(conf ?? ''))).toBe(false);
  }, 15_000);

  it('removes stale capstan-rbd-* folders (a call cut off before its finally), and only those', async () => {
    const now = Date.now();
    const stale = join(dir, 'capstan-rbd-stale');
    const fresh = join(dir, 'capstan-rbd-fresh');
    const other = join(dir, 'other-old');
    for (const d of [stale, fresh, other]) await mkdir(d, { recursive: true });
    await writeFile(join(stale, 'keyring'), 'x', { mode: 0o600 });
    const old = new Date(now - STALE_TEMP_MS - 60_000);
    await utimes(stale, old, old);
    await utimes(other, old, old);
    expect(await removeStaleTempFolders(dir, now)).toEqual([stale]);
    expect([existsSync(stale), existsSync(fresh), existsSync(other)]).toEqual([false, true, true]);
    expect(await removeStaleTempFolders(dir, now)).toEqual([]);
  });
});
