import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RbdStatusView } from '../../lib/cli/render/rbd-status.ts';
import { type LocalCeph, startCeph } from '../../lib/local/ceph.ts';
import type { RuntimeState } from '../../lib/runtime/state.ts';
import type { Db } from '../../lib/store/db.ts';
import { startImageHeal } from '../../lib/store/image-heals.ts';
import { awsClients, freshDb, uniqueName } from '../support/aws.ts';
import { connect, localClusters } from '../support/kube.ts';
import { createImage, type RbdHolder, takeLock } from '../support/rbd-holder.ts';

// `capstan rbd status` through the real CLI (a process of its own) against DynamoDB Local, a real cluster
// of the harness and a real single-host Ceph (lib/local/ceph.ts) started by this file: an image watched and
// locked by a fake node's client at 127.0.0.2 (test/support/rbd-holder.ts), a blocklist entry added with
// `ceph osd blocklist add`.
const run = promisify(execFile);
const bin = join(import.meta.dirname, '../../lib/cli/bin.js');
const dir = mkdtempSync(join(tmpdir(), 'capstan-rbd-status-'));
const { ddb } = awsClients();
const [kubeCluster] = localClusters();
let ceph: LocalCeph;
let db: Db;
let stateFile: string;
let holderClient: RbdHolder | undefined;
let holder: string;
const viaCeph = uniqueName('ceph');
const viaFence = uniqueName('fence');
const viaNothing = uniqueName('plain');
const image = `vol-${process.pid}`;

