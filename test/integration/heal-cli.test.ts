import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ClusterNodes } from '../../lib/cli/render/nodes.ts';
import type { KubeClients } from '../../lib/kube/connect.ts';
import { gatewayOf } from '../../lib/kube/gateway.ts';
import { NODE_LEASE_NAMESPACE } from '../../lib/kube/nodes.ts';
import { mergePatch } from '../../lib/kube/optimistic.ts';
import type { RuntimeState } from '../../lib/runtime/state.ts';
import type { Runtime } from '../../lib/runtime/up.ts';
import { putCluster } from '../../lib/store/clusters.ts';
import type { Db } from '../../lib/store/db.ts';
import {
  acquireHealLease,
  advanceHeal,
  getHeal,
  type NodeHeal,
  releaseHealLease,
  startHeal,
} from '../../lib/store/heals.ts';
import { queryHistory } from '../../lib/store/history.ts';
import { NODES_APP } from '../../lib/store/ports.ts';
import { awsClients, freshDb, uniqueName } from '../support/aws.ts';
import { connect, eventually, localClusters } from '../support/kube.ts';
import { createKwokNode, deleteKwokNode } from '../support/kwok-node.ts';
import { startTestRuntime } from '../support/runtime.ts';

// The operators' view through the real CLI (lib/cli/bin.js, a process of its own) against DynamoDB Local,
// ElasticMQ and a real cluster of the harness: a table, a heal queue and a kwok Node of this file's own, so
// other files' nodes and queues are never touched. The CLI finds them through a runtime state file, as it
// finds a local `capstan up`.
const run = promisify(execFile);
const bin = join(import.meta.dirname, '../../lib/cli/bin.js');
const dir = mkdtempSync(join(tmpdir(), 'capstan-heal-cli-'));
const { ddb, sqs } = awsClients();
const [cluster] = localClusters();
const down = uniqueName('down');
let db: Db;
let kube: KubeClients;
let node: string;
let queueUrl: string;
let stateFile: string;

const capstan = async (...args: string[]) => {
  try {
    const { stdout, stderr } = await run('node', [bin, ...args], {
      env: { ...process.env, CAPSTAN_STATE: stateFile, CAPSTAN_ACTOR: 'ana', CAPSTAN_TABLE: '' },
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
  queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('heal-cli') }))).QueueUrl as string;
  const state: RuntimeState = {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    httpUrl: 'http://127.0.0.1:9',
    region: 'us-east-1',
    table: db.table,
    endpoints: { dynamodb: infra.dynamodbEndpoint, sqs: infra.sqsEndpoint },
    queues: { heal: { url: queueUrl, arn: 'arn:aws:sqs:us-east-1:000000000000:heal-cli', dlqUrl: queueUrl } },
    ingestToken: 'not-used-by-these-commands',
    clusters: [],
  };
  stateFile = join(dir, 'runtime.json');
  writeFileSync(stateFile, JSON.stringify(state));

  // A cluster whose API server does not answer: nothing listens on port 1.
  const kubeconfig = join(dir, 'down.kubeconfig');
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: down, cluster: { server: 'https://127.0.0.1:1', 'insecure-skip-tls-verify': true } }],
      users: [{ name: down, user: { token: 'nothing' } }],
      contexts: [{ name: down, context: { cluster: down, user: down } }],
      'current-context': down,
    }),
  );
  await putCluster(db, cluster!);
  await putCluster(db, {
    name: down,
    environment: 'staging',
    wave: 1,
    credentials: { kind: 'kubeconfig', path: kubeconfig, context: down },
    registeredAt: new Date().toISOString(),
  });

  kube = await connect(cluster!);
  node = await createKwokNode(kube, 41);
  await eventually('kwok to make the node Ready with its Lease', async () => {
    const view = (await kube.core.readNode({ name: node })).status?.conditions?.find((c) => c.type === 'Ready');
    return view?.status === 'True' ? view : undefined;
  });
});

afterAll(async () => {
  if (kube && node) await deleteKwokNode(kube, node);
  if (queueUrl) await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
  rmSync(dir, { recursive: true, force: true });
});

