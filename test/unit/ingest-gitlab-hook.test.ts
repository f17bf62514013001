import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { CapstanEvent } from '../../events/index.ts';
import { AppSpecSchema } from '../../lib/apps/spec.ts';
import { acceptGitLabHook } from '../../lib/ingest/gitlab-hook.ts';
import { gitlabHookToken, kubernetesHookToken } from '../../lib/ingest/hook-secret.ts';
import { destinationOf } from '../../lib/queue/send.ts';
import { deployJob, gitlabHeaders, type PipelineHookOptions, pipelineHook, testJob } from '../support/gitlab.ts';

const INGEST = 'k3XbV9qLw2Rr7TzN4pYd-ingest-token';
const GL = 'https://gitlab.example.com';
const PROJECT = { projectId: 99, webUrl: `${GL}/acme/shop`, path: 'acme/shop' };
const TOKEN = gitlabHookToken(INGEST, '99');
const shop = AppSpecSchema.parse({
  name: 'shop',
  namespace: 'shop',
  containers: [{ name: 'web', repository: 'registry.example.com/acme/shop', limits: { cpu: '100m', memory: '32Mi' } }],
  environments: {
    staging: { ci: [{ provider: 'gitlab', issuer: GL, repositoryId: '99', refs: ['refs/heads/main'] }] },
  },
});

const post = async (
  o: { project?: string; body?: string; headers?: Record<string, string>; hook?: Partial<PipelineHookOptions> } = {},
) => {
  const sent: CapstanEvent[] = [];
  const answer = await acceptGitLabHook(
    {
      rawBody: o.body ?? JSON.stringify(pipelineHook({ ...PROJECT, ...o.hook })),
      headers: o.headers ?? gitlabHeaders(TOKEN),
      project: o.project ?? '99',
    },
    INGEST,
    { apps: async () => [shop], enqueue: async (e) => void sent.push(e), now: () => new Date('2026-12-04T03:00:00Z') },
  );
  return { ...answer, sent };
};

describe("GitLab's webhook token", () => {
  it("is one project's own: derived from the ingest token and the project id, unlike any other route's", () => {
    expect(gitlabHookToken(INGEST, '99')).toBe(gitlabHookToken(INGEST, '99'));
    expect(gitlabHookToken(INGEST, '99')).not.toBe(gitlabHookToken(INGEST, '9'));
    expect(gitlabHookToken(INGEST, '99')).not.toBe(gitlabHookToken('another-ingest-token-of-24', '99'));
    expect(gitlabHookToken(INGEST, '99')).not.toBe(kubernetesHookToken(INGEST, '99'));
  });

  it.each([
    ['no X-Gitlab-Token', gitlabHeaders(undefined), 'missing X-Gitlab-Token'],
    ['an empty one', gitlabHeaders(''), 'missing X-Gitlab-Token'],
    ['another project’s token', gitlabHeaders(gitlabHookToken(INGEST, '7')), 'invalid X-Gitlab-Token'],
    ['the ingest token itself', gitlabHeaders(INGEST), 'invalid X-Gitlab-Token'],
    ['a prefix of the token', gitlabHeaders(TOKEN.slice(0, 20)), 'invalid X-Gitlab-Token'],
  ])('%s: 401 before the body is read, nothing enqueued', async (_what, headers, reason) => {
    const answer = await post({ headers, body: 'not even json' });
    expect(answer).toMatchObject({ status: 401, body: { error: 'unauthorized', reason }, sent: [] });
    expect(JSON.stringify(answer.body)).not.toContain(TOKEN);
  });

  it.each(['', 'abc', '99/1', '-1', '1'.repeat(21)])('a path project %j is refused: 400', async (project) => {
    expect(await post({ project })).toMatchObject({ status: 400, body: { error: 'invalid-project' }, sent: [] });
  });
});

