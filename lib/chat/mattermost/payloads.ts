import { z } from 'zod';
import { type Parsed, parseForm } from '../form.ts';

/** Mattermost's ids are 26 lowercase characters; room left for other servers' forms. */
const id = z.string().min(1).max(64);

/** A Mattermost slash command's form fields: the ones capstan uses; others (team_domain, token) ignored. */
export const MattermostCommandSchema = z.object({
  team_id: id,
  user_id: id,
  user_name: z.string().max(128).optional(),
  channel_id: id,
  command: z.string().min(1).max(64),
  text: z.string().max(4000).default(''),
  response_url: z.string().max(2048).optional(),
  // The event id is derived from it: no trigger_id, no way to tell a replay from a new command.
  trigger_id: z.string().min(1).max(1024),
});
export type MattermostCommand = z.infer<typeof MattermostCommandSchema>;

/** The form body (a field given twice refused). */
export const parseMattermostCommand = (rawBody: string): Parsed<MattermostCommand> =>
  parseForm(rawBody, MattermostCommandSchema);
