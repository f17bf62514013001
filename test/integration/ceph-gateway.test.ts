import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CephAccess, CephCredentials } from '../../lib/ceph/access.ts';
import { connectCeph } from '../../lib/ceph/gateway.ts';
import type { CephGateway } from '../../lib/ceph/ports.ts';
import { restfulCeph } from '../../lib/ceph/restful.ts';
import { ClusterCredentialsError, ClusterUnavailableError, isRetryable } from '../../lib/errors.ts';
import { type LocalCeph, startCeph } from '../../lib/local/ceph.ts';
import { bindShim, createImage, type RbdHolder, takeLock } from '../support/rbd-holder.ts';

// The Ceph adapter (lib/ceph/gateway.ts) against a real single-host Ceph (lib/local/ceph.ts), with fake
// node clients holding an image from their own loopback addresses (test/support/rbd-holder.ts).
let ceph: LocalCeph;
let dir: string;
let credentials: CephCredentials;
let access: CephAccess;
let gateway: CephGateway;
const holders: RbdHolder[] = [];
const timings: string[] = [];
const secs = (ms: number) => `${(ms / 1000).toFixed(2)}s`;

const cephCli = (...args: string[]): Promise<string> =>
  new Promise((resolve, reject) => {
    execFile('ceph', ['-c', ceph.confPath, '--connect-timeout', '10', ...args], (error, stdout, stderr) =>
      error ? reject(new Error(`ceph ${args.join(' ')}: ${stderr || error.message}`)) : resolve(stdout),
    );
  });

beforeAll(async () => {
  let started = Date.now();
  dir = await mkdtemp(join(tmpdir(), 'capstan-ceph-gateway-'));
  ceph = await startCeph({ dir: join(dir, 'ceph'), log: (l) => console.log(l) });
  timings.push(`startCeph ${secs(Date.now() - started)}`);
  started = Date.now();
  await bindShim((l) => console.log(l));
  timings.push(`bind shim (cached after the first run) ${secs(Date.now() - started)}`);
  // capstan's own cephx entity, with what an RBD client gets and no more.
  await cephCli('auth', 'get-or-create', 'client.capstan', 'mon', 'profile rbd', 'osd', 'profile rbd');
  const clientKey = (await cephCli('auth', 'print-key', 'client.capstan')).trim();
  const monHost = /^mon_host = (.+)$/m.exec(readFileSync(ceph.confPath, 'utf8'))?.[1] ?? '';
  credentials = {
    restfulUser: ceph.restful.user,
    restfulKey: ceph.restful.key,
    ...(ceph.restful.caCert ? { restfulCaCert: ceph.restful.caCert } : {}),
    monHost,
    clientName: 'client.capstan',
    clientKey,
  };
  const path = join(dir, 'ceph-credentials.json');
  await writeFile(path, JSON.stringify(credentials), { mode: 0o600 });
  access = { restfulUrl: ceph.restful.url, credentials: { kind: 'file', path } };
  gateway = await connectCeph()('local-1', access);
}, 180_000);

afterAll(async () => {
  await Promise.all(holders.map((h) => h.kill()));
  await ceph?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
  console.log(`ceph gateway timings:\n  ${timings.join('\n  ')}`);
});

const timed = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
  const started = Date.now();
  const result = await run();
  timings.push(`${what} ${secs(Date.now() - started)}`);
  return result;
};

const waitFor = async (check: () => Promise<boolean>, timeoutMs: number): Promise<number> => {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return Date.now() - started;
};

const ipOf = (address: string) => address.replace(/:\d+(\/\d+)?$/, '');