describe('POST /hooks/gitlab/<project>', () => {
  it('a successful pipeline with a deploy job: 202, one deploy request on the deploy queue, the pipeline its requester', async () => {
    const answer = await post();
    expect(answer.status).toBe(202);
    expect(answer.sent).toHaveLength(1);
    const [event] = answer.sent;
    expect(event && destinationOf('ingest', event)).toMatchObject({ queue: 'deploy', groupId: expect.any(String) });
    expect(event).toMatchObject({
      type: 'deploy.requested',
      source: 'capstan/ci/gitlab',
      subject: 'shop/staging',
      data: {
        app: 'shop',
        environment: 'staging',
        image: 'registry.example.com/acme/shop:bcbb5ec396a2c0f828686f14fac9b80b780504f2',
        requestedBy: 'gitlab acme/shop@refs/heads/main (run 31 by user1)',
        requester: { kind: 'ci', provider: 'gitlab', repositoryId: '99', run: '31', user: 'user1' },
      },
    });
    expect(answer.body).toMatchObject({ accepted: [event?.id], ignored: [] });
  });

  it("GitLab's retry (same Idempotency-Key), a redelivery and the pipeline's next hook carry the same event id", async () => {
    const key = '908a6d9e-45fd-46c8-97e6-c4f350f219dd';
    const first = await post({ headers: gitlabHeaders(TOKEN, { idempotencyKey: key }) });
    const retry = await post({ headers: gitlabHeaders(TOKEN, { idempotencyKey: key }) });
    const another = await post({ headers: gitlabHeaders(TOKEN) });
    expect(retry.sent[0]?.id).toBe(first.sent[0]?.id);
    expect(another.sent[0]?.id).toBe(first.sent[0]?.id);
    // A retried deploy job is a new job id: a new request.
    const rerun = await post({ hook: { builds: [testJob(), deployJob('staging', { id: 512 })] } });
    expect(rerun.sent[0]?.id).not.toBe(first.sent[0]?.id);
  });

  it.each([
    ['Job Hook', 'other-event'],
    ['Push Hook', 'other-event'],
  ])('a %s is answered 200 ignored (GitLab disables hooks that keep failing)', async (event, code) => {
    const answer = await post({ headers: gitlabHeaders(TOKEN, { event }) });
    expect(answer).toMatchObject({ status: 200, body: { accepted: [], ignored: [{ code }] }, sent: [] });
  });

  it.each([
    ['running', { status: 'running' }, 'not-succeeded'],
    ['without a deploy job', { builds: [testJob()] }, 'no-deploy-job'],
    ['of a project no app allows', { projectId: 99, webUrl: 'https://gitlab.com/acme/shop' }, 'not-allowed'],
    ['on another ref', { ref: 'feature' }, 'other-ref'],
  ] as const)('a pipeline %s: 200 ignored with its code, nothing enqueued', async (_what, hook, code) => {
    const answer = await post({ hook });
    expect(answer).toMatchObject({ status: 200, body: { accepted: [], ignored: [{ code }] }, sent: [] });
  });

  it.each([
    ['not JSON', 400, 'invalid-payload', '{"object_kind":'],
    ['not a pipeline', 400, 'invalid-payload', JSON.stringify({ object_kind: 'build' })],
    [
      'of another project than the path',
      403,
      'other-project',
      JSON.stringify(pipelineHook({ ...PROJECT, projectId: 7 })),
    ],
  ])('a body %s: %i %s, nothing enqueued', async (_what, status, error, body) => {
    expect(await post({ body })).toMatchObject({ status, body: { error }, sent: [] });
  });
});

describe('capstan hooks --gitlab-project', () => {
  const bin = join(import.meta.dirname, '../../lib/cli/bin.js');
  const hooks = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await promisify(execFile)('node', [bin, 'hooks', ...args], {
        env: { ...process.env, CAPSTAN_STATE: '/nonexistent', CAPSTAN_INGEST_TOKEN: INGEST, CAPSTAN_TABLE: '' },
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  it("prints the project's URL and its own secret token, which the route then takes", async () => {
    const { code, stdout } = await hooks('--url', 'https://api.example.com/', '--gitlab-project', '99', '--json');
    expect(code).toBe(0);
    const rows = JSON.parse(stdout);
    expect(rows).toEqual([
      expect.objectContaining({
        producer: 'gitlab',
        project: '99',
        url: 'https://api.example.com/hooks/gitlab/99',
        field: 'Secret token',
        value: TOKEN,
      }),
    ]);
    expect(stdout).not.toContain(INGEST);
    expect((await post({ headers: gitlabHeaders(rows[0].value) })).status).toBe(202);
    const text = await hooks('--url', 'https://api.example.com', '--gitlab-project', '99');
    expect(text.stdout).toContain('Pipeline events');
    expect(text.stdout).not.toContain('/hooks/distribution');
  });

  it('a path instead of the numeric id is refused, and without it the output says how to ask', async () => {
    const bad = await hooks('--url', 'https://api.example.com', '--gitlab-project', 'acme/shop');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('numeric project ID');
    expect((await hooks('--url', 'https://api.example.com')).stdout).toContain('capstan hooks --gitlab-project <id>');
  });
});
