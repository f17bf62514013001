import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { CoreV1Event } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { progress } from '../../lib/cli/log.ts';
import { kubernetesHookToken } from '../../lib/ingest/hook-secret.ts';
import { applyAll } from '../../lib/kube/apply.ts';
import { mergePatch } from '../../lib/kube/optimistic.ts';
import { type LocalCeph, startCeph } from '../../lib/local/ceph.ts';
import { writeState } from '../../lib/runtime/state.ts';
import type { Runtime } from '../../lib/runtime/up.ts';
import type { Db } from '../../lib/store/db.ts';
import { createDb } from '../../lib/store/db.ts';
import { getHeal } from '../../lib/store/heals.ts';
import { type HistoryEntry, queryHistory } from '../../lib/store/history.ts';
import { getImageHeal, type ImageHeal } from '../../lib/store/image-heals.ts';
import { awsClients, uniqueName } from '../support/aws.ts';
import { installNetworkFenceCrd } from '../support/crds.ts';
import {
  type HealCluster,
  loseNode,
  nodeState,
  returnNode,
  startHealCluster,
  statefulPod,
} from '../support/heal-cluster.ts';
import { eventually } from '../support/kube.ts';
import { createImage, type RbdHolder, startHolder } from '../support/rbd-holder.ts';
import { createRbdVolume, letControllerAttach, statefulSetWithClaim, untilAttached } from '../support/rbd-volumes.ts';
import { startTestRuntime } from '../support/runtime.ts';

// Issue 11's acceptance, end to end on real components: a real single-host Ceph (mon, mgr with restful, a
// memstore OSD, on loopback); a 6-node local cluster of this file's own (the real attach/detach controller,
// pod GC, StatefulSet controller and scheduler; kwok nodes at 127.0.0.11-16); fake node clients that really
// hold images through librbd (a watch, the exclusive lock) from their node's own address; the real runtime
// (sweep every 10 s, heal queue, HTTP edge) reaching the cluster as capstan's ServiceAccount and Ceph
// through the restful module and the `rbd` CLI. Every must-refuse case asserts on Ceph's own blocklist and
// watchers. The old holder stays alive throughout (a node cut off, not crashed): librbd never lets go of a
// live watch by itself, so an image that becomes free was freed by capstan.

const HEAL = {
  CAPSTAN_HEAL_NOT_READY_SECONDS: '5',
  CAPSTAN_HEAL_LEASE_SILENT_SECONDS: '5',
  CAPSTAN_HEAL_STABLE_SECONDS: '5',
  CAPSTAN_HEAL_RECHECK_SECONDS: '2',
};
const NAMESPACE = 'shop';
const run = promisify(execFile);

let ceph: LocalCeph;
let cluster: HealCluster;
/** A 3-node cluster of its own for the storm: every one of its nodes is lost at once. */
let small: HealCluster;
let runtime: Runtime;
let db: Db;
let dir: string;
let stateFile: string;
const holders: RbdHolder[] = [];
const figures: Record<string, string> = {};
const since = (t: number, what: string) => {
  figures[what] = `${((Date.now() - t) / 1000).toFixed(1)}s`;
};
const bin = join(import.meta.dirname, '../../lib/cli/bin.js');

/** Each node's InternalIP, as its Node says (kwok's nodes sit on 127.0.0.x): where its fake RBD client binds. */
const ips = new Map<string, string>();
const ipOf = (node: string) => ips.get(node) ?? `(no address for ${node})`;
const node = (i: number) => cluster.nodes[i - 1] ?? '';

/** capstan's Ceph credentials, as an operator writes them: the restful user and key, a cephx client. */
const cephCredentials = (c: LocalCeph) => {
  const key = /key\s*=\s*(\S+)/.exec(readFileSync(c.keyringPath, 'utf8'))?.[1];
  const monHost = /mon[_ ]host\s*=\s*(.+)/.exec(readFileSync(c.confPath, 'utf8'))?.[1]?.trim();
  if (!key || !monHost) throw new Error('the local Ceph has no admin key or mon_host');
  return {
    restfulUser: c.restful.user,
    restfulKey: c.restful.key,
    ...(c.restful.caCert ? { restfulCaCert: c.restful.caCert } : {}),
    monHost,
    clientName: 'client.admin',
    clientKey: key,
  };
};

