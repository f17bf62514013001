import { describe, expect, it } from 'vitest';
import { type CiAllow, CiAllowSchema } from '../../lib/apps/chat-ops.ts';
import { admitCi } from '../../lib/ci/decisions/admit.ts';

const GH = 'https://token.actions.githubusercontent.com';
const GL = 'https://gitlab.example.com';

const github = (over: Record<string, unknown> = {}) => ({
  iss: GH,
  sub: 'repo:acme/shop:environment:production',
  aud: 'capstan',
  jti: 'j1',
  repository: 'acme/shop',
  repository_id: '4242',
  ref: 'refs/heads/main',
  ref_protected: 'true',
  event_name: 'push',
  environment: 'production',
  job_workflow_ref: 'acme/shop/.github/workflows/deploy.yml@refs/heads/main',
  run_id: '77',
  run_attempt: '2',
  ...over,
});

const gitlab = (over: Record<string, unknown> = {}) => ({
  iss: GL,
  sub: 'project_path:acme/shop:ref_type:branch:ref:main',
  aud: 'capstan',
  jti: 'j2',
  project_path: 'acme/shop',
  project_id: '99',
  ref: 'main',
  ref_type: 'branch',
  ref_protected: 'true',
  pipeline_source: 'push',
  pipeline_id: '1234',
  environment: 'production',
  ...over,
});

const allow = (a: Record<string, unknown>): CiAllow => CiAllowSchema.parse(a);
const ghMain = allow({ provider: 'github', issuer: GH, repositoryId: '4242', refs: ['refs/heads/main'] });
const ghStrict = allow({
  provider: 'github',
  issuer: GH,
  repositoryId: '4242',
  refs: ['refs/heads/main'],
  environment: 'production',
  workflow: 'acme/shop/.github/workflows/deploy.yml@refs/heads/main',
});
const glProtected = allow({ provider: 'gitlab', issuer: GL, repositoryId: '99', protectedRefs: true });

describe('admitCi: which CI job may request a release', () => {
  it.each([
    ['a GitHub push on the allowed ref', github(), [ghMain], 'ok'],
    ['with environment and workflow pinned', github(), [ghStrict], 'ok'],
    ['a repository renamed keeps its id', github({ repository: 'acme/renamed' }), [ghMain], 'ok'],
    ['another repository with the same name', github({ repository_id: '5555' }), [ghMain], 'other-repository'],
    ['another ref', github({ ref: 'refs/heads/feature' }), [ghMain], 'other-ref'],
    ['a tag that is not listed', github({ ref: 'refs/tags/v1' }), [ghMain], 'other-ref'],
    ['a pull request', github({ event_name: 'pull_request' }), [ghMain], 'pull-request'],
    ['pull_request_target too', github({ event_name: 'pull_request_target' }), [ghMain], 'pull-request'],
    ['another CI environment', github({ environment: 'staging' }), [ghStrict], 'other-environment'],
    ['no CI environment where one is pinned', github({ environment: undefined }), [ghStrict], 'other-environment'],
    [
      'another workflow',
      github({ job_workflow_ref: 'acme/shop/.github/workflows/other.yml@refs/heads/main' }),
      [ghStrict],
      'other-workflow',
    ],
    ['an issuer no entry names', github({ iss: 'https://evil.example.com' }), [ghMain], 'issuer-not-allowed'],
    ['a GitHub token without repository_id', github({ repository_id: undefined }), [ghMain], 'claims'],
    ['a GitLab protected branch', gitlab(), [glProtected], 'ok'],
    ['a GitLab protected tag', gitlab({ ref: 'v1', ref_type: 'tag' }), [glProtected], 'ok'],
    ['a GitLab unprotected ref', gitlab({ ref_protected: 'false' }), [glProtected], 'other-ref'],
    [
      'a GitLab merge request pipeline',
      gitlab({ pipeline_source: 'merge_request_event' }),
      [glProtected],
      'pull-request',
    ],
    [
      'a GitLab exact ref: the bare name is read as refs/heads/<name>',
      gitlab({ ref_protected: 'false' }),
      [allow({ provider: 'gitlab', issuer: GL, repositoryId: '99', refs: ['refs/heads/main'] })],
      'ok',
    ],
    ['a GitLab token at a GitHub entry of another issuer', gitlab(), [ghMain], 'issuer-not-allowed'],
    [
      'any of several entries may admit',
      github({ ref: 'refs/tags/v2' }),
      [ghMain, allow({ provider: 'github', issuer: GH, repositoryId: '4242', refs: ['refs/tags/v2'] })],
      'ok',
    ],
  ] as const)('%s', (_what, claims, allows, expected) => {
    const admitted = admitCi(claims as Record<string, unknown>, allows);
    expect(admitted.ok ? 'ok' : admitted.code).toBe(expected);
  });

  it('the requester is the job: repository by id, ref, workflow, run and subject', () => {
    const admitted = admitCi(github(), [ghStrict]);
    expect(admitted).toEqual({
      ok: true,
      requester: {
        kind: 'ci',
        provider: 'github',
        issuer: GH,
        repository: 'acme/shop',
        repositoryId: '4242',
        ref: 'refs/heads/main',
        workflow: 'acme/shop/.github/workflows/deploy.yml@refs/heads/main',
        run: '77/2',
        environment: 'production',
        subject: 'repo:acme/shop:environment:production',
      },
    });
  });

  it('a GitLab job is named by its project path and pipeline', () => {
    const admitted = admitCi(gitlab(), [glProtected]);
    expect(admitted).toMatchObject({
      ok: true,
      requester: {
        provider: 'gitlab',
        repository: 'acme/shop',
        repositoryId: '99',
        ref: 'refs/heads/main',
        run: '1234',
      },
    });
  });

  it('a refusal says what the job sent', () => {
    const admitted = admitCi(github({ ref: 'refs/heads/feature' }), [ghMain]);
    expect(admitted).toMatchObject({ ok: false, reason: expect.stringContaining('refs/heads/feature') });
  });
});

describe('CiAllowSchema: issuers capstan would fetch keys from', () => {
  it.each([
    [GH, true],
    ['http://127.0.0.1:8080', true],
    ['http://localhost:9000/issuer', true],
    ['http://gitlab.example.com', false],
    ['ftp://gitlab.example.com', false],
  ])('%s: %s', (issuer, ok) => {
    const parsed = CiAllowSchema.safeParse({
      provider: 'github',
      issuer,
      repositoryId: '1',
      refs: ['refs/heads/main'],
    });
    expect(parsed.success).toBe(ok);
  });
});
