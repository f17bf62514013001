import { z } from 'zod';
import { type ChatCommand, parseChatCommand } from '../commands/grammar.ts';

const id = z.string().min(1).max(256);

/**
 * The Bot Framework activity an outgoing webhook POSTs when someone @mentions it in a channel: the fields
 * capstan reads; the many others (serviceUrl, entities, attachments, timestamp...) are let through unread.
 * `text` holds the mention as `<at>Name</at>` and HTML entities. The tenant is `channelData.tenant.id` (older
 * payloads put it in `conversation.tenantId` or leave it out).
 */
export const TeamsActivitySchema = z.object({
  type: z.literal('message'),
  id: z.string().max(256).optional(),
  text: z.string().max(100_000).default(''),
  from: z.object({
    id,
    name: z.string().max(256).nullish(),
    aadObjectId: z.string().max(64).nullish(),
  }),
  conversation: z.object({ id: z.string().max(1024).nullish(), tenantId: z.string().max(64).nullish() }).nullish(),
  channelData: z
    .object({
      tenant: z.object({ id: z.string().min(1).max(64) }).nullish(),
      teamsTeamId: z.string().max(256).nullish(),
      teamsChannelId: z.string().max(256).nullish(),
    })
    .nullish(),
});
export type TeamsActivity = z.infer<typeof TeamsActivitySchema>;

export type ParsedActivity =
  | { readonly ok: true; readonly activity: TeamsActivity }
  | { readonly ok: false; readonly reason: string };

/** The body, once its HMAC matched: JSON, then the activity's shape. */
export const parseTeamsActivity = (rawBody: string): ParsedActivity => {
  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch {
    return { ok: false, reason: 'the body is not JSON' };
  }
  const parsed = TeamsActivitySchema.safeParse(json);
  if (parsed.success) return { ok: true, activity: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, reason: `not a Teams message activity: ${issue?.path.join('.') || 'body'} ${issue?.message}` };
};

/** The tenant (the Microsoft 365 organisation) the person is in: capstan's workspace for Teams. */
export const tenantOf = (a: TeamsActivity): string | undefined =>
  a.channelData?.tenant?.id ?? a.conversation?.tenantId ?? undefined;

const NAMED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** One pass over `&name;`, `&#N;` and `&#xH;`: `&amp;lt;` is `&lt;`, never `<`; an unknown one stays as it is. */
const decodeEntities = (s: string): string =>
  s.replace(/&(#\d{1,7}|#x[0-9a-f]{1,6}|[a-z]{2,8});/gi, (whole, body: string) => {
    if (body[0] !== '#') return NAMED[body.toLowerCase()] ?? whole;
    const code = body[1] === 'x' || body[1] === 'X' ? Number.parseInt(body.slice(2), 16) : Number(body.slice(1));
    return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : whole;
  });

/**
 * The words a person typed after the mention: every `<at>...</at>` (the webhook's and any other person's)
 * and any other markup taken out, then the entities decoded, so the grammar reads what was typed.
 */
export const commandText = (text: string): string =>
  decodeEntities(text.replace(/<at\b[^>]*>[\s\S]*?<\/at\s*>/gi, ' ').replace(/<[^>]*>/g, ' ')).trim();

/** The verbs that change something: Teams only reads, so each is refused whatever follows it. */
export const WRITE_VERBS = ['deploy', 'rollback', 'promote', 'approve', 'scale'] as const;

export type TeamsCommand =
  | Extract<ChatCommand, { kind: 'status' | 'history' | 'help' }>
  | { readonly kind: 'read-only'; readonly verb: string };

/** What a Teams message asks: a read the grammar understood, help, or a write, which Teams may not ask. */
export const teamsCommand = (text: string): TeamsCommand => {
  const verb = text.trim().split(/\s+/u)[0]?.toLowerCase() ?? '';
  if ((WRITE_VERBS as readonly string[]).includes(verb)) return { kind: 'read-only', verb };
  const cmd = parseChatCommand(text);
  switch (cmd.kind) {
    case 'status':
    case 'history':
    case 'help':
      return cmd;
    default:
      return { kind: 'read-only', verb: cmd.kind };
  }
};

export const TEAMS_USAGE = [
  'In Microsoft Teams capstan only reads: @mention it with',
  '• `status <app>`: the newest release in each environment',
  '• `history <app>`: its latest steps',
  '• `help`: this',
  'Deploy, rollback, promote, approve and scale are asked in Slack, Mattermost or with the capstan CLI.',
].join('\n');