const capstan = async (...args: string[]) =>
  (await run(process.execPath, [bin, ...args], { env: { ...process.env, CAPSTAN_STATE: stateFile } })).stdout;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'capstan-rbd-'));
  [ceph, cluster, small] = await Promise.all([
    startCeph({ dir: join(dir, 'ceph'), log: progress('ceph') }),
    startHealCluster('rbdheal', 6),
    startHealCluster('rbdstorm', 3),
  ]);
  for (const n of small.nodes) await letControllerAttach(small.kube, n);
  await small.kube.core.createNamespace({ body: { metadata: { name: NAMESPACE } } });
  for (const n of cluster.nodes) {
    await letControllerAttach(cluster.kube, n);
    const addresses = (await cluster.kube.core.readNode({ name: n })).status?.addresses ?? [];
    ips.set(n, addresses.find((a) => a.type === 'InternalIP')?.address ?? '');
  }
  await installNetworkFenceCrd(cluster.kube);
  await cluster.kube.core.createNamespace({ body: { metadata: { name: NAMESPACE } } });
  runtime = await startTestRuntime('rbd', {
    clusters: [cluster.asCapstan, small.asCapstan],
    heal: HEAL,
    retryDelaySeconds: 5,
    scheduleEverySeconds: 10,
  });
  db = createDb(runtime.state.table, awsClients().ddb);
  stateFile = join(runtime.workDir, 'runtime.json');
  await writeState(runtime.state, stateFile);
  // How this cluster frees images: directly through its Ceph, registered through the CLI as an operator would.
  const credentials = join(dir, 'ceph-credentials.json');
  writeFileSync(credentials, JSON.stringify(cephCredentials(ceph)), { mode: 0o600 });
  for (const c of [cluster, small]) {
    const { kubeconfigPath, context } = c.asCapstan;
    await capstan(
      'clusters',
      'add',
      c.name,
      '--environment',
      'staging',
      '--kubeconfig',
      kubeconfigPath,
      '--context',
      context,
      '--ceph-restful',
      ceph.restful.url,
      '--ceph-credentials',
      credentials,
    );
  }
}, 300_000);

