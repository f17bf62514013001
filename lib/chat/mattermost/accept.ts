import { eventId } from '../../../events/index.ts';
import { type Asker, acceptCommandText } from '../accept.ts';
import type { ChatPorts } from '../ports.ts';
import type { ChatAnswer as HttpAnswer } from '../slack/headers.ts';
import { parseMattermostCommand } from './payloads.ts';
import { verifyMattermostToken } from './verify.ts';

/**
 * POST /hooks/mattermost/commands: the token (lib/chat/mattermost/verify.ts), the form, then Slack's flow
 * (lib/chat/accept.ts) with a `mattermost` requester: workspace = team id, allowed in, channel allowed,
 * role held. Mattermost shows `{response_type: 'ephemeral', text}` to the person alone, as Slack does.
 */
export const acceptMattermostCommand = async (
  req: { rawBody: string; headers: Readonly<Record<string, string | undefined>> },
  commandToken: string | undefined,
  ports: ChatPorts,
): Promise<HttpAnswer> => {
  const v = verifyMattermostToken(req.headers, commandToken);
  if (!v.ok) return { status: 401, body: { error: v.code, reason: v.reason } };
  const parsed = parseMattermostCommand(req.rawBody);
  if (!parsed.ok) return { status: 400, body: { error: 'invalid-body', reason: parsed.reason } };
  const c = parsed.value;
  const a: Asker = {
    requester: {
      kind: 'mattermost',
      workspace: c.team_id,
      user: c.user_id,
      ...(c.user_name ? { name: c.user_name } : {}),
    },
    channel: c.channel_id,
    ...(c.response_url ? { responseUrl: c.response_url } : {}),
  };
  return acceptCommandText(ports, a, c.text, eventId(['mattermost-command', c.team_id, c.trigger_id]));
};
