import { execFile } from 'node:child_process';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  blocklistAdd,
  blocklistOf,
  blocklistRemove,
  type MonAnswer,
  osdDump,
  readMonAnswer,
} from '../../lib/ceph/mon-commands.ts';
import { type LocalCeph, startCeph } from '../../lib/local/ceph.ts';
import { listenersOf } from '../support/listeners.ts';

// A real single-host Ceph (lib/local/ceph.ts: Debian's Pacific, mon + mgr with restful + memstore OSD,
// cephx, all on loopback), started by this file alone: only the RBD tests need it.
let ceph: LocalCeph;

beforeAll(async () => {
  const started = Date.now();
  ceph = await startCeph({ dir: join(tmpdir(), `capstan-ceph-test-${process.pid}`), log: (l) => console.log(l) });
  console.log(`Ceph started in ${((Date.now() - started) / 1000).toFixed(1)}s`);
}, 180_000);

afterAll(async () => {
  await ceph?.stop();
});

const rbd = (...args: string[]): Promise<string> =>
  new Promise((resolve, reject) => {
    execFile('rbd', ['-c', ceph.confPath, '--keyring', ceph.keyringPath, ...args], (error, stdout, stderr) =>
      error ? reject(new Error(`rbd ${args.join(' ')}: ${stderr || error.message}`)) : resolve(stdout),
    );
  });

/**
 * A mon command through the restful module (`POST /request?wait=1`, HTTP basic auth). The module's
 * certificate is self-signed with CN ceph-restful and no subjectAltName, so no hostname can verify
 * against it: certificate checks are off HERE ONLY, in a test talking to its own loopback cluster.
 */
const monCommand = (body: string): Promise<MonAnswer> =>
  new Promise((resolve, reject) => {
    const { url, user, key } = ceph.restful;
    const req = request(
      `${url}/request?wait=1`,
      {
        method: 'POST',
        rejectUnauthorized: false,
        auth: `${user}:${key}`,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        timeout: 30_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => {
          if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode}: ${text}`));
          try {
            resolve(readMonAnswer(JSON.parse(text)));
          } catch (error) {
            reject(error);
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('restful request timed out')));
    req.on('error', reject);
    req.end(body);
  });

const blocklist = async (): Promise<Record<string, string>> => {
  const answer = await monCommand(osdDump());
  if (!answer.ok) throw new Error(answer.reason);
  return blocklistOf(answer.outb);
};

describe('a real Ceph cluster for the RBD tests', () => {
  it('creates an RBD image that nobody watches', async () => {
    await rbd('create', 'rbd/img', '--size', '8');
    const status = JSON.parse(await rbd('status', 'rbd/img', '--format', 'json'));
    expect(status.watchers).toEqual([]);
  });

  it('adds and removes a blocklist entry through the restful API', async () => {
    expect(await monCommand(blocklistAdd('127.0.0.2', 600))).toMatchObject({ ok: true });
    expect(Object.keys(await blocklist())).toContain('127.0.0.2:0/0');

    expect(await monCommand(blocklistRemove('127.0.0.2'))).toMatchObject({ ok: true });
    // Removing an entry that is no longer there succeeds too: a repeated unfence is harmless.
    expect(await monCommand(blocklistRemove('127.0.0.2'))).toMatchObject({ ok: true });
    expect(Object.keys(await blocklist())).not.toContain('127.0.0.2:0/0');
  });

  it('answers a failed command with state failed (HTTP 200 all the same)', async () => {
    const answer = await monCommand(JSON.stringify({ prefix: 'osd pool get', pool: 'no-such-pool', var: 'size' }));
    expect(answer.ok).toBe(false);
    if (!answer.ok) expect(answer.reason).toMatch(/^the command failed/);
  });

  it('keeps every daemon on 127.0.0.1', () => {
    expect(ceph.daemons.map((d) => d.name).sort()).toEqual(['ceph-mgr.x', 'ceph-mon.a', 'ceph-osd.0']);
    for (const daemon of ceph.daemons) {
      const addresses = listenersOf(daemon.pid);
      expect(addresses.length, `${daemon.name} listens somewhere`).toBeGreaterThan(0);
      for (const address of addresses) expect(address, daemon.name).toMatch(/^127\.0\.0\.1:\d+$/);
    }
  });
});
