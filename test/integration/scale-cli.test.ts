import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DeleteMessageCommand, type Message, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ScaleRequestedEventSchema } from '../../events/scale-requested.ts';
import type { ScaleView } from '../../lib/cli/render/scale.ts';
import type { KubeClients } from '../../lib/kube/connect.ts';
import type { RuntimeState } from '../../lib/runtime/state.ts';
import { type Cluster, putCluster } from '../../lib/store/clusters.ts';
import { createDb, type Db } from '../../lib/store/db.ts';
import { dynamoStore } from '../../lib/store/dynamo.ts';
import { recordHistory } from '../../lib/store/history.ts';
import { ensureTable } from '../../lib/store/table.ts';
import { awsClients, uniqueName } from '../support/aws.ts';
import { type FuzzEdge, startFuzzEdge } from '../support/fuzz/edge.ts';
import { connect, eventually, localClusters } from '../support/kube.ts';

// `capstan scale` through the real CLI (a process of its own) against DynamoDB Local, ElasticMQ and the
// harness's real clusters: an app with autoscaling registered with `capstan apps add`, an HPA created in one
// cluster with the client (as a release with autoscaling will render it), an override record written by the
// real store adapter, and a cluster registered at a closed port. A set or revert goes through the real HTTP
// edge (the ingest function behind the local server, test/support/fuzz/edge.ts) to a scale queue of this
// file's own that nothing consumes, so the message it enqueued is there to read.
const run = promisify(execFile);
const bin = join(import.meta.dirname, '../../lib/cli/bin.js');
const dir = mkdtempSync(join(tmpdir(), 'capstan-scale-cli-'));
const { ddb } = awsClients();
const [withHpa, withoutHpa] = localClusters();
const namespace = uniqueName('shop');
const prefix = uniqueName('scale-cli');
const gone = 'gone';
const elsewhere = 'qa-1';
let db: Db;
let edge: FuzzEdge;
let kube: KubeClients;
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

const spec = `
name: web
namespace: ${namespace}
qos: standard
containers:
  - name: web
    repository: registry.local:5000/acme/web
    limits: { cpu: 500m, memory: 256Mi }
environments:
  staging:
    track: { tags: { semver: ">=1.0.0" } }
    autoscaling: { min: 2, max: 4, burstMax: 10, cooldown: 5m, burstFor: 1h }
  qa:
    track: { tags: { semver: ">=1.0.0" } }
`;

/** Every message on the scale queue now, deleted once read. */
const drainScaleQueue = async (): Promise<Message[]> => {
  const url = edge.queues.scale.url;
  const { Messages = [] } = await edge.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
  );
  for (const m of Messages) {
    await edge.sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
  }
  return Messages;
};

beforeAll(async () => {
  const infra = inject('infra');
  edge = await startFuzzEdge({ sqs: infra.sqsEndpoint, dynamodb: infra.dynamodbEndpoint }, prefix);
  await ensureTable(ddb, `${prefix}-table`);
  db = createDb(`${prefix}-table`, ddb);
  const state: RuntimeState = {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    httpUrl: edge.url,
    region: 'us-east-1',
    table: db.table,
    endpoints: { dynamodb: infra.dynamodbEndpoint, sqs: infra.sqsEndpoint },
    queues: {},
    ingestToken: edge.token,
    clusters: [],
  };
  stateFile = join(dir, 'runtime.json');
  writeFileSync(stateFile, JSON.stringify(state));

  // A cluster nobody answers for: a kubeconfig at a closed port.
  const deadConfig = join(dir, 'gone.kubeconfig');
  writeFileSync(
    deadConfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{name: gone, cluster: {server: "https://127.0.0.1:9", insecure-skip-tls-verify: true}}]',
      'users: [{name: gone, user: {token: nothing}}]',
      'contexts: [{name: gone, context: {cluster: gone, user: gone}}]',
      'current-context: gone',
    ].join('\n'),
  );
  const registered: Cluster[] = [
    withHpa as Cluster,
    withoutHpa as Cluster,
    {
      name: gone,
      environment: 'staging',
      wave: 2,
      credentials: { kind: 'kubeconfig', path: deadConfig, context: 'gone' },
      registeredAt: new Date().toISOString(),
    },
    { ...(withHpa as Cluster), name: elsewhere, environment: 'qa' },
  ];
  for (const c of registered) await putCluster(db, c);

  const file = join(dir, 'web.yaml');
  writeFileSync(file, spec);
  const added = await capstan('apps', 'add', file);
  expect(added, added.stderr).toMatchObject({ code: 0 });

  // The HPA a release with autoscaling renders, made here with the client: named after the app.
  kube = await connect(withHpa as Cluster);
  await kube.core.createNamespace({ body: { metadata: { name: namespace } } });
  await kube.autoscaling.createNamespacedHorizontalPodAutoscaler({
    namespace,
    body: {
      metadata: { name: 'web' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        minReplicas: 2,
        maxReplicas: 6,
        metrics: [
          { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } },
        ],
      },
    },
  });
}, 120_000);

