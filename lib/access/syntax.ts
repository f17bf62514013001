import type { Requester } from '../../events/requester.ts';
import type { Subject } from '../roles.ts';

/**
 * How people write subjects and principals at `capstan access`: the principal strings of
 * events/requester.ts `principalOf` for a person, `slack-group:` / `mattermost-group:` for a chat user group.
 * Parsing returns the words of the refusal, so the CLI can say the right syntax.
 */
export const SUBJECT_SYNTAX =
  'slack:<workspace>/<user>, mattermost:<team>/<user>, cli:<user>, slack-group:<workspace>/<group> or mattermost-group:<team>/<group>';
export const PRINCIPAL_SYNTAX = 'slack:<workspace>/<user>, mattermost:<team>/<user>, cli:<user> or token';

/** A chat id: Slack's `T0123`/`U0456`/`S0789`, Mattermost's 26-character ids; never a `/` or a space. */
const ID = /^[A-Za-z0-9._-]{1,64}$/;
/** A local user name (or $CAPSTAN_ACTOR): printable, no space. */
const CLI_USER = /^[^\s/]{1,128}$/;

/** Whether a workspace, team, user, group or channel id is one (for the CLI's arguments). */
export const isChatId = (id: string): boolean => ID.test(id);

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

const pair = (rest: string): [string, string] | undefined => {
  const [workspace, user, ...more] = rest.split('/');
  return workspace && user && more.length === 0 && ID.test(workspace) && ID.test(user) ? [workspace, user] : undefined;
};

const split = (text: string): [string, string] => {
  const at = text.indexOf(':');
  return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at + 1)];
};

/** A person or operator as a Requester, or why the text is not one. */
const readPrincipal = (text: string): Requester | string => {
  if (text === 'token') return { kind: 'token' };
  const [kind, rest] = split(text);
  if (kind === 'slack' || kind === 'mattermost') {
    const ids = pair(rest);
    return ids ? { kind, workspace: ids[0], user: ids[1] } : `needs ${kind}:<workspace>/<user>`;
  }
  if (kind === 'cli') return CLI_USER.test(rest) ? { kind, user: rest } : 'needs cli:<user>';
  if (kind === 'slack-group' || kind === 'mattermost-group')
    return 'is a user group, not a person (give it with --group)';
  return 'is not one';
};

/** A person, job or operator as a Requester (for `capstan access check`); names are left out. */
export const parsePrincipal = (text: string): Parsed<Requester> => {
  const r = readPrincipal(text);
  return typeof r === 'string'
    ? { ok: false, error: `principal "${text}" ${r}: write ${PRINCIPAL_SYNTAX}` }
    : { ok: true, value: r };
};

/** What a role is granted to. CI jobs take no roles: the app spec's `ci` list allows them. */
export const parseSubject = (text: string): Parsed<Subject> => {
  const bad = (why: string): Parsed<Subject> => ({
    ok: false,
    error: `subject "${text}" ${why}: write ${SUBJECT_SYNTAX}`,
  });
  const [kind, rest] = split(text);
  if (kind === 'slack-group' || kind === 'mattermost-group') {
    const ids = pair(rest);
    if (!ids) return bad(`needs ${kind}:<workspace>/<group>`);
    const chat = kind === 'slack-group' ? 'slack' : 'mattermost';
    return { ok: true, value: { kind: 'group', chat, workspace: ids[0], group: ids[1] } };
  }
  if (kind === 'ci') return bad("is a CI job: those are allowed by the app spec's ci list, not by roles");
  if (text === 'token') return bad('is the ingest token: whoever holds it needs no role');
  const principal = readPrincipal(text);
  return typeof principal === 'string' ? bad(principal) : { ok: true, value: { kind: 'principal', principal: text } };
};

/** The subject as it is written at the CLI (the inverse of parseSubject). */
export const subjectText = (s: Subject): string =>
  s.kind === 'principal' ? s.principal : `${s.chat}-group:${s.workspace}/${s.group}`;
