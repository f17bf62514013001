import type { ChatNotify } from '../../events/chat-notify.ts';
import { isRetryable } from '../errors.ts';
import { followedRequest, loadState } from './load.ts';
import type { ChatMessage, ChatMessageRecord, NotifyDeps } from './ports.ts';
import { postClaimed } from './post-once.ts';
import { renderMessage, renderSummary } from './render.ts';
import { type MattermostPost, renderMattermostPost } from './render-mattermost.ts';
import { progressOf, type RequestState, TERMINAL } from './state.ts';

export type NotifyOutcome =
  | { readonly outcome: 'posted' | 'updated'; readonly request: string; readonly channel: string; readonly ts: string }
  | { readonly outcome: 'skipped'; readonly request: string; readonly why: string };

// A notice that read an older state may update Slack after a newer one did: re-read and update again.
const CONVERGE_ROUNDS = 3;

/**
 * chat.notify -> the request's one message, rendered from the table now and posted once (to the
 * environment's `notify.slack.channel`, else where the request was made), then updated by every later
 * notice; a terminal outcome is also told privately through the origin's response_url, once.
 */
export const notifyRequest = async (event: ChatNotify, deps: NotifyDeps): Promise<NotifyOutcome> => {
  const { app, environment } = event.data;
  const request = await followedRequest(deps.reads, app, environment, event.data.request);
  const skip = (why: string): NotifyOutcome => {
    deps.log('nothing to notify', { app, environment, request, why });
    return { outcome: 'skipped', request, why };
  };
  const [origin, configured] = await Promise.all([
    deps.reads.origin(request),
    deps.reads.notifyChannel(app, environment),
  ]);
  const record = await deps.messages.get(request);
  // Where the message is, else where it goes: the environment's Slack channel, else the chat it was asked in.
  const chat = record?.ts
    ? (record.chat ?? 'slack')
    : !configured && origin?.chat === 'mattermost'
      ? 'mattermost'
      : 'slack';
  const sink = chat === 'mattermost' ? await mattermostSink(deps) : await slackSink(deps);
  if (typeof sink === 'string') return skip(sink);
  const channel = configured ?? (origin?.chat === chat ? origin.channel : undefined);
  if (!channel) return skip(`no notify.slack.channel for ${environment} and no Slack origin`);

  const read = () => loadState(deps.reads, app, environment, request);
  let state = await read();
  let sent = sink.render(state);
  const at = await message(deps, sink, request, channel, sent, record);

  for (let round = 0; round < CONVERGE_ROUNDS; round++) {
    const now = await read();
    const fresh = sink.render(now);
    state = now;
    if (same(fresh, sent)) break;
    await sink.update(at.channel, at.ts, fresh);
    sent = fresh;
  }
  if (origin?.responseUrl) await summarize(deps, request, origin.responseUrl, state);
  return { outcome: at.outcome, request, channel: at.channel, ts: at.ts };
};

/** One chat's way to render, post and edit the message, with its token bound. */
interface Sink {
  readonly chat: 'slack' | 'mattermost';
  render(s: RequestState): unknown;
  post(channel: string, m: unknown): Promise<{ channel: string; ts: string }>;
  update(channel: string, ts: string, m: unknown): Promise<void>;
}

const slackSink = async (deps: NotifyDeps): Promise<Sink | string> => {
  const token = await deps.botToken();
  if (!token) return 'no Slack bot token in the chat secret';
  return {
    chat: 'slack',
    render: (s) => renderMessage(s, deps),
    post: (channel, m) => deps.slack.post(token, channel, m as ChatMessage),
    update: (channel, ts, m) => deps.slack.update(token, channel, ts, m as ChatMessage),
  };
};

const mattermostSink = async (deps: NotifyDeps): Promise<Sink | string> => {
  const { url, botToken, actionKey } = deps.mattermost ? await deps.mattermost.credentials() : {};
  if (!deps.mattermost || !url || !botToken) return 'no Mattermost url and bot token in the chat secret';
  const port = deps.mattermost.api(url);
  // Buttons only where Mattermost can call capstan back, with a key to MAC their context.
  const actionsUrl = deps.publicUrl ? `${deps.publicUrl.replace(/\/+$/, '')}/hooks/mattermost/actions` : undefined;
  const options = {
    ...(deps.publicUrl ? { publicUrl: deps.publicUrl } : {}),
    ...(actionKey ? { actionKey } : {}),
    ...(actionsUrl ? { actionsUrl } : {}),
  };
  return {
    chat: 'mattermost',
    render: (s) => renderMattermostPost(s, options),
    post: (channel, m) => port.post(botToken, channel, m as MattermostPost),
    update: (_channel, id, m) => port.update(botToken, id, m as MattermostPost),
  };
};

/** Posts the message under a claim, or updates the one posted. */
const message = async (
  deps: NotifyDeps,
  sink: Sink,
  request: string,
  channel: string,
  m: unknown,
  record: ChatMessageRecord | undefined,
) => {
  if (record?.channel && record.ts) {
    await sink.update(record.channel, record.ts, m);
    return { outcome: 'updated' as const, channel: record.channel, ts: record.ts };
  }
  const posted = await postClaimed(deps, request, record, sink.chat, () => sink.post(channel, m));
  return { outcome: 'posted' as const, ...posted };
};

/** Once per terminal outcome (a failure, then its rollback), marked first so two notices tell it once. */
const summarize = async (deps: NotifyDeps, request: string, responseUrl: string, state: RequestState) => {
  const progress = progressOf(state);
  if (!TERMINAL.has(progress)) return;
  const told = (await deps.messages.get(request))?.summary;
  if (told === progress || !(await deps.messages.summarize(request, told, progress))) return;
  try {
    await deps.slack.respond(responseUrl, renderSummary(state));
  } catch (error) {
    // Not told after all: the retry tells it (a refusal for good stays marked, it will never be heard).
    if (isRetryable(error)) await deps.messages.summarize(request, progress, told);
    throw error;
  }
};

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