describe('the Ceph gateway on a real Ceph', () => {
  it('frees an image held from 127.0.0.2 for a new holder from 127.0.0.3', async () => {
    await createImage(ceph, 'rbd', 'vol-a');
    const a = await timed('holder from 127.0.0.2 opens and writes', () =>
      takeLock({ ceph, pool: 'rbd', image: 'vol-a', address: '127.0.0.2' }),
    );
    holders.push(a);

    const held = await timed('imageStatus', () => gateway.imageStatus('rbd', 'vol-a'));
    expect(held?.watchers.map((w) => ipOf(w.address))).toEqual(['127.0.0.2']);
    expect(held?.watchers[0]?.client).toBe(a.client);
    expect(held?.locks.map((l) => ipOf(l.address))).toEqual(['127.0.0.2']);
    const lock = held?.locks[0];
    if (!lock) throw new Error('no lock');
    expect(lock.locker).toBe(a.client);

    expect(await timed('blocklistAdd', () => gateway.blocklistAdd('127.0.0.2', 600))).toBe('changed');
    const blockedAt = Date.now();
    expect(await gateway.blocklistAdd('127.0.0.2', 600)).toBe('unchanged');
    expect((await gateway.blocklist()).map((e) => e.entity)).toContain('127.0.0.2:0/0');

    // A blocklisted client loses its watch at once; librbd's own watch timeout (30 s) must not be what did it.
    const gone = await waitFor(async () => (await gateway.imageStatus('rbd', 'vol-a'))?.watchers.length === 0, 10_000);
    timings.push(`watcher gone ${secs(Date.now() - blockedAt)} after blocklistAdd (polled: ${secs(gone)})`);
    expect(Date.now() - blockedAt).toBeLessThan(10_000);
    const after = await gateway.imageStatus('rbd', 'vol-a');
    expect(after?.locks).toEqual([lock]); // the lock stays until someone breaks it

    expect(await timed('removeLock', () => gateway.removeLock('rbd', 'vol-a', lock))).toBe('changed');
    expect(await gateway.removeLock('rbd', 'vol-a', lock)).toBe('unchanged');
    expect((await gateway.imageStatus('rbd', 'vol-a'))?.locks).toEqual([]);

    // The old holder, still running, can no longer write (blocklisted: ESHUTDOWN).
    expect(await a.write()).toMatch(/^write error 108/);

    const b = await timed('holder from 127.0.0.3 opens and writes', () =>
      takeLock({ ceph, pool: 'rbd', image: 'vol-a', address: '127.0.0.3' }),
    );
    holders.push(b);
    expect(Date.now() - blockedAt, 'freed before librbd would have by itself').toBeLessThan(25_000);
    expect(await b.writeOk()).toBe(true);
    const now = await gateway.imageStatus('rbd', 'vol-a');
    expect(now?.locks.map((l) => [ipOf(l.address), l.locker])).toEqual([['127.0.0.3', b.client]]);
    expect(now?.watchers.map((w) => ipOf(w.address))).toEqual(['127.0.0.3']);

    expect(await timed('blocklistRemove', () => gateway.blocklistRemove('127.0.0.2'))).toBe('changed');
    expect(await gateway.blocklistRemove('127.0.0.2')).toBe('unchanged');
    expect((await gateway.blocklist()).map((e) => e.entity)).not.toContain('127.0.0.2:0/0');
  });

  it('frees an image whose holder died (SIGKILL) without waiting for its watch to time out', async () => {
    await createImage(ceph, 'rbd', 'vol-b');
    const dead = await takeLock({ ceph, pool: 'rbd', image: 'vol-b', address: '127.0.0.4' });
    holders.push(dead);
    await dead.kill();
    const killedAt = Date.now();
    expect(dead.isAlive()).toBe(false);
    // A dead node's watch lingers (librbd's watch timeout is 30 s): it is what blocks the new pod.
    const lingering = await gateway.imageStatus('rbd', 'vol-b');
    expect(lingering?.watchers.map((w) => ipOf(w.address))).toEqual(['127.0.0.4']);

    expect(await gateway.blocklistAdd('127.0.0.4', 600)).toBe('changed');
    const gone = await waitFor(async () => (await gateway.imageStatus('rbd', 'vol-b'))?.watchers.length === 0, 10_000);
    timings.push(
      `dead holder's watcher gone ${secs(gone)} after blocklistAdd (${secs(Date.now() - killedAt)} after SIGKILL)`,
    );
    expect(Date.now() - killedAt).toBeLessThan(15_000);
    const [lock] = (await gateway.imageStatus('rbd', 'vol-b'))?.locks ?? [];
    if (!lock) throw new Error('the dead holder left no lock');
    expect(await gateway.removeLock('rbd', 'vol-b', lock)).toBe('changed');
    holders.push(await takeLock({ ceph, pool: 'rbd', image: 'vol-b', address: '127.0.0.5' }));
    expect(await gateway.blocklistRemove('127.0.0.4')).toBe('changed');
  });

  it('lists the addresses of every mon, mgr and OSD (and of MDSs and service-map daemons: none here)', async () => {
    const addresses = await timed('daemonAddresses', () => gateway.daemonAddresses());
    console.log(`daemon addresses: ${addresses.join(' ')}`);
    const monPort = /127\.0\.0\.1:(\d+)/.exec(credentials.monHost)?.[1];
    expect(addresses).toContain(`127.0.0.1:${monPort}`);
    // The OSD has public, cluster and two heartbeat addresses; the mgr one: at least 6 in all.
    expect(addresses.length).toBeGreaterThanOrEqual(6);
    for (const address of addresses) expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('runs `fs dump` and `status` (its service map) through the restful module, as daemonAddresses reads them', async () => {
    // The mgr's own `service dump` is refused to the restful module (its commands go to the mons under the
    // mgr's entity): `status` carries the same service map.
    const restful = restfulCeph({
      cluster: 'local-1',
      url: ceph.restful.url,
      user: credentials.restfulUser,
      key: credentials.restfulKey,
      ...(credentials.restfulCaCert ? { caCert: credentials.restfulCaCert } : {}),
    });
    const json = (prefix: string) => restful.monCommand(JSON.stringify({ prefix, format: 'json' }));
    const fs = JSON.parse(await json('fs dump'));
    expect(fs).toMatchObject({ standbys: [], filesystems: [] });
    const status = JSON.parse(await json('status'));
    expect(status.servicemap).toMatchObject({ services: {} });
    await expect(json('service dump')).rejects.toThrow(/access denied/);
  });

  it('answers undefined for an image or pool that does not exist', async () => {
    expect(await gateway.imageStatus('rbd', 'no-such-image')).toBeUndefined();
    expect(await gateway.imageStatus('no-such-pool', 'vol-a')).toBeUndefined();
    expect(await gateway.removeLock('rbd', 'no-such-image', { id: 'auto 1', locker: 'client.1' })).toBe('unchanged');
  });

  it('refuses a wrong restful key for good, naming the cluster', async () => {
    const path = join(dir, 'wrong-key.json');
    await writeFile(path, JSON.stringify({ ...credentials, restfulKey: 'not-the-key' }), { mode: 0o600 });
    const wrong = await connectCeph()('local-1', { ...access, credentials: { kind: 'file', path } });
    const error = await wrong.blocklist().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClusterCredentialsError);
    expect(isRetryable(error)).toBe(false);
    expect(String(error)).toMatch(/^ClusterCredentialsError: cluster local-1: .*HTTP 401/);
    expect(String(error)).not.toContain('not-the-key');
  });

  it('refuses a wrong cephx key for good', async () => {
    const path = join(dir, 'wrong-cephx.json');
    const otherKey = (await cephCli('auth', 'get-or-create-key', 'client.other')).trim();
    await writeFile(path, JSON.stringify({ ...credentials, clientKey: otherKey }), { mode: 0o600 });
    const wrong = await connectCeph()('local-1', { ...access, credentials: { kind: 'file', path } });
    const error = await wrong.imageStatus('rbd', 'vol-a').catch((e: unknown) => e);
    expect(isRetryable(error)).toBe(false);
    expect(String(error)).toMatch(/cluster local-1: /);
  });

  it('trusts the self-signed certificate it was given, and no other', async () => {
    const path = join(dir, 'no-ca.json');
    const { restfulCaCert: _, ...withoutCa } = credentials;
    await writeFile(path, JSON.stringify(withoutCa), { mode: 0o600 });
    const untrusting = await connectCeph()('local-1', { ...access, credentials: { kind: 'file', path } });
    const error = await untrusting.blocklist().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClusterCredentialsError);
    expect(String(error)).toMatch(/DEPTH_ZERO_SELF_SIGNED_CERT/);

    // Another self-signed certificate with the same CN (as anyone can make one) is not the pinned one.
    const key = join(dir, 'other.key');
    const cert = join(dir, 'other.crt');
    await new Promise<void>((resolve, reject) =>
      execFile(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-keyout',
          key,
          '-out',
          cert,
          '-days',
          '1',
          '-subj',
          '/CN=ceph-restful',
        ],
        (e) => (e ? reject(e) : resolve()),
      ),
    );
    const otherPath = join(dir, 'other-ca.json');
    await writeFile(otherPath, JSON.stringify({ ...credentials, restfulCaCert: readFileSync(cert, 'utf8') }));
    const misled = await connectCeph()('local-1', { ...access, credentials: { kind: 'file', path: otherPath } });
    const refused = await misled.blocklist().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ClusterCredentialsError);
    expect(isRetryable(refused)).toBe(false);
  });

  it('says which reference is wrong, never what it holds', async () => {
    const missing = connectCeph()('local-1', {
      ...access,
      credentials: { kind: 'file', path: join(dir, 'nope.json') },
    });
    await expect(missing).rejects.toThrow(/^cluster local-1: Ceph credentials: file .*nope\.json cannot be read/);
    const path = join(dir, 'partial.json');
    await writeFile(path, JSON.stringify({ restfulUser: 'u', restfulKey: 'secret-value' }));
    const partial = connectCeph()('local-1', { ...access, credentials: { kind: 'file', path } });
    await expect(partial).rejects.toBeInstanceOf(ClusterCredentialsError);
    await expect(partial).rejects.toThrow(/monHost/);
    await expect(partial).rejects.not.toThrow(/secret-value/);
    const secret = connectCeph()('local-1', { ...access, credentials: { kind: 'secret', secretId: 'capstan/x' } });
    await expect(secret).rejects.toThrow(/no Secrets Manager client/);
  });

  it('waits no longer than its timeouts when the mons are gone', async () => {
    const path = join(dir, 'dead-mon.json');
    await writeFile(path, JSON.stringify({ ...credentials, monHost: '[v2:127.0.0.1:1]' }), { mode: 0o600 });
    const noMons = await connectCeph()('local-1', { ...access, credentials: { kind: 'file', path } });
    const started = Date.now();
    const error = await noMons.imageStatus('rbd', 'vol-a').catch((e: unknown) => e);
    timings.push(`imageStatus with no mon answering: failed after ${secs(Date.now() - started)}`);
    expect(error).toBeInstanceOf(ClusterUnavailableError);
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