const nodesJson = async (...args: string[]) => {
  const result = await capstan('nodes', '--json', ...args);
  return { ...result, clusters: result.stdout ? (JSON.parse(result.stdout) as ClusterNodes[]) : [] };
};

/** A heal of `name` on the harness cluster, moved on to `phase` the way the heal use case would. */
const seedHeal = async (name: string, phase: 'suspected' | 'awaiting-approval' | 'fencing'): Promise<NodeHeal> => {
  const key = { cluster: cluster!.name, node: name };
  const now = new Date().toISOString();
  await startHeal(db, { ...key, mode: 'approve', eventId: uniqueName('lost'), suspectedAt: now });
  if (phase !== 'suspected') {
    expect(await advanceHeal(db, key, ['suspected'], 'awaiting-approval', { updatedAt: now })).toBe(true);
  }
  if (phase === 'fencing') {
    expect(await advanceHeal(db, key, ['awaiting-approval'], 'fencing', { fencingAt: now, updatedAt: now })).toBe(true);
  }
  return (await getHeal(db, key.cluster, key.node)) as NodeHeal;
};

/** What is on the heal queue now, taken off it (a message left there would come back after its visibility timeout). */
const receive = async () => {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
  );
  for (const m of Messages)
    await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
  return Messages;
};

describe('capstan nodes', () => {
  it('shows the node Ready with its lease, and the cluster that does not answer as one entry', async () => {
    const { code, clusters } = await eventually('the node with its Lease', async () => {
      const answer = await nodesJson();
      const row = answer.clusters.flatMap((c) => (c.reachable ? c.nodes : [])).find((n) => n.node === node);
      return row?.leaseRenewedAt ? answer : undefined;
    });
    expect(code).toBe(0);
    const live = clusters.find((c) => c.cluster === cluster!.name);
    expect(live).toMatchObject({ reachable: true, environment: 'staging', healMode: 'auto' });
    const row = live?.reachable ? live.nodes.find((n) => n.node === node) : undefined;
    expect(row).toMatchObject({
      ready: 'True',
      cordoned: false,
      leaseHolder: expect.any(String),
      verdict: { lost: false, code: 'node-ready' },
    });
    expect(row?.leaseAgeSeconds).toBeLessThan(40);
    expect(row?.heal).toBeUndefined();
    expect(clusters.find((c) => c.cluster === down)).toMatchObject({ reachable: false, error: expect.any(String) });

    const text = await capstan('nodes');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      new RegExp(`${cluster!.name}\\s+${node}\\s+True \\S+\\s+\\S+ \\d+s ago\\s+no\\s+-\\s+ok\\s+-`),
    );
    expect(text.stdout).toContain(`cluster ${down}: did not answer:`);
  });

  it('exits 1 when no cluster answered; an unregistered cluster is named', async () => {
    const only = await capstan('nodes', '--cluster', down);
    expect(only.code).toBe(1);
    expect(only.stdout).toContain(`cluster ${down}: did not answer:`);
    const missing = await capstan('nodes', '--cluster', 'nowhere');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('cluster nowhere is not registered');
  });
});

