import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApprovalView } from '../../lib/approvals/render/approval-view.ts';
import { type AppSpec, AppSpecSchema } from '../../lib/apps/spec.ts';
import type { KubeClients } from '../../lib/kube/connect.ts';
import type { Runtime } from '../../lib/runtime/up.ts';
import { putApp } from '../../lib/store/apps.ts';
import { putCluster } from '../../lib/store/clusters.ts';
import { createDb, type Db } from '../../lib/store/db.ts';
import { queryHistory } from '../../lib/store/history.ts';
import { getApproval, type ReleaseApproval } from '../../lib/store/release-approvals.ts';
import { listReleases } from '../../lib/store/releases.ts';
import { uniqueName } from '../support/aws.ts';
import { connect, eventually, localClusters } from '../support/kube.ts';
import { digestOf } from '../support/registry.ts';
import { postDeployRequest, startTestRuntime } from '../support/runtime.ts';

// Release approvals (issue 13) end to end on real parts: a deploy request through the HTTP edge into an
// environment whose spec asks for 2 approvers opens an approval (nothing applied); votes cast with the real
// CLI (a process of its own, as different $CAPSTAN_ACTORs) go through POST /events to the approvals
// consumer; the grant's release.approved releases on a real kube-apiserver. A reject ends another, and a
// 3 s expiry fires through the chain of delayed approval.check messages on ElasticMQ.
const run = promisify(execFile);
const bin = join(import.meta.dirname, '../../lib/cli/bin.js');
const dir = mkdtempSync(join(tmpdir(), 'capstan-approvals-'));
const [first] = localClusters();
const cluster = `${first!.name}-gated`;
const environment = 'gated';
const REGISTRY = 'registry.local:5000';
const app = uniqueName('gated');
let runtime: Runtime;
let db: Db;
let kube: KubeClients;
let stateFile: string;

const capstan = async (actor: string, ...args: string[]) => {
  try {
    const { stdout, stderr } = await run('node', [bin, ...args], {
      env: { ...process.env, CAPSTAN_STATE: stateFile, CAPSTAN_ACTOR: actor, CAPSTAN_TABLE: '' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

const spec = (approval: Record<string, unknown>): AppSpec =>
  AppSpecSchema.parse({
    name: app,
    namespace: app,
    containers: [{ name: 'web', repository: `${REGISTRY}/acme/${app}`, limits: { cpu: '200m', memory: '64Mi' } }],
    environments: { [environment]: { approval } },
  });

const ref = (tag: string) => `${REGISTRY}/acme/${app}:${tag}@${digestOf(`${app}:${tag}`)}`;

/** A deploy request by `cli ana` through the HTTP edge; its id. */
const deploy = (tag: string) =>
  postDeployRequest(runtime, { app, environment, image: ref(tag), requester: { kind: 'cli', user: 'ana' } });

const approval = (id: string, until: (a: ReleaseApproval) => boolean, what: string) =>
  eventually(`approval ${id}: ${what}`, async () => {
    const a = await getApproval(db, app, environment, id);
    return a && until(a) ? a : undefined;
  });

const vote = async (actor: string, ...args: string[]) => {
  const result = await capstan(actor, ...args, app, '--env', environment);
  expect(result, result.stderr).toMatchObject({ code: 0 });
  return result.stdout;
};

beforeAll(async () => {
  runtime = await startTestRuntime('approvals');
  db = createDb(runtime.state.table);
  kube = await connect(first!);
  await putCluster(db, { ...first!, name: cluster, environment, wave: 0 });
  stateFile = join(dir, 'runtime.json');
  writeFileSync(stateFile, JSON.stringify(runtime.state));
  await putApp(db, spec({ required: 2, expiry: '1h' }), new Date());
});
afterAll(async () => {
  await kube?.core.deleteNamespace({ name: app }).catch(() => undefined);
  await runtime?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('release approvals', () => {
  it('waits for 2 distinct approvers: not the requester, a repeat counts once; the grant releases on the cluster', async () => {
    const id = await deploy('1.0.0');
    await approval(id, (a) => a.state === 'open', 'opened');
    const waiting = await queryHistory(db, { app });
    expect(waiting.map((e) => `${e.action} ${e.outcome} ${e.code}`)).toContain('release pending awaiting-approvals');
    expect(await listReleases(db, app, environment)).toEqual([]);

    expect(await vote('ana', 'approve')).toContain(`approved release request ${id}`);
    await approval(id, (a) => a.votes.length === 1, 'the requester voted');
    await vote('bob', 'approve');
    await approval(id, (a) => a.votes.length === 2, 'bob voted');
    await vote('bob', 'approve');
    await approval(id, (a) => a.votes.length === 3, 'bob voted again');
    expect((await getApproval(db, app, environment, id))?.state).toBe('open');
    expect(await listReleases(db, app, environment)).toEqual([]);
    await expect(kube.apps.readNamespacedDeployment({ name: app, namespace: app })).rejects.toThrow();

    await vote('carol', 'approve');
    const released = await approval(id, (a) => a.state === 'released', 'released');
    expect(released.votes.map((v) => `${v.principal} ${v.counted ? 'counted' : v.why}`)).toEqual([
      'cli:ana self-approval',
      'cli:bob counted',
      'cli:bob repeat-vote',
      'cli:carol counted',
    ]);
    const [release] = await listReleases(db, app, environment, 1);
    expect(release).toMatchObject({ revision: released.revision, eventId: id, image: ref('1.0.0') });
    const deployment = await eventually('the Deployment on the cluster', () =>
      kube.apps.readNamespacedDeployment({ name: app, namespace: app }).catch(() => undefined),
    );
    expect(deployment.spec?.template.spec?.containers[0]?.image).toBe(ref('1.0.0'));

    const listed = await capstan('ana', 'approvals', app, '--env', environment, '--json');
    expect(listed, listed.stderr).toMatchObject({ code: 0 });
    const [view] = JSON.parse(listed.stdout) as ApprovalView[];
    expect(view).toMatchObject({ id, state: 'released', approvals: 2, required: 2, requester: 'cli ana' });
  });

  it('one reject ends another; no release is made', async () => {
    const id = await deploy('1.1.0');
    await approval(id, (a) => a.state === 'open', 'opened');
    await vote('bob', 'reject', '--reason', 'not during the freeze');
    const rejected = await approval(id, (a) => a.state === 'rejected', 'rejected');
    expect(rejected.votes).toMatchObject([
      { principal: 'cli:bob', decision: 'reject', comment: 'not during the freeze' },
    ]);
    const late = await capstan('carol', 'reject', app, '--env', environment);
    expect(late.code).not.toBe(0);
    expect(late.stderr).toContain('no open approval');
    expect(await listReleases(db, app, environment)).toHaveLength(1);
  });

  it('an approval nobody answers expires at dueAt (3 s)', async () => {
    await putApp(db, spec({ required: 2, expiry: 3 }), new Date());
    const id = await deploy('1.2.0');
    await approval(id, (a) => a.state === 'open', 'opened');
    await approval(id, (a) => a.state === 'expired', 'expired');
    const history = await eventually('the expiry in the history', async () =>
      (await queryHistory(db, { app })).find((e) => e.action === 'approval' && e.code === 'expired'),
    );
    expect(history.outcome).toBe('failed');
    const listed = await capstan('ana', 'approvals', app, '--env', environment);
    expect(listed.stdout).toMatch(new RegExp(`${id}\\s+${environment}\\s+expired`));
    expect(await listReleases(db, app, environment)).toHaveLength(1);
  });
});
