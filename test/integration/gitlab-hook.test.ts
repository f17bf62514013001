import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppSpecSchema } from '../../lib/apps/spec.ts';
import { gitlabHookToken } from '../../lib/ingest/hook-secret.ts';
import type { Runtime } from '../../lib/runtime/up.ts';
import { putApp } from '../../lib/store/apps.ts';
import { createDb, type Db } from '../../lib/store/db.ts';
import { listReleases } from '../../lib/store/releases.ts';
import { uniqueName } from '../support/aws.ts';
import { capstanOn, neverReleased, releasedBy, removeNamespaces } from '../support/ci-release.ts';
import { deployJob, gitlabHeaders, type PipelineHookOptions, pipelineHook, testJob } from '../support/gitlab.ts';
import { digestOf } from '../support/registry.ts';
import { startTestRuntime } from '../support/runtime.ts';

// Issue 13's GitLab pipeline webhooks on real parts: Pipeline Hook bodies and headers as GitLab documents
// them, POSTed to the ingest function of a real runtime (its exact grants, DynamoDB Local, ElasticMQ, the
// run's two clusters). The allowed project's successful deploy job releases, and capstan's CLI names the
// pipeline; every other delivery is answered with its reason and enqueues nothing.
const environment = 'staging';
const REGISTRY = 'registry.local:5000';
const GL = 'https://gitlab.example.com';
const app = uniqueName('glhook');
const PROJECT_ID = 278964;
const PROJECT = { projectId: PROJECT_ID, webUrl: `${GL}/acme/${app}`, path: `acme/${app}` };
const image = (tag: string) => `${REGISTRY}/acme/${app}:${tag}@${digestOf(`${app}:${tag}`)}`;
let runtime: Runtime;
let db: Db;
let token: string;
let pipeline = 100;

