import { approvalButtons } from '../chat/mattermost/actions.ts';
import { type Block, type RenderOptions, renderMessage } from './render.ts';
import { type Progress, progressOf, type RequestState } from './state.ts';

/**
 * A Mattermost message attachment (https://developers.mattermost.com/integrate/reference/message-attachments/)
 * with its interactive buttons (https://developers.mattermost.com/integrate/plugins/interactive-messages/).
 */
export interface MattermostAttachment {
  readonly fallback: string;
  readonly color: string;
  readonly text: string;
  readonly actions?: ReturnType<typeof approvalButtons>;
}

/** The body of POST /api/v4/posts (with channel_id) and PUT /api/v4/posts/{id} (with id). */
export interface MattermostPost {
  readonly message: string;
  readonly props: { readonly attachments: MattermostAttachment[] };
}

export interface MattermostRenderOptions extends RenderOptions {
  /** The chat secret's actionKey: the buttons' context is MAC'd with it; no buttons without it. */
  readonly actionKey?: string;
  /** capstan's `/hooks/mattermost/actions` as Mattermost reaches it: the buttons' integration.url. */
  readonly actionsUrl?: string;
}

const COLOR: Record<Progress, string> = {
  accepted: '#8d96a0',
  'awaiting-approval': '#e8a317',
  approved: '#2389d7',
  'rolling-out': '#2389d7',
  'rolling-back': '#e8a317',
  succeeded: '#3db887',
  'rolled-back': '#e8a317',
  failed: '#d24b4e',
  superseded: '#8d96a0',
  'approval-rejected': '#d24b4e',
  'approval-expired': '#8d96a0',
  'approval-superseded': '#8d96a0',
  refused: '#d24b4e',
};

/**
 * The request's one message for Mattermost: the same content as Slack's (renderMessage, so both always say
 * the same for the same state), as one attachment in Mattermost's Markdown, its colour the progress, and
 * while the approval is open the Approve and Reject buttons whose context carries capstan's MAC.
 */
export const renderMattermostPost = (s: RequestState, o: MattermostRenderOptions = {}): MattermostPost => {
  const rendered = renderMessage(s, o);
  const text = rendered.blocks.flatMap(blockText).join('\n\n');
  const open = s.approval?.state === 'open' ? s.approval : undefined;
  const actions =
    open && o.actionKey && o.actionsUrl
      ? approvalButtons(o.actionKey, o.actionsUrl, { app: s.app, environment: s.environment, id: open.id })
      : undefined;
  const attachment: MattermostAttachment = {
    fallback: unescapeMrkdwn(rendered.text),
    color: COLOR[progressOf(s)],
    text,
    ...(actions ? { actions } : {}),
  };
  return { message: '', props: { attachments: [attachment] } };
};

/** A block's text in Mattermost's Markdown; the actions block is dropped (the attachment carries buttons). */
const blockText = (b: Block): string[] => {
  if (b.type === 'section') return [markdown((b.text as { text: string }).text)];
  if (b.type === 'context') return [(b.elements as { text: string }[]).map((e) => markdown(e.text)).join(' · ')];
  return [];
};

/**
 * Slack mrkdwn -> Mattermost Markdown, for what renderMessage writes: `<url|label>` links, `*bold*`, and
 * the three escaped characters. Code spans and emoji shortcodes are spelled alike in both.
 */
export const markdown = (mrkdwn: string): string =>
  unescapeMrkdwn(
    mrkdwn
      .replace(/<([^|<>]+)\|([^<>]+)>/g, (_, url: string, label: string) => `[${label}](${url})`)
      .replace(/(^|[\s(])\*([^*\n]+)\*(?=$|[\s:.,;)])/gm, '$1**$2**'),
  );

const unescapeMrkdwn = (text: string): string =>
  text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