afterAll(async () => {
  await kube?.core.deleteNamespace({ name: namespace }).catch(() => undefined);
  await edge?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('capstan scale: the operators view', () => {
  const raisedAt = new Date(Date.now() - 60_000).toISOString();
  const expiresAt = new Date(Date.now() + 3_540_000).toISOString();

  beforeAll(async () => {
    const saved = await dynamoStore(db).overrides.save(
      {
        cluster: (withHpa as Cluster).name,
        workload: { namespace, kind: 'Deployment', name: 'web' },
        app: 'web',
        environment: 'staging',
        hpa: 'web',
        specMax: 4,
        max: 6,
        state: 'active',
        raisedAt,
        endsAt: expiresAt,
        by: 'alert:HighCpu',
        eventId: 'ev-raise',
        code: 'cooldown',
        reason: 'raised 60s ago, within the 300s cooldown',
        updatedAt: raisedAt,
      },
      undefined,
    );
    expect(saved).toBe(true);
  });

  it('--json: the spec, the override with time left, the live HPA, an unreachable cluster on its own', async () => {
    // The HPA controller's first sync fills in its status; the bounds are there from the start.
    const shown = await capstan('scale', 'web', '--env', 'staging', '--json');
    expect(shown.code, shown.stderr).toBe(0);
    const view = JSON.parse(shown.stdout) as ScaleView;
    expect(view).toMatchObject({
      app: 'web',
      environment: 'staging',
      workload: `${namespace}/Deployment/web`,
      spec: {
        hpa: true,
        min: 2,
        max: 4,
        cpuTarget: 80,
        cooldownSeconds: 300,
        burstMax: 10,
        burstStep: 2,
        burstForSeconds: 3600,
      },
    });
    expect(view.clusters.map((c) => c.cluster)).toEqual([
      (withHpa as Cluster).name,
      (withoutHpa as Cluster).name,
      gone,
    ]);
    const [first, second, third] = view.clusters;
    expect(first?.override).toMatchObject({
      state: 'active',
      max: 6,
      specMax: 4,
      by: 'alert:HighCpu',
      raisedAt,
      expiresAt,
      cooldownEndsAt: new Date(Date.parse(raisedAt) + 300_000).toISOString(),
      code: 'cooldown',
    });
    expect(first?.override?.expiresInSeconds).toBeGreaterThan(3400);
    expect(first?.override?.cooldownLeftSeconds).toBeGreaterThan(200);
    expect(first?.live).toMatchObject({
      reachable: true,
      hpa: { name: 'web', minReplicas: 2, maxReplicas: 6 },
      deployment: null,
    });
    expect(second).toMatchObject({ override: null, live: { reachable: true, hpa: null, deployment: null } });
    expect(third?.live).toMatchObject({ reachable: false });
    expect(third?.live.reachable === false && third.live.error).toMatch(/^cluster gone: unreachable/);
  });

  it('text: one block per cluster, the HPA as the controller reports it', async () => {
    // The controller reports on the HPA (it cannot scale a Deployment that is not there): the conditions show.
    await eventually('the HPA controller reports', async () => {
      const hpa = await kube.autoscaling.readNamespacedHorizontalPodAutoscaler({ name: 'web', namespace });
      return hpa.status?.conditions?.length ? true : undefined;
    });
    const shown = await capstan('scale', 'web', '--env', 'staging');
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`web in staging (${namespace}/Deployment/web)`);
    expect(shown.stdout).toContain('spec: HPA min 2 max 4 at 80% CPU; cooldown 5m; overrides up to 10 (step 2) for 1h');
    expect(shown.stdout).toMatch(
      new RegExp(`cluster ${(withHpa as Cluster).name}\\n  live: +HPA web min 2 max 6; replicas \\d+, desired \\d+`),
    );
    expect(shown.stdout).toMatch(/override: active, max 6 \(spec 4\) by alert:HighCpu; raised .* \(in 5\dm\)/);
    expect(shown.stdout).toMatch(/cooldown: until .* \(\dm left\)/);
    expect(shown.stdout).toContain('last:     cooldown: raised 60s ago, within the 300s cooldown');
    expect(shown.stdout).toMatch(
      new RegExp(`cluster ${(withoutHpa as Cluster).name}\\n  live: +no HPA in the cluster`),
    );
    expect(shown.stdout).toMatch(/cluster gone\n {2}live: +unreachable: cluster gone: unreachable/);
  });

  it('--cluster: only that one; a cluster where nothing answers exits 1', async () => {
    const one = JSON.parse(
      (await capstan('scale', 'web', '--env', 'staging', '--cluster', (withoutHpa as Cluster).name, '--json')).stdout,
    ) as ScaleView;
    expect(one.clusters.map((c) => c.cluster)).toEqual([(withoutHpa as Cluster).name]);
    const dead = await capstan('scale', 'web', '--env', 'staging', '--cluster', gone);
    expect(dead.code).toBe(1);
    expect(dead.stdout).toContain('unreachable');
  });

  it('clear refusals: unknown app, environment, cluster, a cluster of another environment, no autoscaling', async () => {
    const cases: [string[], number, RegExp][] = [
      [['scale', 'nope', '--env', 'staging'], 1, /app nope is not registered/],
      [['scale', 'web', '--env', 'prod'], 2, /app web has no environment prod \(it has: qa, staging\)/],
      [['scale', 'web', '--env', 'staging', '--cluster', 'nowhere'], 1, /cluster nowhere is not registered/],
      [
        ['scale', 'web', '--env', 'staging', '--cluster', elsewhere],
        2,
        /cluster qa-1 is in environment qa, not staging/,
      ],
      [['scale', 'web', '--env', 'qa'], 2, /app web has no autoscaling in qa/],
    ];
    for (const [args, code, message] of cases) {
      const refused = await capstan(...args);
      expect({ args, code: refused.code }).toEqual({ args, code });
      expect(refused.stderr).toMatch(message);
    }
  });
});

describe('hpa: false: the Deployment is what capstan scales', () => {
  const batchSpec = `
name: batch
namespace: ${namespace}
qos: standard
containers:
  - name: batch
    repository: registry.local:5000/acme/batch
    limits: { cpu: 500m, memory: 256Mi }
environments:
  staging:
    track: { tags: { semver: ">=1.0.0" } }
    autoscaling: { hpa: false, max: 3, burstMax: 5 }
`;

  beforeAll(async () => {
    const file = join(dir, 'batch.yaml');
    writeFileSync(file, batchSpec);
    const added = await capstan('apps', 'add', file);
    expect(added, added.stderr).toMatchObject({ code: 0 });
    await kube.apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'batch' },
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: 'batch' } },
          template: {
            metadata: { labels: { app: 'batch' } },
            spec: { containers: [{ name: 'batch', image: 'registry.local:5000/acme/batch:1.0.0' }] },
          },
        },
      },
    });
    const at = new Date(Date.now() - 2 * 3600_000).toISOString();
    await dynamoStore(db).overrides.save(
      {
        cluster: (withHpa as Cluster).name,
        workload: { namespace, kind: 'Deployment', name: 'batch' },
        app: 'batch',
        environment: 'staging',
        specMax: 3,
        max: 5,
        state: 'reverted',
        raisedAt: at,
        endsAt: new Date(Date.parse(at) + 3600_000).toISOString(),
        revertedAt: new Date(Date.parse(at) + 3600_000).toISOString(),
        by: 'person:ana',
        eventId: 'ev-batch',
        revertEventId: 'ev-batch-revert',
        updatedAt: at,
      },
      undefined,
    );
  });

  it("the Deployment's replicas, no HPA read; a reverted override with the cooldown over", async () => {
    const shown = await capstan('scale', 'batch', '--env', 'staging', '--cluster', (withHpa as Cluster).name, '--json');
    expect(shown.code, shown.stderr).toBe(0);
    const view = JSON.parse(shown.stdout) as ScaleView;
    expect(view.spec).toMatchObject({ hpa: false, max: 3, burstMax: 5 });
    expect(view.clusters[0]).toMatchObject({
      override: { state: 'reverted', max: 5, specMax: 3, expiresInSeconds: null, cooldownLeftSeconds: 0 },
      live: { reachable: true, hpa: null, deployment: { replicas: 3 } },
    });
    const text = (await capstan('scale', 'batch', '--env', 'staging', '--cluster', (withHpa as Cluster).name)).stdout;
    expect(text).toContain(
      'spec: no HPA: the Deployment runs 3 replicas; cooldown 5m; overrides up to 5 (step 2) for 1h',
    );
    expect(text).toMatch(/live: +Deployment replicas 3, \d+ ready/);
    expect(text).toMatch(/override: reverted .* to 3; last raise to 5 by person:ana/);
    expect(text).toMatch(/cooldown: over/);
  });
});

