import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RuntimeState } from '../../lib/runtime/state.ts';
import { getCluster } from '../../lib/store/clusters.ts';
import type { Db } from '../../lib/store/db.ts';
import { advanceHeal, startHeal } from '../../lib/store/heals.ts';
import { recordHistory } from '../../lib/store/history.ts';
import { advanceImageHeal, type ImageHeal, startImageHeal } from '../../lib/store/image-heals.ts';
import { NODES_APP } from '../../lib/store/ports.ts';
import { awsClients, freshDb, uniqueName } from '../support/aws.ts';

// Registering how a cluster frees RBD images, and the operators' view of images being freed, through the
// real CLI (lib/cli/bin.js, a process of its own) against DynamoDB Local: a table of this file's own, found
// through a runtime state file as the CLI finds a local `capstan up`.
const run = promisify(execFile);
const bin = join(import.meta.dirname, '../../lib/cli/bin.js');
const dir = mkdtempSync(join(tmpdir(), 'capstan-rbd-cli-'));
const { ddb } = awsClients();
const KEY = 'AQBnotToBePrintedAnywhere==';
let db: Db;
let stateFile: string;

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

beforeAll(async () => {
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
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('clusters add: how a cluster frees RBD images', () => {
  const credentials = join(dir, 'ceph.json');
  const add = (name: string, ...flags: string[]) =>
    capstan('clusters', 'add', name, '--environment', 'staging', '--context', name, ...flags);

  it('the Ceph flags register a reference to the credentials file, checked, its keys never shown', async () => {
    writeFileSync(
      credentials,
      JSON.stringify({
        restfulUser: 'capstan',
        restfulKey: KEY,
        monHost: '127.0.0.1:6789',
        clientName: 'client.capstan',
        clientKey: KEY,
      }),
    );
    const added = await add(
      'east',
      '--ceph-restful',
      'https://127.0.0.1:8003/',
      '--ceph-credentials',
      credentials,
      '--blocklist-expire',
      '3600',
    );
    expect(added).toMatchObject({ code: 0, stderr: '' });
    expect(added.stdout).toContain('frees RBD images: ceph https://127.0.0.1:8003');
    expect((await getCluster(db, 'east')).freeing).toEqual({
      via: 'ceph',
      ceph: { restfulUrl: 'https://127.0.0.1:8003', credentials: { kind: 'file', path: credentials } },
      blocklistExpireSeconds: 3600,
    });
  });

  it('the NetworkFence flags, and no flags at all', async () => {
    expect((await add('west', '--network-fence-class', 'rbd-fence')).code).toBe(0);
    expect((await add('north')).code).toBe(0);
    expect((await getCluster(db, 'west')).freeing).toEqual({
      via: 'network-fence',
      networkFence: { networkFenceClassName: 'rbd-fence' },
    });
    expect((await getCluster(db, 'north')).freeing).toBeUndefined();
  });

  it('a credentials file that is not there is refused (exit 2) and nothing is registered', async () => {
    const refused = await add(
      'south',
      '--ceph-restful',
      'https://mgr:8003',
      '--ceph-credentials',
      join(dir, 'none.json'),
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('cannot be read (ENOENT');
    expect((await capstan('clusters', 'list', '--json')).stdout).not.toContain('"south"');
  });

  it('clusters list shows how each one frees images; --json has the reference, never the keys', async () => {
    const table = (await capstan('clusters', 'list')).stdout;
    expect(table).toContain('FREES IMAGES');
    expect(table).toMatch(/east .*ceph https:\/\/127\.0\.0\.1:8003/);
    expect(table).toMatch(/west .*network-fence rbd-fence/);
    expect(table).toMatch(/north .*kubeconfig \S+ \(context north\)\s+-\s/);
    const json = (await capstan('clusters', 'list', '--json')).stdout;
    expect(JSON.parse(json).find((c: { name: string }) => c.name === 'east').freeing.ceph.credentials).toEqual({
      kind: 'file',
      path: credentials,
    });
    expect(json).not.toContain(KEY);
  });
});

describe('heal list and heal show with images', () => {
  const cluster = 'east';
  const holder = uniqueName('n');
  const t = (minute: number) => `2026-12-01T12:${String(minute).padStart(2, '0')}:00.000Z`;
  const waiting = { cluster, pool: 'rbd', image: 'vol-waiting' };
  const freed = { cluster, pool: 'rbd', image: 'vol-freed' };

  beforeAll(async () => {
    const heal = await startHeal(db, { cluster, node: holder, mode: 'auto', eventId: 'ev-node', suspectedAt: t(0) });
    expect(heal.created).toBe(true);
    await advanceHeal(db, heal.record, ['suspected'], 'fenced', {
      fencedAt: t(5),
      blocked: { via: 'ceph', addresses: ['10.0.0.5'], at: t(6) },
      updatedAt: t(6),
    });
    const image = (key: typeof waiting) => ({
      ...key,
      persistentVolume: `pv-${key.image}`,
      holderNode: holder,
      requester: { namespace: 'shop', pod: `${key.image}-0`, node: 'n2' },
      eventId: `ev-${key.image}`,
      detectedAt: t(1),
    });
    await startImageHeal(db, image(waiting));
    await advanceImageHeal(db, waiting, ['waiting'], 'waiting', {
      code: 'node-ready',
      reason: 'not yet',
      updatedAt: t(2),
    });
    await startImageHeal(db, image(freed));
    await advanceImageHeal(db, freed, ['waiting'], 'freed', {
      via: 'ceph',
      blocked: ['10.0.0.5'],
      locksRemoved: ['client.4308'],
      freedAt: t(7),
      updatedAt: t(7),
    });
    const step = (action: string, minute: number, image?: string) =>
      recordHistory(db, {
        app: NODES_APP,
        cluster,
        node: holder,
        ...(image ? { image } : {}),
        eventId: `ev-${action}-${image ?? 'node'}`,
        eventType: 'rbd.lock.detected',
        action,
        outcome: 'succeeded',
        eventTime: t(minute),
        receivedAt: t(minute),
        recordedAt: t(minute),
      });
    await step('heal.fence', 5);
    await step('rbd.detect', 1, 'rbd/vol-freed');
    await step('rbd.blocklist', 6, 'rbd/vol-freed');
    await step('rbd.detect', 1, 'rbd/vol-waiting');
  });

  it('list: the waiting image next to the node heal; --all adds the freed one; --json is {nodes, images}', async () => {
    const text = (await capstan('heal', 'list', '--cluster', cluster)).stdout;
    expect(text).toContain(holder);
    expect(text).toMatch(/images:\nCLUSTER\s+IMAGE\s+HOLDER\s+REQUESTER\s+PHASE\s+CODE\s+SINCE/);
    expect(text).toMatch(/east\s+rbd\/vol-waiting\s+\S+\s+shop\/vol-waiting-0\s+waiting\s+node-ready/);
    expect(text).not.toContain('vol-freed');
    const all = JSON.parse((await capstan('heal', 'list', '--cluster', cluster, '--all', '--json')).stdout) as {
      nodes: { node: string }[];
      images: ImageHeal[];
    };
    expect(all.nodes.map((h) => h.node)).toEqual([holder]);
    expect(all.images.map((h) => `${h.image}:${h.phase}`).sort()).toEqual(['vol-freed:freed', 'vol-waiting:waiting']);
  });

  it('show <pool/image>: the record and only that image’s history', async () => {
    const shown = await capstan('heal', 'show', cluster, 'rbd/vol-freed');
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('freeing image rbd/vol-freed of cluster east: freed (via ceph)');
    expect(shown.stdout).toContain('locks removed: client.4308');
    expect(shown.stdout).toContain('rbd.blocklist');
    expect(shown.stdout).not.toContain('heal.fence');
    const json = JSON.parse((await capstan('heal', 'show', cluster, 'rbd/vol-freed', '--json')).stdout);
    expect(json.image).toMatchObject({ pool: 'rbd', image: 'vol-freed', phase: 'freed' });
    expect(json.history.map((e: { action: string }) => e.action)).toEqual(['rbd.blocklist', 'rbd.detect']);
  });

  it('show <node>: the blocked addresses', async () => {
    const shown = await capstan('heal', 'show', cluster, holder);
    expect(shown.stdout).toContain('blocked from Ceph (via ceph): 10.0.0.5 at 2026-12-01 12:06:00Z; not unblocked yet');
  });

  it('show of an image capstan never saw: not found', async () => {
    const shown = await capstan('heal', 'show', cluster, 'rbd/never');
    expect(shown.code).toBe(1);
    expect(shown.stderr).toContain('no record and no history of image rbd/never of cluster east');
  });
});
