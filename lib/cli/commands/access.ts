import { NameSchema } from '../../../events/envelope.ts';
import { decideAccess } from '../../access/decide.ts';
import { isChatId, parsePrincipal, parseSubject, subjectText } from '../../access/syntax.ts';
import { InvalidInputError } from '../../errors.ts';
import { type Channel, type Role, RoleSchema, type Workspace } from '../../roles.ts';
import {
  type AccessWrite,
  accessSnapshot,
  allowChannel,
  allowWorkspace,
  listAccess,
  putGrant,
  revokeChannel,
  revokeGrant,
  revokeWorkspace,
} from '../../store/access.ts';
import type { Db } from '../../store/db.ts';
import { actor } from '../actor.ts';
import { openDb } from '../connect.ts';
import { renderAccess } from '../render/access.ts';

type Out = (line: string) => void;
type Json = { readonly json?: boolean };

/** The chats people act from (channels, groups); Teams only reads, so only its tenants are let in. */
const CHATS = ['slack', 'mattermost'] as const;
type Chat = (typeof CHATS)[number];
const WORKSPACE_CHATS = [...CHATS, 'teams'] as const;

/** Every argument checked before the table is opened: a refusal names each bad one and the syntax (exit 2). */
const check = (what: string, issues: readonly (string | false)[]) => {
  const found = issues.filter((i): i is string => i !== false);
  if (found.length) throw new InvalidInputError(`cannot ${what}`, found);
};
const badEnv = (env: string) => !NameSchema.safeParse(env).success && `environment "${env}" must be a DNS-1123 label`;
const badRole = (role: string) =>
  !RoleSchema.safeParse(role).success && `role "${role}" is not one of ${RoleSchema.options.join(', ')}`;
const badChat = (chat: string, chats: readonly string[] = CHATS) =>
  !chats.includes(chat) && `chat "${chat}" is not one of ${chats.join(', ')}`;
const badId = (what: string, id: string) =>
  !isChatId(id) && `${what} "${id}" must be 1-64 letters, digits, '.', '_' or '-' (the chat's id, e.g. T0123)`;

const withDb = async <T>(act: (db: Db) => Promise<T>): Promise<T> => {
  const { db, close } = await openDb();
  try {
    return await act(db);
  } finally {
    close();
  }
};

const wrote = <T extends { readonly allowedAt?: string; readonly grantedAt?: string }>(
  result: AccessWrite<T>,
  done: string,
  o: Json,
  out: Out,
) => {
  if (o.json) return out(JSON.stringify(result, null, 2));
  const { item } = result;
  const by = 'allowedBy' in item ? item.allowedBy : 'grantedBy' in item ? item.grantedBy : '';
  out(
    result.outcome === 'created'
      ? done
      : `${done} already (by ${by} at ${item.allowedAt ?? item.grantedAt}): unchanged`,
  );
};

const removed = (gone: boolean, what: string, o: Json, out: Out) =>
  out(
    o.json
      ? JSON.stringify({ outcome: gone ? 'deleted' : 'absent' })
      : gone
        ? `revoked ${what}`
        : `nothing to revoke: ${what}`,
  );

/** `capstan access workspace allow <chat> <workspace> [--name]`: people of this workspace may be let in. */
export const allowWorkspaceCommand = async (chat: string, workspace: string, o: Json & { name?: string }, out: Out) => {
  check('allow the workspace', [
    badChat(chat, WORKSPACE_CHATS),
    badId('workspace', workspace),
    o.name !== undefined && o.name.length > 128 && '--name must be at most 128 characters',
  ]);
  const w: Workspace = {
    chat: chat as Workspace['chat'],
    workspace,
    ...(o.name ? { name: o.name } : {}),
    allowedAt: new Date().toISOString(),
    allowedBy: actor(),
  };
  const result = await withDb((db) => allowWorkspace(db, w));
  wrote(result, `allowed ${chat} workspace ${workspace}`, o, out);
};

export const revokeWorkspaceCommand = async (chat: string, workspace: string, o: Json, out: Out) => {
  check('revoke the workspace', [badChat(chat, WORKSPACE_CHATS), badId('workspace', workspace)]);
  const gone = await withDb((db) => revokeWorkspace(db, chat as Workspace['chat'], workspace));
  removed(gone, `${chat} workspace ${workspace}`, o, out);
};

