import { principalOf } from '../../events/requester.ts';
import type { AccessQuery, AccessSnapshot, AccessVerdict } from '../roles.ts';
import { subjectKey } from '../roles.ts';

const refuse = (code: Exclude<AccessVerdict, { allowed: true }>['code'], reason: string): AccessVerdict => ({
  allowed: false,
  code,
  reason,
});

/**
 * Whether a requester may take a role in an environment. Roles govern people in chat: their workspace must be
 * allowed in, the command must come from one of the environment's channels (none listed: none allowed), and
 * they must hold the role themselves or through a user group. CI jobs are governed by the app spec's `ci`
 * allow-list instead (lib/ingest), and the CLI and the ingest token are operators' credentials: whoever holds
 * them can write the table already, so a role would protect nothing (their acts are still recorded by name).
 */
export const decideAccess = (snapshot: AccessSnapshot, q: AccessQuery): AccessVerdict => {
  const r = q.requester;
  if (r.kind !== 'slack' && r.kind !== 'mattermost') return { allowed: true };
  const chat = r.kind;
  if (!snapshot.workspaces.some((w) => w.chat === chat && w.workspace === r.workspace)) {
    return refuse(
      'foreign-workspace',
      `${chat} workspace ${r.workspace} is not allowed in (capstan access workspace allow ${chat} ${r.workspace})`,
    );
  }
  if (q.channel !== undefined) {
    const allowed = snapshot.channels.some(
      (c) =>
        c.environment === q.environment && c.chat === chat && c.workspace === r.workspace && c.channel === q.channel,
    );
    if (!allowed) {
      return refuse(
        'channel-not-allowed',
        `commands for ${q.environment} are not allowed from this channel (capstan access channel allow ${q.environment} ${chat} ${r.workspace} ${q.channel})`,
      );
    }
  }
  const principal = principalOf(r);
  const groups = new Set(
    (q.groups ?? []).map((g) => subjectKey({ kind: 'group', chat, workspace: r.workspace, group: g })),
  );
  const holds = snapshot.grants.some(
    (g) =>
      g.environment === q.environment &&
      g.role === q.role &&
      (subjectKey(g.subject) === principal || groups.has(subjectKey(g.subject))),
  );
  if (!holds) {
    return refuse(
      'forbidden',
      `${r.name ? `@${r.name}` : principal} may not ${q.role} in ${q.environment} (capstan access grant ${q.environment} ${q.role} ${principal})`,
    );
  }
  return { allowed: true };
};