const capstan = async (...args: string[]) => {
  try {
    const { stdout, stderr } = await run('node', [bin, ...args], {
      env: { ...process.env, CAPSTAN_STATE: stateFile, CAPSTAN_TABLE: '' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};
const cli = (tool: 'rbd' | 'ceph', ...args: string[]) =>
  run(tool, ['-c', ceph.confPath, '--keyring', ceph.keyringPath, ...args]).then((r) => r.stdout);

beforeAll(async () => {
  ceph = await startCeph({ dir: join(dir, 'ceph'), log: (l) => console.log(l) });
  const infra = inject('infra');
  db = await freshDb(ddb);
  const state: RuntimeState = {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    httpUrl: 'http://127.0.0.1:9',
    region: 'us-east-1',
    table: db.table,
    endpoints: { dynamodb: infra.dynamodbEndpoint, sqs: infra.sqsEndpoint },
    queues: {},
    ingestToken: 'not-used-by-these-commands',
    clusters: [],
  };
  stateFile = join(dir, 'runtime.json');
  writeFileSync(stateFile, JSON.stringify(state));

  // The credentials document capstan is given: the restful module's key and client.admin's cephx key.
  const monHost = /^mon_host = (.+)$/m.exec(readFileSync(ceph.confPath, 'utf8'))?.[1];
  const clientKey = /key = (\S+)/.exec(readFileSync(ceph.keyringPath, 'utf8'))?.[1];
  const credentials = join(dir, 'ceph-credentials.json');
  writeFileSync(
    credentials,
    JSON.stringify({
      restfulUser: ceph.restful.user,
      restfulKey: ceph.restful.key,
      ...(ceph.restful.caCert ? { restfulCaCert: ceph.restful.caCert } : {}),
      monHost,
      clientName: 'client.admin',
      clientKey,
    }),
  );
  const { path, context } = kubeCluster!.credentials as { path: string; context: string };
  const add = (name: string, ...flags: string[]) =>
    capstan('clusters', 'add', name, '--environment', 'staging', '--kubeconfig', path, '--context', context, ...flags);
  for (const added of [
    await add(viaCeph, '--ceph-restful', ceph.restful.url, '--ceph-credentials', credentials),
    await add(viaFence, '--network-fence-class', 'rbd-fence'),
    await add(viaNothing),
  ]) {
    expect(added, added.stderr).toMatchObject({ code: 0 });
  }

  // A fake node's client at 127.0.0.2 (test/support/rbd-holder.ts): it watches the image and holds its lock.
  await createImage(ceph, 'rbd', image);
  holderClient = await takeLock({ ceph, pool: 'rbd', image, address: '127.0.0.2' });
  await cli('ceph', 'osd', 'blocklist', 'add', '10.99.0.7:0/0', '600');

  // A Ready node of the harness's cluster, as the record's holder: capstan must say it is not lost.
  const kube = await connect(kubeCluster!);
  holder = (await kube.core.listNode()).items[0]?.metadata?.name as string;
}, 240_000);

afterAll(async () => {
  await holderClient?.kill();
  await ceph?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('capstan rbd status', () => {
  it('through Ceph, no record yet: the watcher, the lock and the blocklist, no holder to judge', async () => {
    const shown = await capstan('rbd', 'status', viaCeph, `rbd/${image}`, '--json');
    expect(shown.code, shown.stderr).toBe(0);
    const view = JSON.parse(shown.stdout) as RbdStatusView;
    expect(view).toMatchObject({ via: 'ceph', record: null, holder: null, verdict: null });
    expect(view.ceph?.image?.watchers).toHaveLength(1);
    expect(view.ceph?.image?.watchers[0]?.address).toMatch(/^127\.0\.0\.2:0\/\d+$/);
    expect(view.ceph?.image?.locks.map((l) => l.locker)).toEqual([holderClient?.client]);
    expect(view.ceph?.blocklist.map((b) => b.entity)).toContain('10.99.0.7:0/0');
    const text = (await capstan('rbd', 'status', viaCeph, `rbd/${image}`)).stdout;
    expect(text).toMatch(/watchers:\nADDRESS\s+CLIENT\s+COOKIE\n127\.0\.0\.2:0\/\d+\s+client\.\d+/);
    expect(text).toMatch(/locks:\nID\s+LOCKER\s+ADDRESS\nauto \d+\s+client\.\d+\s+127\.0\.0\.2:0\/\d+/);
    expect(text).toContain('10.99.0.7:0/0');
    expect(text).toContain('verdict: none');
  });

  it('with a record: the holder, and capstan would not free the image of a Ready node', async () => {
    for (const cluster of [viaCeph, viaFence, viaNothing]) {
      await startImageHeal(db, {
        cluster,
        pool: 'rbd',
        image,
        persistentVolume: `pv-${image}`,
        holderNode: holder,
        requester: { namespace: 'shop', pod: 'db-0' },
        eventId: `ev-${cluster}`,
        detectedAt: new Date().toISOString(),
      });
    }
    const view = JSON.parse(
      (await capstan('rbd', 'status', viaCeph, `rbd/${image}`, '--json')).stdout,
    ) as RbdStatusView;
    expect(view.holder).toEqual({ node: holder, from: 'record' });
    expect(view.verdict).toMatchObject({ free: false, code: 'node-ready' });
    expect(view.ceph?.image?.watchers).toHaveLength(1);
  });

  it("through csi-addons: the holder's NetworkFence (none: no CRD here), Ceph not read", async () => {
    const shown = await capstan('rbd', 'status', viaFence, `rbd/${image}`);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain('ceph: not read (this cluster frees images through csi-addons)');
    expect(shown.stdout).toMatch(/network fence capstan-\S+: none/);
  });

  it('a cluster that frees no image: the Kubernetes side, and says so (exit 0)', async () => {
    const shown = await capstan('rbd', 'status', viaNothing, `rbd/${image}`);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain('frees images: -');
    expect(shown.stdout).toContain('ceph: not read (this cluster frees no RBD image');
    expect(shown.stdout).toContain(`holder: node ${holder} (from the record)`);
  });

  it('an unregistered cluster: not found (exit 1); a bad image: exit 2', async () => {
    expect((await capstan('rbd', 'status', 'nowhere', 'rbd/x')).code).toBe(1);
    expect((await capstan('rbd', 'status', viaCeph, 'rbd')).code).toBe(2);
  });
});