describe('capstan heal approve', () => {
  let waiting: NodeHeal;

  it('moves a heal awaiting approval to fencing, says who, and sends the heal.check that starts fencing', async () => {
    waiting = await seedHeal(node, 'awaiting-approval');
    const { code, stdout } = await capstan('heal', 'approve', cluster!.name, node);
    expect({ code, stdout }).toMatchObject({ code: 0, stdout: expect.stringContaining('approved: capstan fences') });
    const approved = await getHeal(db, cluster!.name, node);
    expect(approved).toMatchObject({ phase: 'fencing', approvedBy: 'ana', approvedAt: expect.any(String) });
    const [message, ...more] = await receive();
    expect(more).toEqual([]);
    const check = JSON.parse(message?.Body ?? '{}');
    expect(check).toMatchObject({
      type: 'heal.check',
      subject: `${cluster!.name}/${node}`,
      data: { cluster: cluster!.name, node, step: 'fence', cause: `approve:${waiting.eventId}`, attempt: 0 },
    });
    const history = (await queryHistory(db, { cluster: cluster!.name })).filter((e) => e.node === node);
    expect(history).toMatchObject([
      {
        app: NODES_APP,
        environment: 'staging',
        action: 'heal.approve',
        outcome: 'accepted',
        eventId: check.id,
        details: { by: 'ana' },
      },
    ]);

    // The operators' view shows it.
    const { clusters } = await nodesJson('--cluster', cluster!.name);
    const row = clusters[0]?.reachable ? clusters[0].nodes.find((n) => n.node === node) : undefined;
    expect(row?.heal).toMatchObject({ phase: 'fencing', mode: 'approve' });
    const list = await capstan('heal', 'list', '--json');
    expect(JSON.parse(list.stdout)).toMatchObject({
      nodes: [{ node, phase: 'fencing', approvedBy: 'ana' }],
      images: [],
    });
    const show = await capstan('heal', 'show', cluster!.name, node, '--json');
    expect(JSON.parse(show.stdout)).toMatchObject({
      heal: { phase: 'fencing' },
      history: [{ action: 'heal.approve' }],
    });
    const shown = await capstan('heal', 'show', cluster!.name, node);
    expect(shown.stdout).toContain(`heal of node ${node} of cluster ${cluster!.name}: fencing (approve mode)`);
    expect(shown.stdout).toMatch(/heal\.approve\s+accepted/);
  });

  it('approving again says it is approved already and changes nothing (fencing not begun: the same check again)', async () => {
    const before = await getHeal(db, cluster!.name, node);
    const again = await capstan('heal', 'approve', cluster!.name, node);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('was approved already, by ana');
    expect(await getHeal(db, cluster!.name, node)).toEqual(before);
    const resent = await receive();
    expect(resent.map((m) => JSON.parse(m.Body ?? '{}').data.cause)).toEqual([`approve:${waiting.eventId}`]);
    const history = (await queryHistory(db, { cluster: cluster!.name })).filter((e) => e.node === node);
    expect(history).toHaveLength(1);
  });

  it('refuses what is not waiting for approval, with exit 1', async () => {
    const suspect = uniqueName('suspect');
    await seedHeal(suspect, 'suspected');
    const early = await capstan('heal', 'approve', cluster!.name, suspect);
    expect(early.code).toBe(1);
    expect(early.stderr).toContain('is in phase suspected: nothing to approve');
    expect((await getHeal(db, cluster!.name, suspect))?.phase).toBe('suspected');
    const none = await capstan('heal', 'approve', cluster!.name, 'no-such-node');
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no heal of node no-such-node');
    expect(await receive()).toEqual([]);
  });
});

describe("a person's decision under the node's lease", () => {
  it('waits for a heal step holding the lease, gives up saying so, and releases it when done', async () => {
    const held = uniqueName('held');
    const before = await seedHeal(held, 'awaiting-approval');
    const key = { cluster: cluster!.name, node: held };
    await acquireHealLease(db, key, 'heal-step', 60);
    const busy = await capstan('heal', 'approve', cluster!.name, held);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toContain("is being worked on by a heal step (it holds the node's lease)");
    expect(await getHeal(db, cluster!.name, held)).toEqual(before);

    await releaseHealLease(db, key, 'heal-step');
    expect((await capstan('heal', 'approve', cluster!.name, held)).code).toBe(0);
    expect((await getHeal(db, cluster!.name, held))?.phase).toBe('fencing');
    // The heal function can take the lease at once to act on the check it was sent.
    await expect(acquireHealLease(db, key, 'heal-step', 60)).resolves.toMatchObject({ holder: 'heal-step' });
    await releaseHealLease(db, key, 'heal-step');
    expect(await receive()).toHaveLength(1);
  });
});

