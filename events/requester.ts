import { z } from 'zod';
import { text } from './fields.ts';

/**
 * Who asked for something (issue 13): a person in a chat workspace, a CI job proven by its OIDC token, an
 * operator at the CLI, or the anonymous holder of the ingest token. Set by the edge that authenticated the
 * caller, never taken from a body: the chat and OIDC routes will set it, and `/events` with the ingest token
 * refuses any but `cli` and `token` requesters and voters with a 403 (lib/ingest/accept.ts).
 */
const ChatPersonSchema = {
  /** Slack: `enterprise_id ?? team_id`; Mattermost: the team id. */
  workspace: text(64),
  user: text(64),
  /** The display name at the time: for people to read, never for a decision. */
  name: text(128).optional(),
};

export const RequesterSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('slack'), ...ChatPersonSchema }),
  z.strictObject({ kind: z.literal('mattermost'), ...ChatPersonSchema }),
  z.strictObject({
    kind: z.literal('ci'),
    provider: z.enum(['github', 'gitlab']),
    /** The token's `iss`, exactly. */
    issuer: text(256),
    /** `repository` (GitHub) or `project_path` (GitLab): for people; decisions use `repositoryId`. */
    repository: text(256),
    /** `repository_id` / `project_id`: immutable, unlike the path a rename changes. */
    repositoryId: text(32),
    ref: text(256),
    /** `job_workflow_ref` (GitHub); GitLab has none. */
    workflow: text(512).optional(),
    /** `run_id` (+ `run_attempt`) / `pipeline_id`. */
    run: text(64).optional(),
    environment: text(256).optional(),
    /** The token's `sub`; for a GitLab pipeline webhook (no token) the `sub` GitLab would give its jobs. */
    subject: text(512),
    /** Who ran the pipeline, from a GitLab pipeline webhook's `user.username`: for people, never for a decision. */
    user: text(128).optional(),
  }),
  /** An operator at `capstan` with table and ingest access: their local user name. */
  z.strictObject({ kind: z.literal('cli'), user: text(128) }),
  /** Whoever holds the ingest token (a script, an old CI job): anonymous. */
  z.strictObject({ kind: z.literal('token') }),
]);
export type Requester = z.infer<typeof RequesterSchema>;

/**
 * The one stable key of a person or job: what roles are granted to, what approvals count as distinct,
 * what the requester's own vote is compared with. Names never enter it.
 */
export const principalOf = (r: Requester): string => {
  switch (r.kind) {
    case 'slack':
    case 'mattermost':
      return `${r.kind}:${r.workspace}/${r.user}`;
    case 'ci':
      return `ci:${r.provider}:${r.issuer}#${r.repositoryId}`;
    case 'cli':
      return `cli:${r.user}`;
    case 'token':
      return 'token';
  }
};

/** For people: `@alice (slack T1/U1)`, `github acme/shop@refs/heads/main (run 42)`, `cli alice`. */
export const requesterText = (r: Requester): string => {
  switch (r.kind) {
    case 'slack':
    case 'mattermost':
      return `${r.name ? `@${r.name} ` : ''}(${r.kind} ${r.workspace}/${r.user})`;
    case 'ci':
      return `${r.provider} ${r.repository}@${r.ref}${r.run ? ` (run ${r.run}${r.user ? ` by ${r.user}` : ''})` : ''}`;
    case 'cli':
      return `cli ${r.user}`;
    case 'token':
      return 'ingest token';
  }
};
