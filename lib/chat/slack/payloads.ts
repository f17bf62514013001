import { z } from 'zod';
import type { Requester } from '../../../events/requester.ts';
import { issueText, type Parsed, parseForm } from '../form.ts';

/**
 * What Slack posts, read with zod: a slash command's form fields, and an interaction's `payload=<json>`
 * (block_actions; other types are answered 200 and left alone). Only the fields capstan uses are read;
 * Slack adds fields over time, so unknown ones are ignored, never refused.
 */
const id = z.string().min(1).max(64);

export const SlashCommandSchema = z.object({
  team_id: id,
  enterprise_id: id.optional(),
  user_id: id,
  user_name: z.string().max(128).optional(),
  channel_id: id,
  command: z.string().min(1).max(64),
  text: z.string().max(4000).default(''),
  response_url: z.string().max(2048).optional(),
  trigger_id: z.string().min(1).max(256).optional(),
  api_app_id: id.optional(),
  is_enterprise_install: z.enum(['true', 'false']).optional(),
});
export type SlashCommand = z.infer<typeof SlashCommandSchema>;

const ActionSchema = z.object({
  action_id: z.string().max(255),
  value: z.string().max(2000).optional(),
  action_ts: z.string().max(64).optional(),
});

export const BlockActionsSchema = z.object({
  type: z.literal('block_actions'),
  user: z.object({
    id,
    team_id: id.optional(),
    username: z.string().max(128).optional(),
    name: z.string().max(128).optional(),
  }),
  team: z.object({ id, enterprise_id: id.optional() }).nullish(),
  enterprise: z.object({ id }).nullish(),
  channel: z.object({ id }).optional(),
  container: z
    .object({ channel_id: id.optional(), message_ts: z.string().max(64).optional() })
    .passthrough()
    .optional(),
  actions: z.array(ActionSchema).min(1).max(25),
  response_url: z.string().max(2048).optional(),
  trigger_id: z.string().max(256).optional(),
});
export type BlockActions = z.infer<typeof BlockActionsSchema>;

const BOM = '\ufeff';

/** A slash command's form body; a field given twice is refused (which one would Slack have meant?). */
export const parseSlashCommand = (rawBody: string): Parsed<SlashCommand> => {
  if (rawBody.startsWith(BOM))
    return { ok: false, reason: 'the body starts with a byte order mark: not a form Slack sends' };
  return parseForm(rawBody, SlashCommandSchema);
};

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** An interaction: `ignored` for a type capstan does not handle (view submissions, shortcuts). */
export const parseInteraction = (
  rawBody: string,
): Parsed<{ kind: 'block_actions'; payload: BlockActions } | { kind: 'ignored'; type: string }> => {
  const form = new URLSearchParams(rawBody);
  const payloads = form.getAll('payload');
  if (payloads.length !== 1) return { ok: false, reason: 'the body must carry exactly one payload field' };
  let json: unknown;
  let illFormed = false;
  try {
    // A lone surrogate (`\\ud800`) is valid JSON but no text: it could name nothing, and the table refuses it.
    json = JSON.parse(payloads[0] as string, (key, value) => {
      if (LONE_SURROGATE.test(key) || (typeof value === 'string' && LONE_SURROGATE.test(value))) illFormed = true;
      return value;
    });
  } catch {
    return { ok: false, reason: 'payload is not JSON' };
  }
  if (illFormed) return { ok: false, reason: 'payload holds a lone surrogate, not text' };
  const type = z.object({ type: z.string().max(64) }).safeParse(json);
  if (!type.success) return { ok: false, reason: 'payload has no type' };
  if (type.data.type !== 'block_actions') return { ok: true, value: { kind: 'ignored', type: type.data.type } };
  const parsed = BlockActionsSchema.safeParse(json);
  return parsed.success
    ? { ok: true, value: { kind: 'block_actions', payload: parsed.data } }
    : { ok: false, reason: issueText(parsed.error) };
};

/**
 * The person, as capstan keys them: an Enterprise Grid org's id when there is one (a user is the same
 * person in each of its workspaces), else the workspace's; and their user id. Names are for reading only.
 */
export const commandRequester = (c: SlashCommand): Requester => ({
  kind: 'slack',
  workspace: c.enterprise_id ?? c.team_id,
  user: c.user_id,
  ...(c.user_name ? { name: c.user_name } : {}),
});

export const actionRequester = (p: BlockActions): Requester | undefined => {
  const workspace = p.enterprise?.id ?? p.team?.enterprise_id ?? p.team?.id ?? p.user.team_id;
  if (!workspace) return undefined;
  const name = p.user.username ?? p.user.name;
  return { kind: 'slack', workspace, user: p.user.id, ...(name ? { name } : {}) };
};

/** The channel a button was pressed in (the message's). */
export const actionChannel = (p: BlockActions): string | undefined => p.channel?.id ?? p.container?.channel_id;
