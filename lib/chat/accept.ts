import type { Requester } from '../../events/requester.ts';
import { decideAccess } from '../access/decide.ts';
import { buildRequestEvent } from '../requests/envelope.ts';
import { type ChatCommand, parseChatCommand, USAGE } from './commands/grammar.ts';
import { historyText, statusText } from './commands/read.ts';
import {
  type Built,
  type ChatRequest,
  deployRequest,
  onlyOpen,
  promoteRequest,
  rollbackRequest,
  scaleRequest,
  voteRequest,
} from './commands/requests.ts';
import type { ChatAnswer as HttpAnswer } from './headers.ts';
import type { ChatPorts } from './ports.ts';
import { groupsGranted, groupsOf } from './slack/groups.ts';

/**
 * The chat-neutral half of a chat request, once its chat's verifier has said who sent it: access decided,
 * the origin written, the event enqueued, the words to answer with. Slack and Mattermost both show a 200's
 * `{response_type: 'ephemeral', text}` to the person alone; any other status is an error to them.
 */
export const say = (text: string): HttpAnswer => ({ status: 200, body: { response_type: 'ephemeral', text } });
export const refusedText = (code: string, reason: string) => `:no_entry: refused (${code}): ${reason}`;
export const refused = (code: string, reason: string) => say(refusedText(code, reason));

/** A verified person in a chat that capstan lets act (Teams only reads: it has no requester kind). */
export interface Asker {
  readonly requester: Requester & { kind: 'slack' | 'mattermost' };
  readonly channel: string;
  readonly responseUrl?: string;
}

/**
 * decideAccess over the environment's snapshot; only when a Slack person holds no role of their own, again
 * with the user groups Slack says they are in (one call per granted group, kept a minute).
 */
const allowed = async (ports: ChatPorts, a: Asker, r: ChatRequest): Promise<string | undefined> => {
  const snapshot = await ports.access(r.environment);
  const query = { requester: a.requester, environment: r.environment, role: r.role, channel: a.channel };
  let verdict = decideAccess(snapshot, query);
  const candidates =
    a.requester.kind === 'slack' ? groupsGranted(snapshot, r.environment, r.role, a.requester.workspace) : [];
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
  return verdict.allowed ? undefined : refusedText(verdict.code, verdict.reason);
};

/**
 * Checked, then sent: the origin first (the notifier may read it as soon as the event is consumed), then
 * the event. The id is derived from the request by the chat's edge, so a retry of a request or a double
 * click makes the same event, which every consumer dedupes. The answer's text, or the refusal's.
 */
export const sendText = async (
  ports: ChatPorts,
  a: Asker,
  r: ChatRequest,
  id: string,
): Promise<{ ok: boolean; text: string }> => {
  const denied = await allowed(ports, a, r);
  if (denied) return { ok: false, text: denied };
  const now = ports.now();
  const built = buildRequestEvent({
    id,
    type: r.type,
    source: `capstan/${a.requester.kind}`,
    subject: r.subject,
    data: r.data,
    time: now,
  });
  if (!built.ok) return { ok: false, text: refusedText('invalid', built.issues.join('; ')) };
  await ports.putOrigin({
    request: id,
    chat: a.requester.kind,
    workspace: a.requester.workspace,
    channel: a.channel,
    user: a.requester.user,
    ...(a.responseUrl ? { responseUrl: a.responseUrl } : {}),
    at: now.toISOString(),
  });
  await ports.enqueue(built.event);
  return { ok: true, text: `:white_check_mark: ${r.answer} (${id})` };
};

export const send = async (ports: ChatPorts, a: Asker, r: ChatRequest, id: string): Promise<HttpAnswer> =>
  say((await sendText(ports, a, r, id)).text);

const fromBuilt = (ports: ChatPorts, a: Asker, b: Built, id: string) =>
  b.ok ? send(ports, a, b.request, id) : Promise.resolve(refused('invalid', b.reason));

/** The answer to `help`, `status` and `history`: the commands that change nothing. */
export const readAnswer = async (
  ports: Pick<ChatPorts, 'appReleases' | 'history'>,
  cmd: Extract<ChatCommand, { kind: 'help' | 'status' | 'history' }>,
): Promise<string> => {
  if (cmd.kind === 'help') return `${cmd.problem ? `${cmd.problem}\n\n` : ''}${USAGE}`;
  return cmd.kind === 'status'
    ? statusText(cmd.app, await ports.appReleases(cmd.app))
    : historyText(cmd.app, await ports.history(cmd.app));
};

/** `/capstan <verb> ...` from a verified person: parsed, checked, sent, answered. */
export const acceptCommandText = async (ports: ChatPorts, a: Asker, text: string, id: string): Promise<HttpAnswer> => {
  const { requester } = a;
  const cmd = parseChatCommand(text);
  switch (cmd.kind) {
    case 'help':
      return say(await readAnswer(ports, cmd));
    case 'status':
    case 'history':
      // Read-only, but only for the workspaces let in: another company's people learn nothing.
      if (!(await ports.workspaceAllowed(requester.kind, requester.workspace))) {
        return refused('foreign-workspace', `${requester.kind} workspace ${requester.workspace} is not allowed in`);
      }
      return say(await readAnswer(ports, cmd));
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
      const found = onlyOpen(await ports.approvals(cmd.app, cmd.environment), cmd.app, cmd.environment);
      if (!found.ok) return refused(found.code, found.reason);
      const open = found.approval;
      return send(ports, a, voteRequest(cmd.app, cmd.environment, open.id, open, 'approve', requester), id);
    }
  }
};
