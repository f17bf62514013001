import { z } from 'zod';
import type { CiAllow } from '../../apps/chat-ops.ts';

/**
 * What a CI ID token says about its job, the same for both providers: GitHub Actions
 * (docs.github.com, "About security hardening with OpenID Connect") and GitLab CI (`id_tokens`, "OpenID
 * Connect (OIDC) Authentication Using ID Tokens"). Refs are full (`refs/heads/main`, `refs/tags/v1`) for
 * both: GitLab's `ref` is the bare name, and its `ref_type` says which.
 */
export interface CiIdentity {
  readonly provider: CiAllow['provider'];
  readonly issuer: string;
  readonly subject: string;
  readonly repository: string;
  readonly repositoryId: string;
  readonly ref: string;
  readonly refProtected: boolean;
  readonly environment?: string;
  readonly workflow?: string;
  readonly run?: string;
  /** Whether the job runs for a pull or merge request: such a job never releases. */
  readonly forChangeRequest: boolean;
}

/** Bounded as events/requester.ts bounds what they become. */
const claim = z.string().min(1).max(256);
const longClaim = z.string().min(1).max(512);
const runClaim = z.union([z.string().regex(/^\d{1,30}$/), z.int().nonnegative()]).transform(String);
const numericId = z.union([z.string().regex(/^\d{1,20}$/), z.int().nonnegative()]).transform(String);
const flag = z.union([z.literal('true'), z.literal('false'), z.boolean()]).transform((v) => v === true || v === 'true');

const GitHubClaims = z.object({
  iss: claim,
  sub: longClaim,
  repository: claim,
  repository_id: numericId,
  ref: claim,
  ref_protected: flag.optional(),
  event_name: claim,
  environment: claim.optional(),
  job_workflow_ref: longClaim.optional(),
  run_id: runClaim.optional(),
  run_attempt: runClaim.optional(),
});

const GitLabClaims = z.object({
  iss: claim,
  sub: longClaim,
  project_path: claim,
  project_id: numericId,
  ref: claim,
  ref_type: z.enum(['branch', 'tag']),
  ref_protected: flag.optional(),
  pipeline_source: claim,
  environment: claim.optional(),
  pipeline_id: runClaim.optional(),
});

/** GitHub's events of a pull request's code; `pull_request_target` runs the base's code, but for a PR. */
const GITHUB_CHANGE_EVENTS = new Set(['pull_request', 'pull_request_target', 'pull_request_review']);
/** GitLab's pipeline sources of a merge request or an external pull request. */
export const GITLAB_CHANGE_SOURCES = new Set(['merge_request_event', 'external_pull_request_event']);

const optional = <K extends string>(key: K, value: string | undefined) =>
  (value === undefined ? {} : { [key]: value }) as Partial<Record<K, string>>;

export type Identified =
  | { readonly ok: true; readonly identity: CiIdentity }
  | { readonly ok: false; readonly missing: string };

const missingOf = (error: z.ZodError) => error.issues.map((i) => i.path.join('.') || i.message).join(', ');

/** The job a verified token's claims describe, read as `provider` issues them. */
export const identityOf = (provider: CiAllow['provider'], claims: Record<string, unknown>): Identified => {
  if (provider === 'github') {
    const c = GitHubClaims.safeParse(claims);
    if (!c.success) return { ok: false, missing: missingOf(c.error) };
    const d = c.data;
    return {
      ok: true,
      identity: {
        provider,
        issuer: d.iss,
        subject: d.sub,
        repository: d.repository,
        repositoryId: d.repository_id,
        ref: d.ref,
        refProtected: d.ref_protected ?? false,
        ...optional('environment', d.environment),
        ...optional('workflow', d.job_workflow_ref),
        ...optional('run', d.run_id && (d.run_attempt ? `${d.run_id}/${d.run_attempt}` : d.run_id)),
        forChangeRequest: GITHUB_CHANGE_EVENTS.has(d.event_name),
      },
    };
  }
  const c = GitLabClaims.safeParse(claims);
  if (!c.success) return { ok: false, missing: missingOf(c.error) };
  const d = c.data;
  return {
    ok: true,
    identity: {
      provider,
      issuer: d.iss,
      subject: d.sub,
      repository: d.project_path,
      repositoryId: d.project_id,
      ref: `${d.ref_type === 'tag' ? 'refs/tags' : 'refs/heads'}/${d.ref}`,
      refProtected: d.ref_protected ?? false,
      ...optional('environment', d.environment),
      ...optional('run', d.pipeline_id),
      forChangeRequest: GITLAB_CHANGE_SOURCES.has(d.pipeline_source),
    },
  };
};