const subjectOf = (what: string, env: string, role: string, subject: string) => {
  const parsed = parseSubject(subject);
  check(what, [badEnv(env), badRole(role), !parsed.ok && parsed.error]);
  // check refused a subject that is not one.
  return (parsed as Extract<typeof parsed, { ok: true }>).value;
};

/** `capstan access grant <env> <role> <subject>`. */
export const grantCommand = async (env: string, role: string, subject: string, o: Json, out: Out) => {
  const s = subjectOf('grant the role', env, role, subject);
  const grant = {
    environment: env,
    role: role as Role,
    subject: s,
    grantedAt: new Date().toISOString(),
    grantedBy: actor(),
  };
  const result = await withDb((db) => putGrant(db, grant));
  wrote(result, `granted ${role} in ${env} to ${subjectText(s)}`, o, out);
};

export const revokeCommand = async (env: string, role: string, subject: string, o: Json, out: Out) => {
  const s = subjectOf('revoke the role', env, role, subject);
  const gone = await withDb((db) => revokeGrant(db, env, role as Role, s));
  removed(gone, `${role} in ${env} of ${subjectText(s)}`, o, out);
};

const channelOf = (what: string, env: string, chat: string, workspace: string, channel: string) => {
  check(what, [badEnv(env), badChat(chat), badId('workspace', workspace), badId('channel', channel)]);
  return { environment: env, chat: chat as Chat, workspace, channel };
};

/** `capstan access channel allow <env> <chat> <workspace> <channel>`: chat commands for env may come from it. */
export const allowChannelCommand = async (
  env: string,
  chat: string,
  workspace: string,
  channel: string,
  o: Json,
  out: Out,
) => {
  const c: Channel = {
    ...channelOf('allow the channel', env, chat, workspace, channel),
    allowedAt: new Date().toISOString(),
    allowedBy: actor(),
  };
  const result = await withDb((db) => allowChannel(db, c));
  wrote(result, `allowed channel ${channel} of ${chat} workspace ${workspace} for ${env}`, o, out);
};

export const revokeChannelCommand = async (
  env: string,
  chat: string,
  workspace: string,
  channel: string,
  o: Json,
  out: Out,
) => {
  const c = channelOf('revoke the channel', env, chat, workspace, channel);
  const gone = await withDb((db) => revokeChannel(db, c));
  removed(gone, `channel ${channel} of ${chat} workspace ${workspace} for ${env}`, o, out);
};

/** `capstan access list [--env]`: allowed workspaces, then grants and channels. `--json`: the snapshot as stored. */
export const listAccessCommand = async (o: Json & { env?: string }, out: Out) => {
  if (o.env !== undefined) check('list access', [badEnv(o.env)]);
  const snapshot = await withDb((db) => listAccess(db, o.env));
  if (o.json) return out(JSON.stringify(snapshot, null, 2));
  const empty = snapshot.workspaces.length + snapshot.grants.length + snapshot.channels.length === 0;
  out(empty ? 'no access given: no workspace allowed in, no role granted, no channel allowed' : renderAccess(snapshot));
};

/**
 * `capstan access check <env> <role> <principal> [--channel] [--group...]`: what decideAccess answers now
 * for this person, as the chat edge would ask it. Exit 1 when refused, so scripts can tell.
 */
export const checkAccessCommand = async (
  env: string,
  role: string,
  principal: string,
  o: Json & { channel?: string; group?: string[] },
  out: Out,
) => {
  const requester = parsePrincipal(principal);
  check('check access', [
    badEnv(env),
    badRole(role),
    !requester.ok && requester.error,
    o.channel !== undefined && badId('channel', o.channel),
    ...(o.group ?? []).map((g) => badId('group', g)),
  ]);
  if (!requester.ok) return;
  const snapshot = await withDb((db) => accessSnapshot(db, env));
  const verdict = decideAccess(snapshot, {
    requester: requester.value,
    environment: env,
    role: role as Role,
    ...(o.channel !== undefined ? { channel: o.channel } : {}),
    ...(o.group?.length ? { groups: o.group } : {}),
  });
  if (!verdict.allowed) process.exitCode = 1;
  if (o.json) return out(JSON.stringify(verdict, null, 2));
  out(verdict.allowed ? `allowed: ${principal} may ${role} in ${env}` : `refused (${verdict.code}): ${verdict.reason}`);
};
