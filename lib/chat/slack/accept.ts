import { NameSchema } from '../../../events/envelope.ts';
import { eventId } from '../../../events/index.ts';
import type { Requester } from '../../../events/requester.ts';
import { decideAccess } from '../../access/decide.ts';
import { buildRequestEvent } from '../../requests/envelope.ts';
import { parseChatCommand, USAGE } from '../commands/grammar.ts';
import { historyText, statusText } from '../commands/read.ts';
import {
  type Built,
  type ChatRequest,
  deployRequest,
  newestOpen,
  promoteRequest,
  rollbackRequest,
  scaleRequest,
  voteRequest,
} from '../commands/requests.ts';
import type { ChatPorts } from '../ports.ts';
import { groupsGranted, groupsOf } from './groups.ts';
import { type ChatAnswer as HttpAnswer, header } from './headers.ts';
import {
  actionChannel,
  actionRequester,
  commandRequester,
  parseInteraction,
  parseSlashCommand,
  type SlashCommand,
} from './payloads.ts';
import { type SlackSigned, verifySlackRequest } from './verify.ts';

/** Slack shows a 200's `text` to the person alone (`ephemeral`); any other status is an error to them. */
const say = (text: string): HttpAnswer => ({ status: 200, body: { response_type: 'ephemeral', text } });
const refused = (code: string, reason: string) => say(`:no_entry: refused (${code}): ${reason}`);

const unverified = (req: SlackSigned, signingSecret: string | undefined, now: Date): HttpAnswer | undefined => {
  const v = verifySlackRequest(req, signingSecret, Math.floor(now.getTime() / 1000));
  return v.ok ? undefined : { status: 401, body: { error: v.code, reason: v.reason } };
};

interface Asker {
  readonly requester: Requester & { kind: 'slack' };
  readonly channel: string;
  readonly responseUrl?: string;
}

/**
 * decideAccess over the environment's snapshot; only when the person holds no role of their own, again with
 * the user groups Slack says they are in (one call per granted group, kept a minute).
 */
const allowed = async (ports: ChatPorts, a: Asker, r: ChatRequest): Promise<HttpAnswer | undefined> => {
  const snapshot = await ports.access(r.environment);
  const query = { requester: a.requester, environment: r.environment, role: r.role, channel: a.channel };
  let verdict = decideAccess(snapshot, query);
  const candidates = groupsGranted(snapshot, r.environment, r.role, a.requester.workspace);
  if (!verdict.allowed && verdict.code === 'forbidden' && ports.groupMembers && candidates.length > 0) {
    const groups = await groupsOf(
      ports.groupMembers,
      a.requester.workspace,
      a.requester.user,
      candidates,
      (group, error) => ports.warn('cannot list a Slack user group', { group, error: String(error) }),
    );
    verdict = decideAccess(snapshot, { ...query, groups });
  }
  return verdict.allowed ? undefined : refused(verdict.code, verdict.reason);
};

/**
 * Checked, then sent: the origin first (the notifier may read it as soon as the event is consumed), then
 * the event. The id is derived from the request (see `commandId`, `actionId`), so Slack's retry of a
 * request (X-Slack-Retry-Num) or a double click makes the same event, which every consumer dedupes.
 */
const send = async (ports: ChatPorts, a: Asker, r: ChatRequest, id: string): Promise<HttpAnswer> => {
  const denied = await allowed(ports, a, r);
  if (denied) return denied;
  const now = ports.now();
  const built = buildRequestEvent({
    id,
    type: r.type,
    source: 'capstan/slack',
    subject: r.subject,
    data: r.data,
    time: now,
  });
  if (!built.ok) return refused('invalid', built.issues.join('; '));
  await ports.putOrigin({
    request: id,
    chat: 'slack',
    workspace: a.requester.workspace,
    channel: a.channel,
    user: a.requester.user,
    ...(a.responseUrl ? { responseUrl: a.responseUrl } : {}),
    at: now.toISOString(),
  });
  await ports.enqueue(built.event);
  return say(`:white_check_mark: ${r.answer} (${id})`);
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

const fromBuilt = (ports: ChatPorts, a: Asker, b: Built, id: string) =>
  b.ok ? send(ports, a, b.request, id) : Promise.resolve(refused('invalid', b.reason));

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
  const cmd = parseChatCommand(c.text);
  switch (cmd.kind) {
    case 'help':
      return say(`${cmd.problem ? `${cmd.problem}\n\n` : ''}${USAGE}`);
    case 'status':
    case 'history': {
      // Read-only, but only for the workspaces let in: another company's people learn nothing.
      if (!(await ports.workspaceAllowed('slack', requester.workspace))) {
        return refused('foreign-workspace', `slack workspace ${requester.workspace} is not allowed in`);
      }
      return say(
        cmd.kind === 'status'
          ? statusText(cmd.app, await ports.appReleases(cmd.app))
          : historyText(cmd.app, await ports.history(cmd.app)),
      );
    }
    case 'deploy':
      return fromBuilt(ports, a, deployRequest(cmd, cmd.tag ? await ports.appSpec(cmd.app) : undefined, requester), id);
    case 'rollback':
      return fromBuilt(ports, a, rollbackRequest(cmd, requester), id);
    case 'promote': {
      const [spec, from] = await Promise.all([ports.appSpec(cmd.app), ports.releases(cmd.app, cmd.from)]);
      return fromBuilt(ports, a, promoteRequest(cmd, spec, from, requester), id);
    }
    case 'scale':
      return fromBuilt(ports, a, scaleRequest(cmd, requester), id);
    case 'approve': {
      const open = newestOpen(await ports.approvals(cmd.app, cmd.environment));
      if (!open) return refused('not-found', `no approval of ${cmd.app} in ${cmd.environment} is open`);
      return send(ports, a, voteRequest(cmd.app, cmd.environment, open.id, open, 'approve', requester), id);
    }
  }
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
  return send(ports, a, voteRequest(target.app, target.environment, target.approval, record, decision, requester), id);
};
