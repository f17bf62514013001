import { randomUUID } from 'node:crypto';

/** A GitLab job as a Pipeline Hook lists it in `builds[]` (docs.gitlab.com, "Webhook events", Pipeline events). */
export interface HookBuild {
  readonly id: number;
  readonly stage: string;
  readonly name: string;
  readonly status: string;
  /** A deployment job's `environment`; GitLab sends null for other jobs. */
  readonly environment?: { readonly name: string; readonly action: string; readonly deployment_tier: string } | null;
}

export interface PipelineHookOptions {
  readonly projectId: number;
  readonly webUrl: string;
  readonly path: string;
  readonly pipelineId?: number;
  readonly ref?: string;
  readonly tag?: boolean;
  readonly sha?: string;
  readonly status?: string;
  readonly source?: string;
  readonly variables?: readonly { key: string; value: string }[];
  readonly builds?: readonly HookBuild[];
  readonly username?: string;
}

const user = (username: string) => ({
  id: 42,
  name: 'User1',
  username,
  avatar_url: 'http://www.gravatar.com/avatar/e32bd13e2add097461cb96824b7a829c?s=80&d=identicon',
  email: `${username}@example.com`,
});

/** A successful deploy job into `environment`, as GitLab lists one (`environment: {name, action, deployment_tier}`). */
export const deployJob = (environment: string, over: Partial<HookBuild> = {}): HookBuild => ({
  id: 380,
  stage: 'deploy',
  name: `deploy-${environment}`,
  status: 'success',
  environment: {
    name: environment,
    action: 'start',
    deployment_tier: environment === 'production' ? 'production' : 'staging',
  },
  ...over,
});

export const testJob = (over: Partial<HookBuild> = {}): HookBuild => ({
  id: 377,
  stage: 'test',
  name: 'test-image',
  status: 'success',
  environment: null,
  ...over,
});

/**
 * A Pipeline Hook body laid out as GitLab documents it: `object_kind`, `object_attributes` (the pipeline),
 * `merge_request` (null outside merge request pipelines), `user`, `project`, `commit`, `builds`.
 */
export const pipelineHook = (o: PipelineHookOptions): Record<string, unknown> => {
  const sha = o.sha ?? 'bcbb5ec396a2c0f828686f14fac9b80b780504f2';
  const host = new URL(o.webUrl).host;
  const username = o.username ?? 'user1';
  return {
    object_kind: 'pipeline',
    object_attributes: {
      id: o.pipelineId ?? 31,
      iid: 3,
      name: 'Pipeline for branch: main',
      ref: o.ref ?? 'main',
      tag: o.tag ?? false,
      sha,
      before_sha: sha,
      source: o.source ?? 'push',
      status: o.status ?? 'success',
      detailed_status: o.status === 'success' || o.status === undefined ? 'passed' : o.status,
      stages: ['build', 'test', 'deploy'],
      created_at: '2016-08-12 15:23:28 UTC',
      finished_at: '2016-08-12 15:26:29 UTC',
      duration: 63,
      queued_duration: 12,
      variables: o.variables ?? [],
      url: `${o.webUrl}/-/pipelines/${o.pipelineId ?? 31}`,
    },
    merge_request: null,
    user: user(username),
    project: {
      id: o.projectId,
      name: o.path.split('/').pop(),
      description: '',
      web_url: o.webUrl,
      avatar_url: null,
      git_ssh_url: `git@${host}:${o.path}.git`,
      git_http_url: `${o.webUrl}.git`,
      namespace: o.path.split('/')[0],
      visibility_level: 20,
      path_with_namespace: o.path,
      default_branch: 'main',
    },
    commit: {
      id: sha,
      message: 'test\n',
      timestamp: '2016-08-12T17:23:21+02:00',
      url: `${o.webUrl}/-/commit/${sha}`,
      author: { name: 'User', email: 'user@gitlab.com' },
    },
    builds: (o.builds ?? [testJob(), deployJob('staging')]).map((b) => ({
      id: b.id,
      stage: b.stage,
      name: b.name,
      status: b.status,
      created_at: '2016-08-12 15:23:28 UTC',
      started_at: '2016-08-12 15:26:12 UTC',
      finished_at: '2016-08-12 15:26:29 UTC',
      duration: 17,
      queued_duration: 3,
      failure_reason: null,
      when: 'on_success',
      manual: false,
      allow_failure: false,
      user: user(username),
      runner: {
        id: 380987,
        description: 'shared-runners-manager-6.gitlab.com',
        active: true,
        runner_type: 'instance_type',
        is_shared: true,
        tags: [],
      },
      artifacts_file: { filename: null, size: null },
      environment: b.environment ?? null,
    })),
  };
};

/** The headers GitLab sends with a project webhook delivery (docs.gitlab.com, "Webhooks", Delivery headers). */
export const gitlabHeaders = (
  token: string | undefined,
  o: { event?: string; instance?: string; idempotencyKey?: string } = {},
): Record<string, string> => ({
  'content-type': 'application/json',
  'user-agent': 'GitLab/17.9.0',
  'x-gitlab-event': o.event ?? 'Pipeline Hook',
  'x-gitlab-instance': o.instance ?? 'https://gitlab.example.com',
  'x-gitlab-webhook-uuid': randomUUID(),
  'x-gitlab-event-uuid': randomUUID(),
  'idempotency-key': o.idempotencyKey ?? randomUUID(),
  ...(token === undefined ? {} : { 'x-gitlab-token': token }),
});
