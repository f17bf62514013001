import { z } from 'zod';
import { eventId } from '../../../events/index.ts';
import { type Asker, acceptCommandText, sendText } from '../accept.ts';
import { voteRequest } from '../commands/requests.ts';
import { issueText } from '../form.ts';
import type { ChatAnswer as HttpAnswer } from '../headers.ts';
import type { ChatPorts } from '../ports.ts';
import { verifyActionContext } from './actions.ts';
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

const ActionPostSchema = z.object({
  user_id: z.string().min(1).max(64),
  user_name: z.string().max(128).optional(),
  team_id: z.string().min(1).max(64),
  channel_id: z.string().min(1).max(64),
  post_id: z.string().min(1).max(64),
  context: z.unknown(),
});

/**
 * POST /hooks/mattermost/actions: an Approve or Reject button. The context must carry capstan's MAC
 * (lib/chat/mattermost/actions.ts), else 401; the voter is the POSTing user. One vote per person, post and
 * decision: a second click is the same event. Mattermost shows `ephemeral_text` to the clicker alone.
 */
export const acceptMattermostAction = async (
  req: { rawBody: string },
  actionKey: string | undefined,
  ports: ChatPorts,
): Promise<HttpAnswer> => {
  let json: unknown;
  try {
    json = JSON.parse(req.rawBody);
  } catch {
    json = undefined;
  }
  // The MAC first, from the context as sent, so that a button capstan made with a body Mattermost would not
  // send is a 400 that says so, not a bad signature.
  const context = json !== null && typeof json === 'object' ? (json as { context?: unknown }).context : undefined;
  const verdict = verifyActionContext(actionKey, context);
  if (!verdict.ok) return { status: 401, body: { error: 'bad-signature', reason: verdict.reason } };
  const post = ActionPostSchema.safeParse(json);
  if (!post.success) return { status: 400, body: { error: 'invalid-body', reason: issueText(post.error) } };
  const p = post.data;
  const { approval, vote } = verdict.context;
  const requester = {
    kind: 'mattermost' as const,
    workspace: p.team_id,
    user: p.user_id,
    ...(p.user_name ? { name: p.user_name } : {}),
  };
  const record = await ports.approval(approval.app, approval.environment, approval.id);
  const id = eventId(['mattermost-action', p.team_id, p.user_id, p.post_id, approval.id, vote]);
  const a: Asker = { requester, channel: p.channel_id };
  const r = voteRequest(approval.app, approval.environment, approval.id, record, vote, requester);
  return { status: 200, body: { ephemeral_text: (await sendText(ports, a, r, id)).text } };
};