describe('capstan scale --max / --revert: a scale.requested on the scale queue', () => {
  const cluster = () => (withHpa as Cluster).name;

  it('--max 8 --for 90m: a valid event with the person, the ceiling and the duration; its id printed', async () => {
    await drainScaleQueue();
    const sent = await capstan(
      'scale',
      'web',
      '--env',
      'staging',
      '--cluster',
      cluster(),
      '--max',
      '8',
      '--for',
      '90m',
    );
    expect(sent.code, sent.stderr).toBe(0);
    const id = /^scale\.requested (\S+) sent: max 8 for web in staging/.exec(sent.stdout)?.[1];
    expect(id).toBeDefined();
    expect(sent.stdout).toContain(`capstan history web --env staging --cluster ${cluster()} --action scale`);
    const messages = await eventually('the message on the scale queue', async () => {
      const m = await drainScaleQueue();
      return m.length ? m : undefined;
    });
    expect(messages).toHaveLength(1);
    const event = ScaleRequestedEventSchema.parse(JSON.parse(messages[0]?.Body as string));
    expect(event).toMatchObject({
      id,
      type: 'scale.requested',
      data: { app: 'web', environment: 'staging', cluster: cluster(), max: 8, forSeconds: 5400, requestedBy: 'ana' },
    });
  });

  it('--revert --json: the event id; the event says revert and nothing else', async () => {
    const sent = await capstan('scale', 'web', '--env', 'staging', '--cluster', cluster(), '--revert', '--json');
    expect(sent.code, sent.stderr).toBe(0);
    const answer = JSON.parse(sent.stdout) as { eventId: string; queue: string };
    expect(answer.queue).toBe('scale');
    const messages = await eventually('the message on the scale queue', async () => {
      const m = await drainScaleQueue();
      return m.length ? m : undefined;
    });
    const event = ScaleRequestedEventSchema.parse(JSON.parse(messages[0]?.Body as string));
    expect(event.id).toBe(answer.eventId);
    expect(event.data).toEqual({
      app: 'web',
      environment: 'staging',
      cluster: cluster(),
      revert: true,
      requestedBy: 'ana',
      requester: { kind: 'cli', user: 'ana' },
    });
  });

  it('refused before sending: above burstMax (the bound said), no --cluster, --for too short; nothing on the queue', async () => {
    const cases: [string[], RegExp][] = [
      [['--cluster', cluster(), '--max', '11'], /--max 11 is outside 4\.\.10 \(web in staging: max 4, burstMax 10/],
      [['--max', '5'], /--cluster is required with --max/],
      [['--cluster', cluster(), '--max', '3'], /--max 3 is outside 4\.\.10/],
      [['--cluster', cluster(), '--max', '5', '--for', '30s'], /--for 30s: must be from 1m to 168h/],
      [['--cluster', cluster(), '--max', '0'], /Expected a whole number from 1 to 1000/],
    ];
    for (const [flags, message] of cases) {
      const refused = await capstan('scale', 'web', '--env', 'staging', ...flags);
      expect({ flags, code: refused.code }).toEqual({ flags, code: 2 });
      expect(refused.stderr).toMatch(message);
    }
    expect(await drainScaleQueue()).toEqual([]);
  });
});

describe('capstan history: scaling steps', () => {
  it('--action scale: only scaling entries, each naming its workload', async () => {
    const at = new Date().toISOString();
    const base = {
      app: 'web',
      environment: 'staging',
      cluster: (withHpa as Cluster).name,
      eventTime: at,
      receivedAt: at,
      recordedAt: at,
    };
    await recordHistory(db, {
      ...base,
      workload: `${namespace}/Deployment/web`,
      eventId: 'ev-raise',
      eventType: 'hpa.threshold.hit',
      action: 'scale.raise',
      outcome: 'configured',
      reason: 'maxReplicas 4 -> 6, until later',
    });
    await recordHistory(db, {
      ...base,
      eventId: 'ev-release',
      eventType: 'deploy.requested',
      action: 'release',
      outcome: 'accepted',
    });
    const shown = await capstan('history', 'web', '--action', 'scale');
    expect(shown.code, shown.stderr).toBe(0);
    const rows = shown.stdout.trim().split('\n');
    expect(rows).toHaveLength(2);
    expect(rows[1]).toMatch(
      new RegExp(`scale\\.raise\\s+configured\\s+-\\s+${namespace}/Deployment/web: maxReplicas 4 -> 6`),
    );
    const all = await capstan('history', 'web');
    expect(all.stdout).toContain('release');
  });
});