describe('capstan heal cancel', () => {
  it('cancels a suspected heal, once; the second cancel changes nothing', async () => {
    const suspect = uniqueName('cancel');
    await seedHeal(suspect, 'suspected');
    const { code, stdout } = await capstan('heal', 'cancel', cluster!.name, suspect, '--json');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      outcome: 'cancelled',
      heal: { phase: 'cancelled', cancelledBy: 'ana' },
    });
    const cancelled = await getHeal(db, cluster!.name, suspect);
    expect(cancelled).toMatchObject({ phase: 'cancelled', cancelledBy: 'ana', cancelledAt: expect.any(String) });
    const history = (await queryHistory(db, { cluster: cluster!.name })).filter((e) => e.node === suspect);
    expect(history).toMatchObject([{ app: NODES_APP, action: 'heal.cancel', outcome: 'succeeded' }]);

    const again = await capstan('heal', 'cancel', cluster!.name, suspect);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('was cancelled already, by ana');
    expect(await getHeal(db, cluster!.name, suspect)).toEqual(cancelled);

    // Settled: only `--all` lists it.
    expect(
      JSON.parse((await capstan('heal', 'list', '--json')).stdout).nodes.map((h: NodeHeal) => h.node),
    ).not.toContain(suspect);
    expect(
      JSON.parse((await capstan('heal', 'list', '--all', '--json')).stdout).nodes.map((h: NodeHeal) => h.node),
    ).toContain(suspect);
  });

  it('refuses a heal capstan is fencing, saying why, and changes nothing', async () => {
    const fencing = uniqueName('fencing');
    const before = await seedHeal(fencing, 'fencing');
    const { code, stderr } = await capstan('heal', 'cancel', cluster!.name, fencing);
    expect(code).toBe(1);
    expect(stderr).toContain('capstan has cordoned/tainted it');
    expect(stderr).toContain('it will be restored when the node returns');
    expect(await getHeal(db, cluster!.name, fencing)).toEqual(before);
  });
});

describe('heal modes', () => {
  it('env set --heal-mode, clusters add --heal-mode, and the effective mode in env list and clusters list', async () => {
    const set = await capstan('env', 'set', 'staging', '--heal-mode', 'observe');
    expect(set.code).toBe(0);
    expect(set.stdout).toContain('heal lost nodes in observe mode');
    const envs = JSON.parse((await capstan('env', 'list', '--json')).stdout);
    expect(envs).toMatchObject([
      { name: 'staging', protected: false, healMode: 'observe', effectiveHealMode: 'observe' },
    ]);

    // Protecting it keeps its heal mode.
    await capstan('env', 'set', 'staging', '--protected');
    expect(JSON.parse((await capstan('env', 'list', '--json')).stdout)).toMatchObject([
      { protected: true, effectiveHealMode: 'observe' },
    ]);

    const add = await capstan(
      'clusters',
      'add',
      down,
      '--environment',
      'staging',
      '--context',
      down,
      '--kubeconfig',
      join(dir, 'down.kubeconfig'),
      '--heal-mode',
      'auto',
    );
    expect(add.code).toBe(0);
    const clusters = JSON.parse((await capstan('clusters', 'list', '--json')).stdout);
    expect(clusters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: cluster!.name, effectiveHealMode: 'observe', healModeFrom: 'environment' }),
        expect.objectContaining({ name: down, healMode: 'auto', effectiveHealMode: 'auto', healModeFrom: 'cluster' }),
      ]),
    );
    const table = await capstan('clusters', 'list');
    expect(table.stdout).toMatch(/HEAL MODE/);
    expect(table.stdout).toMatch(new RegExp(`${down}\\s+staging\\s+0\\s+auto \\(cluster\\)`));
  });
});

