import { NameSchema } from '../../../events/envelope.ts';
import { eventId } from '../../../events/index.ts';
import { type Asker, acceptCommandText, say, sendText } from '../accept.ts';
import { voteRequest } from '../commands/requests.ts';
import { type ChatAnswer as HttpAnswer, header } from '../headers.ts';
import type { ChatPorts } from '../ports.ts';
import {
  actionChannel,
  actionRequester,
  commandRequester,
  parseInteraction,
  parseSlashCommand,
  type SlashCommand,
} from './payloads.ts';
import { type SlackSigned, verifySlackRequest } from './verify.ts';

const unverified = (req: SlackSigned, signingSecret: string | undefined, now: Date): HttpAnswer | undefined => {
  const v = verifySlackRequest(req, signingSecret, Math.floor(now.getTime() / 1000));
  return v.ok ? undefined : { status: 401, body: { error: v.code, reason: v.reason } };
};

/**
 * A slash command's event id: Slack's trigger_id is unique per invocation and the same on a retry of it;
 * without one (never seen, but not promised), the signed request's own fields stand in.
 */
const commandId = (c: SlashCommand, timestamp: string | undefined) =>
  eventId(
    c.trigger_id
      ? ['slack-command', c.enterprise_id ?? c.team_id, c.trigger_id]
      : ['slack-command', c.enterprise_id ?? c.team_id, c.user_id, c.channel_id, c.text, timestamp ?? ''],
  );

/** POST /hooks/slack/commands: `/capstan <verb> ...`, verified, parsed, checked, answered within 3 s. */
export const acceptSlackCommand = async (
  req: SlackSigned,
  signingSecret: string | undefined,
  ports: ChatPorts,
): Promise<HttpAnswer> => {
  const bad = unverified(req, signingSecret, ports.now());
  if (bad) return bad;
  const parsed = parseSlashCommand(req.rawBody);
  if (!parsed.ok) return { status: 400, body: { error: 'invalid-body', reason: parsed.reason } };
  const c = parsed.value;
  const requester = commandRequester(c) as Asker['requester'];
  const a: Asker = { requester, channel: c.channel_id, ...(c.response_url ? { responseUrl: c.response_url } : {}) };
  const id = commandId(c, header(req.headers, 'x-slack-request-timestamp'));
  return acceptCommandText(ports, a, c.text, id);
};

const DECISIONS: Record<string, 'approve' | 'reject'> = {
  'approval.approve': 'approve',
  'approval.reject': 'reject',
};

/** `<app>|<environment>|<approvalId>`, as lib/notify writes it on the buttons. */
const buttonValue = (value: string | undefined) => {
  const [app, environment, approval, ...rest] = (value ?? '').split('|');
  if (rest.length > 0 || !approval || approval.length > 256) return undefined;
  if (!NameSchema.safeParse(app).success || !NameSchema.safeParse(environment).success) return undefined;
  return { app: app as string, environment: environment as string, approval };
};

/**
 * POST /hooks/slack/interactivity: an Approve or Reject button becomes an approval.vote; anything else
 * (other actions, other interaction types) is acknowledged with 200 and left alone. Slack ignores the body
 * of a block_actions answer; the approval's message is updated by the notifier once the vote is counted.
 */
export const acceptSlackInteraction = async (
  req: SlackSigned,
  signingSecret: string | undefined,
  ports: ChatPorts,
): Promise<HttpAnswer> => {
  const bad = unverified(req, signingSecret, ports.now());
  if (bad) return bad;
  const parsed = parseInteraction(req.rawBody);
  if (!parsed.ok) return { status: 400, body: { error: 'invalid-body', reason: parsed.reason } };
  if (parsed.value.kind === 'ignored') return { status: 200, body: {} };
  const p = parsed.value.payload;
  const action = p.actions.find((x) => DECISIONS[x.action_id] !== undefined);
  if (!action) return { status: 200, body: {} };
  const requester = actionRequester(p) as Asker['requester'] | undefined;
  const channel = actionChannel(p);
  const target = buttonValue(action.value);
  if (!requester || !channel || !target) {
    return {
      status: 400,
      body: { error: 'invalid-body', reason: 'the button names no workspace, channel or approval' },
    };
  }
  const record = await ports.approval(target.app, target.environment, target.approval);
  const decision = DECISIONS[action.action_id] as 'approve' | 'reject';
  // One vote per click: Slack's action_ts is the click's, the same on a retry of its request.
  const id = eventId([
    'slack-action',
    requester.workspace,
    requester.user,
    action.action_ts ?? header(req.headers, 'x-slack-request-timestamp') ?? '',
    action.action_id,
    action.value ?? '',
  ]);
  const a: Asker = { requester, channel, ...(p.response_url ? { responseUrl: p.response_url } : {}) };
  const vote = voteRequest(target.app, target.environment, target.approval, record, decision, requester);
  const sent = await sendText(ports, a, vote, id);
  if (!sent.ok && a.responseUrl) await tellRefusal(ports, a.responseUrl, sent.text);
  return say(sent.text);
};

/** A refused click told through its response_url; a failure to tell is logged (never the URL), not thrown. */
const tellRefusal = async (ports: ChatPorts, responseUrl: string, text: string): Promise<void> => {
  try {
    await ports.respond?.(responseUrl, text);
  } catch (error) {
    ports.warn('cannot tell a refused click through its response_url', { error: String(error).split('\n')[0] });
  }
};
