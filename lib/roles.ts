import { z } from 'zod';
import type { Requester } from '../events/requester.ts';

/**
 * Who may do what where (issue 13). Roles are per environment and granted to a person (their principal,
 * events/requester.ts `principalOf`) or to a chat user group; chat workspaces are allowed one by one (a
 * Slack Connect user from another company is refused); chat commands into an environment come only from its
 * allowed channels. Stored in the table (lib/store/access.ts), managed with `capstan access`.
 */
export const RoleSchema = z.enum(['request', 'approve', 'rollback', 'scale']);
export type Role = z.infer<typeof RoleSchema>;

/** What a role is granted to: one person or job, or every member of a chat user group. */
export const SubjectSchema = z.discriminatedUnion('kind', [
  /** `slack:T1/U1`, `mattermost:team/user`, `cli:alice`, `ci:github:<issuer>#<repositoryId>`. */
  z.strictObject({ kind: z.literal('principal'), principal: z.string().min(3).max(600) }),
  /** A Slack user group (`S…`) of one workspace. */
  z.strictObject({
    kind: z.literal('group'),
    chat: z.enum(['slack', 'mattermost']),
    workspace: z.string().min(1).max(64),
    group: z.string().min(1).max(64),
  }),
]);
export type Subject = z.infer<typeof SubjectSchema>;

export const subjectKey = (s: Subject): string =>
  s.kind === 'principal' ? s.principal : `group:${s.chat}:${s.workspace}/${s.group}`;

export const GrantSchema = z.strictObject({
  environment: z.string().min(1),
  role: RoleSchema,
  subject: SubjectSchema,
  grantedAt: z.iso.datetime({ offset: true }),
  grantedBy: z.string().min(1),
});
export type Grant = z.infer<typeof GrantSchema>;

export const WorkspaceSchema = z.strictObject({
  /** Teams (a tenant id) only reads: it has workspaces, but no channels, grants or requesters. */
  chat: z.enum(['slack', 'mattermost', 'teams']),
  workspace: z.string().min(1).max(64),
  /** For people to read. */
  name: z.string().max(128).optional(),
  allowedAt: z.iso.datetime({ offset: true }),
  allowedBy: z.string().min(1),
});
export type Workspace = z.infer<typeof WorkspaceSchema>;

export const ChannelSchema = z.strictObject({
  environment: z.string().min(1),
  chat: z.enum(['slack', 'mattermost']),
  workspace: z.string().min(1).max(64),
  channel: z.string().min(1).max(64),
  allowedAt: z.iso.datetime({ offset: true }),
  allowedBy: z.string().min(1),
});
export type Channel = z.infer<typeof ChannelSchema>;

/** Everything a decision about one environment reads, loaded once per request. */
export interface AccessSnapshot {
  readonly workspaces: readonly Workspace[];
  readonly grants: readonly Grant[];
  readonly channels: readonly Channel[];
}

export interface AccessQuery {
  readonly requester: Requester;
  readonly environment: string;
  readonly role: Role;
  /** The chat channel the command came from; none for CI, CLI and token requesters. */
  readonly channel?: string;
  /** The chat user groups the requester belongs to (resolved by the edge through the chat's API). */
  readonly groups?: readonly string[];
}

export type AccessRefusal = 'foreign-workspace' | 'channel-not-allowed' | 'forbidden';
export type AccessVerdict =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly code: AccessRefusal; readonly reason: string };

/** The port the edges and consumers ask (lib/access/decide.ts decides; the store loads the snapshot). */
export interface AccessPort {
  snapshot(environment: string): Promise<AccessSnapshot>;
}