const deliver = async (
  hook: Partial<PipelineHookOptions>,
  o: { project?: number; headers?: Record<string, string>; body?: Record<string, unknown> } = {},
) => {
  const response = await fetch(`${runtime.state.httpUrl}/hooks/gitlab/${o.project ?? PROJECT_ID}`, {
    method: 'POST',
    headers: o.headers ?? gitlabHeaders(token),
    body: JSON.stringify(o.body ?? pipelineHook({ ...PROJECT, pipelineId: ++pipeline, ...hook })),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

beforeAll(async () => {
  runtime = await startTestRuntime('gitlab-hook');
  db = createDb(runtime.state.table);
  token = gitlabHookToken(runtime.state.ingestToken, String(PROJECT_ID));
  await putApp(
    db,
    AppSpecSchema.parse({
      name: app,
      namespace: app,
      containers: [{ name: 'web', repository: `${REGISTRY}/acme/${app}`, limits: { cpu: '100m', memory: '32Mi' } }],
      environments: {
        [environment]: {
          ci: [{ provider: 'gitlab', issuer: GL, repositoryId: String(PROJECT_ID), refs: ['refs/heads/main'] }],
        },
      },
    }),
    new Date(),
  );
});
afterAll(async () => {
  await removeNamespaces(app);
  await runtime?.stop();
});

describe('POST /hooks/gitlab/{project} with a GitLab Pipeline Hook', () => {
  it("the allowed project's successful deploy job releases to every cluster; a redelivery makes no second release", async () => {
    const body = pipelineHook({
      ...PROJECT,
      pipelineId: 4242,
      variables: [{ key: 'CAPSTAN_IMAGE', value: image('1.0.0') }],
      builds: [testJob(), deployJob(environment, { id: 9001 })],
    });
    const headers = gitlabHeaders(token, { idempotencyKey: '908a6d9e-45fd-46c8-97e6-c4f350f219dd' });
    const answer = await deliver({}, { body, headers });
    expect(answer).toMatchObject({
      status: 202,
      body: { requests: [{ app, environment, image: image('1.0.0') }], ignored: [] },
    });
    const requester = `gitlab acme/${app}@refs/heads/main (run 4242 by user1)`;
    expect(answer.body.requests).toEqual([expect.objectContaining({ requester })]);

    // The release, its history and what capstan's own CLI shows all name the pipeline.
    const release = await releasedBy(db, runtime.state.table, { app, environment }, requester);
    expect(release.requester).toEqual({
      kind: 'ci',
      provider: 'gitlab',
      issuer: GL,
      repository: `acme/${app}`,
      repositoryId: String(PROJECT_ID),
      ref: 'refs/heads/main',
      run: '4242',
      environment,
      subject: `project_path:acme/${app}:ref_type:branch:ref:main`,
      user: 'user1',
    });

    // GitLab's retry (same Idempotency-Key) and a manual "Resend request": the same event, one release.
    const again = await deliver({}, { body, headers });
    const resent = await deliver({}, { body, headers: gitlabHeaders(token) });
    expect(again.body.accepted).toEqual(answer.body.accepted);
    expect(resent.body.accepted).toEqual(answer.body.accepted);
    await new Promise((r) => setTimeout(r, 3000));
    const releases = await listReleases(db, app, environment);
    expect(releases.filter((r) => JSON.stringify(r).includes(image('1.0.0')))).toHaveLength(1);
  });

  type Case = { headers?: () => Record<string, string>; project?: number; hook?: Partial<PipelineHookOptions> };
  it.each<[string, number, string, Case]>([
    [
      'a wrong token',
      401,
      'unauthorized',
      { headers: () => gitlabHeaders(gitlabHookToken('another-ingest-token', '1')) },
    ],
    ['no token', 401, 'unauthorized', { headers: () => gitlabHeaders(undefined) }],
    [
      "another project in the path than in the body (with the path's token)",
      403,
      'other-project',
      { project: 7, headers: () => gitlabHeaders(gitlabHookToken(runtime.state.ingestToken, '7')) },
    ],
    ['a running pipeline', 200, 'not-succeeded', { hook: { status: 'running' } }],
    ['a pipeline without a deploy job', 200, 'no-deploy-job', { hook: { builds: [testJob()] } }],
    ['another ref', 200, 'other-ref', { hook: { ref: 'feature' } }],
    [
      'a project no app allows (same id, another instance)',
      200,
      'not-allowed',
      { hook: { webUrl: 'https://gitlab.com/acme/x' } },
    ],
    ['a Job Hook', 200, 'other-event', { headers: () => gitlabHeaders(token, { event: 'Job Hook' }) }],
  ])('%s: %i %s, nothing enqueued', async (_what, status, code, c) => {
    const before = (await listReleases(db, app, environment)).length;
    const variables = [{ key: 'CAPSTAN_IMAGE', value: image('9.9.9') }];
    const answer = await deliver(
      { variables, ...c.hook },
      { headers: c.headers?.() ?? gitlabHeaders(token), ...(c.project ? { project: c.project } : {}) },
    );
    expect(answer.status).toBe(status);
    if (status === 200)
      expect(answer.body).toMatchObject({ accepted: [], ignored: [{ code, reason: expect.any(String) }] });
    else expect(answer.body).toMatchObject({ error: code, reason: expect.any(String) });
    expect((await listReleases(db, app, environment)).length).toBe(before);
  });

  it("capstan hooks, with the table, prints the webhook of every project the apps' ci entries name", async () => {
    const hooks = capstanOn(runtime.state.table, { CAPSTAN_INGEST_TOKEN: runtime.state.ingestToken });
    const rows = JSON.parse(await hooks('hooks', '--url', runtime.state.httpUrl, '--json')) as Record<
      string,
      unknown
    >[];
    expect(rows.filter((r) => r.producer === 'gitlab' && r.project === String(PROJECT_ID))).toEqual([
      expect.objectContaining({ url: `${runtime.state.httpUrl}/hooks/gitlab/${PROJECT_ID}`, value: token }),
    ]);
  });

  it('no refused delivery reached the deploy consumer: no release or history entry of 9.9.9, seconds later', () =>
    neverReleased(db, { app, environment }, ':9.9.9'));
});