afterAll(async () => {
  console.log(`rbd figures: ${JSON.stringify(figures, null, 2)}`);
  await Promise.all(holders.map((h) => h.stop().catch(() => undefined)));
  await runtime?.stop();
  await Promise.all([cluster?.stop(), small?.stop(), ceph?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
}, 120_000);

// A failed case shows what capstan recorded: the history of the cluster, oldest first.
afterEach(async (context) => {
  if (context.task.result?.state !== 'fail' || !db) return;
  const entries = (await queryHistory(db, { cluster: cluster.name, limit: 400 })).reverse();
  console.log(
    entries
      .map(
        (e) =>
          `${e.recordedAt} ${e.node ?? '-'} ${e.image ?? '-'} ${e.action} ${e.outcome} ${e.code ?? '-'}: ${e.reason ?? ''}`,
      )
      .join('\n'),
  );
});

/** Ceph's own view: the blocklist (from `osd dump`), and an image's watchers and lockers. */
const cephSays = async (image: string) => {
  const rbd = (...args: string[]) =>
    run('rbd', ['--conf', ceph.confPath, '--keyring', ceph.keyringPath, ...args, '--format', 'json']);
  const dump = JSON.parse(
    (
      await run('ceph', [
        '--conf',
        ceph.confPath,
        '--keyring',
        ceph.keyringPath,
        '--connect-timeout',
        '10',
        'osd',
        'dump',
        '--format',
        'json',
      ])
    ).stdout,
  );
  const status = JSON.parse((await rbd('status', `rbd/${image}`)).stdout) as { watchers: { address: string }[] };
  const locks = JSON.parse((await rbd('lock', 'ls', `rbd/${image}`)).stdout) as { address: string }[];
  return {
    blocklist: Object.keys(dump.blocklist ?? {}).sort(),
    watchers: status.watchers.map((w) => w.address.split(':')[0]).sort(),
    lockers: locks.map((l) => l.address.split(':')[0]).sort(),
  };
};

/** An image, its PV and claim, a StatefulSet mounting it pinned to `on`, attached there, and its holder at that node's address. */
const volumeHeldBy = async (name: string, on: string) => {
  await createImage(ceph, 'rbd', name);
  const volume = await createRbdVolume(cluster.kube, {
    namespace: NAMESPACE,
    claim: name,
    pool: 'rbd',
    image: name,
    source: 'csi',
  });
  await applyAll(cluster.kube, [statefulSetWithClaim(NAMESPACE, name, on, name)]);
  await untilAttached(cluster.kube, volume.volume, on);
  const holder = await startHolder({ ceph, pool: 'rbd', image: name, address: ipOf(on) });
  holders.push(holder);
  return { ...volume, holder };
};

/** A Warning Event on the pod, as the kubelet records it when ceph-csi refuses to map a held image. */
const stillInUse = async (pod: string, image: string, pool = 'rbd') => {
  const event = await cluster.kube.core.createNamespacedEvent({
    namespace: NAMESPACE,
    body: {
      metadata: { name: uniqueName(`${pod}.mount`), namespace: NAMESPACE },
      involvedObject: { apiVersion: 'v1', kind: 'Pod', name: pod, namespace: NAMESPACE },
      type: 'Warning',
      reason: 'FailedMount',
      message: `MountVolume.MountDevice failed for volume "${image}" : rpc error: code = Internal desc = rbd image ${pool}/${image} is still being used`,
      source: { component: 'kubelet' },
      count: 1,
      firstTimestamp: new Date(),
      lastTimestamp: new Date(),
    } as CoreV1Event,
  });
  return event;
};

/** kubernetes-event-exporter's webhook sink posting the Event: its JSON, its default clusterName. */
const forward = async (event: CoreV1Event) => {
  const res = await fetch(`${runtime.state.httpUrl}/hooks/kubernetes/${cluster.name}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${kubernetesHookToken(runtime.state.ingestToken, cluster.name)}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ ...event, clusterName: '' }),
  });
  expect(res.status).toBe(202);
};

const image = (name: string) => getImageHeal(db, { cluster: cluster.name, pool: 'rbd', image: name });
const untilImage = (name: string, match: (i: ImageHeal) => boolean, what: string, ms = 90_000) =>
  eventually(
    `rbd/${name} ${what}`,
    async () => {
      const found = await image(name);
      return found && match(found) ? found : undefined;
    },
    ms,
    500,
  );
const historyOf = async (nodeName: string): Promise<HistoryEntry[]> =>
  (await queryHistory(db, { cluster: cluster.name, limit: 1000 })).filter((e) => e.node === nodeName);

describe('freeing a Ceph RBD image held by a lost node, on real Ceph and a real cluster', () => {
  // Filled in by the cases below, in order (a lost node is expensive: the cases share one).
  let main: Awaited<ReturnType<typeof volumeHeldBy>>;

  it('refuses while the holder is Ready (alive), and for an image no PV of the pod uses: Ceph unchanged', async () => {
    main = await volumeHeldBy('ledger', node(1));
    await volumeHeldBy('orders', node(1));
    await volumeHeldBy('audit', node(1));
    // A second pod wanting `ledger` on another node: its holder, node 1, is alive.
    await cluster.kube.core.createNamespacedPod({
      namespace: NAMESPACE,
      body: {
        metadata: { name: 'reader', namespace: NAMESPACE },
        spec: {
          nodeName: node(3),
          containers: [
            { name: 'app', image: 'registry.local/app:1', volumeMounts: [{ name: 'data', mountPath: '/data' }] },
          ],
          volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'ledger' } }],
          tolerations: [{ operator: 'Exists' }],
        },
      },
    });
    await forward(await stillInUse('reader', 'ledger'));
    const refused = await untilImage('ledger', (i) => i.phase === 'refused', 'refused');
    expect(refused).toMatchObject({ code: 'node-ready', holderNode: node(1) });
    // Forged: an image the pod does not mount.
    await forward(await stillInUse('reader', 'payroll'));
    await eventually('the forged event refused', async () =>
      (await queryHistory(db, { cluster: cluster.name, limit: 200 })).find((e) => e.code === 'no-such-volume'),
    );
    expect(await getImageHeal(db, { cluster: cluster.name, pool: 'rbd', image: 'payroll' })).toBeUndefined();
    expect(await cephSays('ledger')).toMatchObject({
      blocklist: [],
      watchers: [ipOf(node(1))],
      lockers: [ipOf(node(1))],
    });
    expect((await nodeState(cluster.kube, node(1))).unschedulable).toBe(false);
  }, 240_000);

  it('node 1 is lost: not yet proven lost, then fenced by part 1; refusals for a watcher elsewhere and a Ceph daemon address', async () => {
    const lostAt = await loseNode(cluster.kube, node(1));
    // At once: the kubelet just went silent, nothing proves it lost yet.
    await forward(await stillInUse('reader', 'ledger'));
    const early = await untilImage(
      'ledger',
      (i) => i.phase === 'refused' || (i.phase === 'waiting' && i.code !== undefined),
      'judged',
    );
    expect(['node-ready', 'not-ready-too-briefly']).toContain(early.code);
    expect((await cephSays('ledger')).blocklist).toEqual([]);
    // Done with `reader`: left in place, the real attach-detach controller's Multi-Attach Events for it reach the
    // sweep, and once node 1 is fenced capstan rightly frees `ledger` for it, before the next case means to.
    await cluster.kube.core.deleteNamespacedPod({ name: 'reader', namespace: NAMESPACE, gracePeriodSeconds: 0 });
    await eventually('reader gone', async () =>
      (await cluster.kube.core.listNamespacedPod({ namespace: NAMESPACE })).items.some(
        (p) => p.metadata?.name === 'reader',
      )
        ? undefined
        : true,
    );

    await eventually(
      'node 1 fenced by part 1',
      async () => {
        const heal = await getHeal(db, cluster.name, node(1));
        return heal?.taintedAt ? heal : undefined;
      },
      120_000,
      1_000,
    );
    since(lostAt.getTime(), 'lease taken -> node 1 tainted out-of-service');

    // `orders` is watched from node 2 as well (a client there opened it): someone else holds it.
    holders.push(await startHolder({ ceph, pool: 'rbd', image: 'orders', address: ipOf(node(2)), write: false }));
    await eventually(
      'orders-0 on another node',
      async () => {
        const p = await statefulPod(cluster.kube, NAMESPACE, 'orders');
        return p && p.node !== node(1) ? p : undefined;
      },
      120_000,
      1_000,
    );
    await forward(await stillInUse('orders-0', 'orders'));
    expect(await untilImage('orders', (i) => i.phase === 'refused', 'refused')).toMatchObject({
      code: 'watcher-elsewhere',
    });

    // `audit` is held from node 1 and from 127.0.0.1, which node 1's Node now also lists (kwok no longer
    // writes its status): that is the Ceph daemons' address, never to be blocked.
    holders.push(await startHolder({ ceph, pool: 'rbd', image: 'audit', address: '127.0.0.1', write: false }));
    const addresses = [
      { type: 'InternalIP', address: ipOf(node(1)) },
      { type: 'InternalIP', address: '127.0.0.1' },
    ];
    await cluster.kube.core.patchNodeStatus({ name: node(1), body: { status: { addresses } } }, mergePatch);
    await eventually(
      'audit-0 on another node',
      async () => {
        const p = await statefulPod(cluster.kube, NAMESPACE, 'audit');
        return p && p.node !== node(1) ? p : undefined;
      },
      120_000,
      1_000,
    );
    await forward(await stillInUse('audit-0', 'audit'));
    expect(await untilImage('audit', (i) => i.phase === 'refused', 'refused')).toMatchObject({
      code: 'address-of-ceph',
    });
    await cluster.kube.core.patchNodeStatus(
      { name: node(1), body: { status: { addresses: addresses.slice(0, 1) } } },
      mergePatch,
    );
    expect(await cephSays('ledger')).toMatchObject({ blocklist: [], watchers: [ipOf(node(1))] });
    expect(await cephSays('orders')).toMatchObject({ blocklist: [], watchers: [ipOf(node(1)), ipOf(node(2))].sort() });
    expect(await cephSays('audit')).toMatchObject({ blocklist: [], watchers: ['127.0.0.1', ipOf(node(1))].sort() });
  }, 300_000);

  it('frees it: the event for the new pod, 3 times by webhook and once by the sweep, gives one blocklist entry of exactly node 1', async () => {
    const pod = await eventually(
      'ledger-0 on another node',
      async () => {
        const p = await statefulPod(cluster.kube, NAMESPACE, 'ledger');
        return p && p.node !== node(1) ? p : undefined;
      },
      120_000,
      1_000,
    );
    const event = await stillInUse('ledger-0', 'ledger');
    const sent = Date.now();
    // The exporter's webhook three times and the sweep (which lists the same Event) at once.
    await Promise.all([forward(event), forward(event), forward(event), runtime.runScheduled('sweep')]);
    const freed = await untilImage('ledger', (i) => i.phase === 'freed', 'freed', 60_000);
    since(sent, 'event -> image freed');
    expect(Date.now() - sent).toBeLessThan(30_000); // before librbd's own watch timeout (and its holder is alive)
    expect(freed).toMatchObject({ via: 'ceph', holderNode: node(1), blocked: [ipOf(node(1))] });
    const seen = await cephSays('ledger');
    expect(seen).toEqual({ blocklist: [`${ipOf(node(1))}:0/0`], watchers: [], lockers: [] });
    // The old holder, alive but cut off, can no longer write; a new holder on the pod's node takes the lock.
    expect(await main.holder.write()).toMatch(/^write error 108/);
    const next = await startHolder({ ceph, pool: 'rbd', image: 'ledger', address: ipOf(pod.node) });
    holders.push(next);
    expect(await next.write()).toBe('write ok');
    expect((await cephSays('ledger')).lockers).toEqual([ipOf(pod.node)]);
    // The sweep sees the same Event within its 10 s: still one entry, one fence.
    await new Promise((r) => setTimeout(r, 12_000));
    const steps = await historyOf(node(1));
    expect(steps.filter((e) => e.action === 'rbd.blocklist' && e.outcome === 'configured')).toHaveLength(1);
    expect(steps.filter((e) => e.action === 'heal.taint' && e.outcome === 'configured')).toHaveLength(1);
    expect((await cephSays('ledger')).blocklist).toEqual([`${ipOf(node(1))}:0/0`]);
    const verdict = steps.find(
      (e) => e.action === 'rbd.verdict' && e.outcome === 'succeeded' && e.image === 'rbd/ledger',
    );
    expect(verdict?.details).toMatchObject({ holderAddresses: [`InternalIP=${ipOf(node(1))}`] });
  }, 240_000);

  it('node 1 returns: the blocklist entry is removed, the taint and cordon reverted', async () => {
    const back = await returnNode(cluster.kube, node(1));
    await eventually(
      'node 1 restored',
      async () => {
        const heal = await getHeal(db, cluster.name, node(1));
        return heal?.phase === 'restored' ? heal : undefined;
      },
      120_000,
      1_000,
    );
    since(back.getTime(), 'lease released -> restored, blocklist lifted');
    expect((await cephSays('ledger')).blocklist).toEqual([]);
    const state = await nodeState(cluster.kube, node(1));
    expect(state.unschedulable).toBe(false);
    expect(state.taints.filter((t) => t.startsWith('node.kubernetes.io/out-of-service'))).toEqual([]);
    const steps = (await historyOf(node(1))).map((e) => e.action);
    expect(steps.indexOf('rbd.unblock')).toBeGreaterThanOrEqual(0);
  }, 180_000);

  it('a storm (3 of 3 nodes lost at once): waits, Ceph unchanged, no node fenced', async () => {
    const [one, two] = [small.nodes[0] ?? '', small.nodes[1] ?? ''];
    await createImage(ceph, 'rbd', 'stock');
    const volume = await createRbdVolume(small.kube, {
      namespace: NAMESPACE,
      claim: 'stock',
      pool: 'rbd',
      image: 'stock',
      source: 'csi',
    });
    await applyAll(small.kube, [statefulSetWithClaim(NAMESPACE, 'stock', one, 'stock')]);
    await untilAttached(small.kube, volume.volume, one);
    const smallIp =
      (await small.kube.core.readNode({ name: one })).status?.addresses?.find((a) => a.type === 'InternalIP')
        ?.address ?? '';
    holders.push(await startHolder({ ceph, pool: 'rbd', image: 'stock', address: smallIp }));
    await small.kube.core.createNamespacedPod({
      namespace: NAMESPACE,
      body: {
        metadata: { name: 'stock-reader', namespace: NAMESPACE },
        spec: {
          nodeName: two,
          containers: [{ name: 'app', image: 'registry.local/app:1' }],
          volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'stock' } }],
        },
      },
    });
    await Promise.all(small.nodes.map((n) => loseNode(small.kube, n)));
    await eventually(
      'all 3 Unknown',
      async () => {
        const states = await Promise.all(small.nodes.map((n) => nodeState(small.kube, n)));
        return states.every((st) => st.ready === 'Unknown') ? states : undefined;
      },
      60_000,
      1_000,
    );
    await new Promise((r) => setTimeout(r, 8_000)); // past the 5 s thresholds
    const event = await small.kube.core.createNamespacedEvent({
      namespace: NAMESPACE,
      body: {
        metadata: { name: uniqueName('stock-reader.mount'), namespace: NAMESPACE },
        involvedObject: { apiVersion: 'v1', kind: 'Pod', name: 'stock-reader', namespace: NAMESPACE },
        type: 'Warning',
        reason: 'FailedMount',
        message:
          'MountVolume.MountDevice failed for volume "stock" : rpc error: code = Internal desc = rbd image rbd/stock is still being used',
        source: { component: 'kubelet' },
        count: 1,
        firstTimestamp: new Date(),
        lastTimestamp: new Date(),
      } as CoreV1Event,
    });
    const res = await fetch(`${runtime.state.httpUrl}/hooks/kubernetes/${small.name}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${kubernetesHookToken(runtime.state.ingestToken, small.name)}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ ...event, clusterName: '' }),
    });
    expect(res.status).toBe(202);
    const stock = await eventually(
      'rbd/stock judged a storm',
      async () => {
        const found = await getImageHeal(db, { cluster: small.name, pool: 'rbd', image: 'stock' });
        return found?.code === 'storm' ? found : undefined;
      },
      60_000,
      500,
    );
    expect(stock.phase).toBe('waiting');
    expect(await cephSays('stock')).toMatchObject({ watchers: [smallIp], lockers: [smallIp] });
    expect((await cephSays('stock')).blocklist).toEqual([]);
    for (const n of small.nodes) expect((await getHeal(db, small.name, n))?.taintedAt).toBeUndefined();
  }, 180_000);
});
