import { describe, expect, it } from 'vitest';
import { type AppSpec, AppSpecSchema } from '../../lib/apps/spec.ts';
import { decidePipeline, PIPELINE_REASONS } from '../../lib/ci/decisions/pipeline.ts';
import { type PipelineHook, PipelineHookSchema } from '../../lib/ci/pipeline-hook.ts';
import { deployJob, type PipelineHookOptions, pipelineHook, testJob } from '../support/gitlab.ts';

const GL = 'https://gitlab.example.com';
const PROJECT = { projectId: 99, webUrl: `${GL}/acme/shop`, path: 'acme/shop' };
const SHA = 'bcbb5ec396a2c0f828686f14fac9b80b780504f2';

const app = (name: string, environments: Record<string, unknown>): AppSpec =>
  AppSpecSchema.parse({
    name,
    namespace: name,
    containers: [
      { name: 'web', repository: `registry.example.com/acme/${name}`, limits: { cpu: '100m', memory: '32Mi' } },
    ],
    environments,
  });
const gitlabCi = (over: Record<string, unknown> = {}) => ({
  provider: 'gitlab',
  issuer: GL,
  repositoryId: '99',
  refs: ['refs/heads/main', 'refs/tags/v1.2.0'],
  ...over,
});
const shop = app('shop', {
  staging: { ci: [gitlabCi()] },
  production: { ci: [gitlabCi({ refs: ['refs/tags/v1.2.0'] })] },
});

const hook = (o: Partial<PipelineHookOptions> = {}): PipelineHook =>
  PipelineHookSchema.parse(pipelineHook({ ...PROJECT, ...o }));