describe('approve mode end to end: a real runtime heals a node that lost its heartbeat once a person approves', () => {
  let runtime: Runtime;
  let lost: string;

  beforeAll(async () => {
    // Healing's thresholds, short for the test; the runtime hands them to its functions (lib/contract.ts tunables).
    process.env.CAPSTAN_HEAL_NOT_READY_SECONDS = '1';
    process.env.CAPSTAN_HEAL_LEASE_SILENT_SECONDS = '1';
    process.env.CAPSTAN_HEAL_RECHECK_SECONDS = '2';
    runtime = await startTestRuntime('heal-cli');
    stateFile = join(dir, 'runtime-e2e.json');
    writeFileSync(stateFile, JSON.stringify(runtime.state));
    lost = await createKwokNode(kube, 42);
    await eventually('kwok to make the node Ready', async () => {
      const view = await gatewayOf(kube).readNode(lost);
      return view?.ready === 'True' && view.leaseRenewedAt && view.taints.length === 0 ? view : undefined;
    });
  });

  afterAll(async () => {
    if (lost) await deleteKwokNode(kube, lost);
    await runtime?.stop();
  });

  it('suspected, awaiting approval in `nodes` and `heal list`, then approved through the CLI and fenced', async () => {
    expect((await capstan('env', 'set', 'staging', '--heal-mode', 'approve')).code).toBe(0);

    // The kubelet dies: a foreign holder takes the Lease over, so kwok renews neither it nor the node's status.
    const now = new Date().toISOString().replace('Z', '000Z');
    await kube.coordination.patchNamespacedLease(
      {
        name: lost,
        namespace: NODE_LEASE_NAMESPACE,
        body: { spec: { holderIdentity: 'capstan-test', leaseDurationSeconds: 3600, renewTime: now } },
      },
      mergePatch,
    );
    await eventually(
      'the node lifecycle controller to mark the node Unknown',
      async () => ((await gatewayOf(kube).readNode(lost))?.ready === 'Unknown' ? true : undefined),
      150_000,
      1_000,
    );

    await runtime.runScheduled('sweep');
    const waiting = await eventually(
      '`capstan heal list` to show the heal awaiting approval',
      async () => {
        const heals = (JSON.parse((await capstan('heal', 'list', '--json')).stdout) as { nodes: NodeHeal[] }).nodes;
        return heals.find((h) => h.node === lost && h.phase === 'awaiting-approval');
      },
      60_000,
      1_000,
    );
    expect(waiting).toMatchObject({ cluster: cluster!.name, mode: 'approve', cordonedByCapstan: false });
    const { clusters } = await nodesJson('--cluster', cluster!.name);
    const row = clusters[0]?.reachable ? clusters[0].nodes.find((n) => n.node === lost) : undefined;
    expect(row).toMatchObject({
      ready: 'Unknown',
      cordoned: false,
      leaseHolder: 'capstan-test',
      verdict: { lost: true },
      heal: { phase: 'awaiting-approval', mode: 'approve' },
    });
    // Nothing was done to the node while it waited.
    expect(row?.taints.some((t) => t.startsWith('node.kubernetes.io/out-of-service'))).toBe(false);

    const approved = await capstan('heal', 'approve', cluster!.name, lost);
    expect(approved).toMatchObject({ code: 0, stdout: expect.stringContaining('approved: capstan fences') });
    const fenced = await eventually(
      '`capstan heal show` to show the node fenced',
      async () => {
        const shown = JSON.parse((await capstan('heal', 'show', cluster!.name, lost, '--json')).stdout) as {
          heal: NodeHeal;
        };
        return shown.heal.phase === 'fenced' ? shown : undefined;
      },
      90_000,
      1_000,
    );
    expect(fenced.heal).toMatchObject({
      approvedBy: 'ana',
      cordonedByCapstan: true,
      cordonedAt: expect.any(String),
      taintedAt: expect.any(String),
      fencedAt: expect.any(String),
    });
    const after = await nodesJson('--cluster', cluster!.name);
    const fencedRow = after.clusters[0]?.reachable ? after.clusters[0].nodes.find((n) => n.node === lost) : undefined;
    expect(fencedRow).toMatchObject({ cordoned: true, heal: { phase: 'fenced' } });
    expect(fencedRow?.taints).toContain('node.kubernetes.io/out-of-service=nodeshutdown:NoExecute');
    // The history shows the person's approval among healing's own steps.
    const shown = await capstan('heal', 'show', cluster!.name, lost);
    expect(shown.stdout).toMatch(/heal\.approve\s+accepted/);
  }, 400_000);
});