describe('decidePipeline: what a GitLab Pipeline Hook releases', () => {
  it('a successful pipeline on main with a deploy job to staging releases shop in staging, at the commit', () => {
    const v = decidePipeline(hook(), [shop]);
    expect(v).toEqual({
      outcome: 'requests',
      skipped: [],
      requests: [
        {
          app: 'shop',
          environment: 'staging',
          image: `registry.example.com/acme/shop:${SHA}`,
          job: '380',
          issuer: GL,
          requester: {
            kind: 'ci',
            provider: 'gitlab',
            issuer: GL,
            repository: 'acme/shop',
            repositoryId: '99',
            ref: 'refs/heads/main',
            run: '31',
            environment: 'staging',
            subject: 'project_path:acme/shop:ref_type:branch:ref:main',
            user: 'user1',
          },
        },
      ],
    });
  });

  it.each([
    ['running', { status: 'running' }, 'not-succeeded'],
    ['failed', { status: 'failed' }, 'not-succeeded'],
    ['a merge request pipeline', { source: 'merge_request_event' }, 'change-request'],
    ['no deploy job', { builds: [testJob()] }, 'no-deploy-job'],
    ['a deploy job still manual', { builds: [deployJob('staging', { status: 'manual' })] }, 'no-deploy-job'],
    [
      'a job that stops the environment',
      {
        builds: [
          deployJob('staging', { environment: { name: 'staging', action: 'stop', deployment_tier: 'staging' } }),
        ],
      },
      'no-deploy-job',
    ],
    ['another project id', { projectId: 7 }, 'not-allowed'],
    ['the same id on another instance', { webUrl: 'https://gitlab.com/acme/shop' }, 'not-allowed'],
    [
      'an instance whose name extends the issuer',
      { webUrl: 'https://gitlab.example.com.evil.io/acme/shop' },
      'not-allowed',
    ],
    ['a deploy job to an environment no entry names', { builds: [deployJob('review/x')] }, 'not-allowed'],
  ] as const)('%s: ignored as %s, nothing requested', (_what, over, code) => {
    const v = decidePipeline(hook(over as Partial<PipelineHookOptions>), [shop]);
    expect(v).toMatchObject({
      outcome: 'ignored',
      skip: { code, reason: expect.stringContaining(PIPELINE_REASONS[code]) },
    });
  });

  it.each([
    ['another branch', { ref: 'feature' }, 'other-ref', 'refs/heads/feature'],
    ['a branch named like the allowed tag', { ref: 'v1.2.0' }, 'other-ref', 'refs/heads/v1.2.0'],
  ] as const)('%s: skipped as %s', (_what, over, code, ref) => {
    const v = decidePipeline(hook(over), [shop]);
    expect(v).toEqual({
      outcome: 'requests',
      requests: [],
      skipped: [{ code, reason: `${PIPELINE_REASONS[code]}: ${ref}`, app: 'shop', environment: 'staging' }],
    });
  });

  it('an entry allowing only protected refs cannot be honoured from a webhook, and says so', () => {
    const only = app('only', { staging: { ci: [gitlabCi({ refs: [], protectedRefs: true })] } });
    expect(decidePipeline(hook(), [only])).toMatchObject({
      outcome: 'requests',
      requests: [],
      skipped: [{ code: 'protected-ref-unknown', app: 'only' }],
    });
  });

  it('a tag pipeline releases the git tag; deploy jobs to both environments release both', () => {
    const v = decidePipeline(
      hook({ ref: 'v1.2.0', tag: true, builds: [deployJob('staging'), deployJob('production', { id: 381 })] }),
      [shop],
    );
    expect(v.outcome === 'requests' && v.requests.map((r) => [r.environment, r.image, r.job, r.requester])).toEqual([
      ['staging', 'registry.example.com/acme/shop:v1.2.0', '380', expect.objectContaining({ ref: 'refs/tags/v1.2.0' })],
      [
        'production',
        'registry.example.com/acme/shop:v1.2.0',
        '381',
        expect.objectContaining({ environment: 'production' }),
      ],
    ]);
  });

  it.each([
    [
      'CAPSTAN_IMAGE names the whole reference',
      [{ key: 'CAPSTAN_IMAGE', value: `ghcr.io/acme/shop:9@sha256:${'a'.repeat(64)}` }],
      `ghcr.io/acme/shop:9@sha256:${'a'.repeat(64)}`,
    ],
    [
      'CAPSTAN_TAG a tag of the first container',
      [{ key: 'CAPSTAN_TAG', value: '2.0.1' }],
      'registry.example.com/acme/shop:2.0.1',
    ],
    [
      'CAPSTAN_IMAGE wins over CAPSTAN_TAG',
      [
        { key: 'CAPSTAN_TAG', value: '2' },
        { key: 'CAPSTAN_IMAGE', value: 'acme/x:1' },
      ],
      'acme/x:1',
    ],
    [
      'other variables change nothing',
      [{ key: 'DEPLOY_REGION', value: 'us-west-1' }],
      `registry.example.com/acme/shop:${SHA}`,
    ],
  ])('%s', (_what, variables, image) => {
    const v = decidePipeline(hook({ variables }), [shop]);
    expect(v.outcome === 'requests' && v.requests[0]?.image).toBe(image);
  });

  it('an image that is no reference is skipped as bad-image', () => {
    const v = decidePipeline(hook({ variables: [{ key: 'CAPSTAN_TAG', value: 'not a tag' }] }), [shop]);
    expect(v).toMatchObject({ outcome: 'requests', requests: [], skipped: [{ code: 'bad-image' }] });
  });

  it("an entry's `environment` names the GitLab environment of the deploy job for that capstan environment", () => {
    const mapped = app('mapped', { production: { ci: [gitlabCi({ environment: 'prod-eu' })] } });
    expect(decidePipeline(hook({ builds: [deployJob('production')] }), [mapped])).toMatchObject({ outcome: 'ignored' });
    const v = decidePipeline(hook({ builds: [deployJob('prod-eu')] }), [mapped]);
    expect(v).toMatchObject({ outcome: 'requests', requests: [{ app: 'mapped', environment: 'production' }] });
  });

  it('the newest successful deploy job of an environment is the one (a retried job is a new request)', () => {
    const v = decidePipeline(
      hook({ builds: [deployJob('staging', { id: 999 }), deployJob('staging', { id: 1000 })] }),
      [shop],
    );
    expect(v.outcome === 'requests' && v.requests.map((r) => r.job)).toEqual(['1000']);
  });

  it('an issuer under a relative URL root matches the projects it serves', () => {
    const rooted = app('rooted', { staging: { ci: [gitlabCi({ issuer: 'https://example.com/gitlab' })] } });
    const v = decidePipeline(hook({ webUrl: 'https://example.com/gitlab/acme/shop' }), [rooted]);
    expect(v).toMatchObject({ outcome: 'requests', requests: [{ app: 'rooted' }] });
  });

  it('github entries and apps the project does not concern are passed over', () => {
    const gh = app('gh', {
      staging: { ci: [{ provider: 'github', issuer: GL, repositoryId: '99', refs: ['refs/heads/main'] }] },
    });
    const none = app('none', { staging: {} });
    const v = decidePipeline(hook(), [gh, none, shop]);
    expect(v).toMatchObject({ outcome: 'requests', requests: [{ app: 'shop' }], skipped: [] });
  });
});

describe('PipelineHookSchema', () => {
  it('reads the documented body and refuses what is not a pipeline', () => {
    expect(PipelineHookSchema.safeParse(pipelineHook(PROJECT)).success).toBe(true);
    expect(PipelineHookSchema.safeParse({ ...pipelineHook(PROJECT), object_kind: 'build' }).success).toBe(false);
    const noSha = pipelineHook(PROJECT);
    (noSha.object_attributes as Record<string, unknown>).sha = 'main';
    expect(PipelineHookSchema.safeParse(noSha).success).toBe(false);
  });
});
