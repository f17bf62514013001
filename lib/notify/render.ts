import { requesterText } from '../../events/requester.ts';
import type { ReleaseApproval } from '../store/release-approvals.ts';
import type { ClusterRelease, Release } from '../store/releases.ts';
import { type Progress, progressOf, type RequestState } from './state.ts';

/** A Block Kit block as Slack takes it (JSON): https://docs.slack.dev/reference/block-kit/blocks */
export type Block = Record<string, unknown>;

export interface Rendered {
  /** The fallback Slack shows in notifications and to screen readers. */
  readonly text: string;
  readonly blocks: Block[];
}

export interface RenderOptions {
  /** CAPSTAN_PUBLIC_URL: where the history link points; no link without it. */
  readonly publicUrl?: string;
}

/**
 * The one message of a request, from the table's state alone: the same state always renders the same
 * message, so a late or repeated notice can only show what the table says now. It names people, images
 * and reasons, never a secret (no response_url, no token: they are not in the state).
 */
export const renderMessage = (s: RequestState, o: RenderOptions = {}): Rendered => {
  const progress = progressOf(s);
  const blocks: Block[] = [
    section(`${ICON[progress]} *${esc(s.app)}* to *${esc(s.environment)}*: ${esc(headline(s, progress))}`),
    context([`Requested by ${esc(who(s))}`, ...(s.release?.reason ? [esc(s.release.reason)] : [])]),
  ];
  if (s.approval) blocks.push(...approvalBlocks(s.approval, s));
  if (s.release) blocks.push(...releaseBlocks(s.release));
  if (s.rollback) blocks.push(section(`*Rollback* ${rollbackLine(s.rollback)}`));
  const outcome = outcomeLine(s, progress);
  if (outcome) blocks.push(section(outcome));
  const link = historyUrl(s, o.publicUrl);
  if (link) blocks.push(context([`<${link}|History of ${esc(s.app)} in ${esc(s.environment)}>`]));
  return { text: esc(`${s.app} to ${s.environment}: ${headline(s, progress)}`), blocks };
};

/** The short private answer where the request was made, once it ended. */
export const renderSummary = (s: RequestState): string => {
  return esc(`${s.app} to ${s.environment}: ${headline(s, progressOf(s))}`);
};

const ICON: Record<Progress, string> = {
  accepted: ':inbox_tray:',
  'awaiting-approval': ':hourglass_flowing_sand:',
  approved: ':white_check_mark:',
  'rolling-out': ':arrows_counterclockwise:',
  'rolling-back': ':rewind:',
  succeeded: ':large_green_circle:',
  'rolled-back': ':rewind:',
  failed: ':red_circle:',
  superseded: ':fast_forward:',
  'approval-rejected': ':no_entry:',
  'approval-expired': ':alarm_clock:',
  'approval-superseded': ':fast_forward:',
  refused: ':no_entry_sign:',
};

const rev = (r: Pick<Release, 'revision'>) => `r${r.revision}`;

const headline = (s: RequestState, p: Progress): string => {
  const r = s.release;
  switch (p) {
    case 'accepted':
      return 'accepted';
    case 'awaiting-approval':
      return `waiting for approval (${approvals(s.approval as ReleaseApproval)}/${s.approval?.required})`;
    case 'approved':
      return 'approved, releasing';
    case 'rolling-out':
      return `${rev(r as Release)} rolling out (wave ${(r as Release).wave + 1} of ${(r as Release).waves.length})`;
    case 'rolling-back':
      return `${rev(r as Release)} failed, rolling back to r${s.rollback?.rollbackOf}`;
    case 'succeeded':
      return `${rev(r as Release)} succeeded`;
    case 'rolled-back':
      return s.rollback
        ? `${rev(r as Release)} failed, rolled back to r${s.rollback.rollbackOf}`
        : `rolled back to r${r?.rollbackOf} (${rev(r as Release)})`;
    case 'failed':
      return `${r ? `${rev(r)} ` : ''}failed${r?.statusReason ? `: ${r.statusReason.reason}` : ''}`;
    case 'superseded':
      return `${rev(r as Release)} superseded${r?.statusReason ? ` (${r.statusReason.reason})` : ''}`;
    case 'approval-rejected':
      return `rejected by ${rejecter(s.approval as ReleaseApproval)}`;
    case 'approval-expired':
      return 'approval expired';
    case 'approval-superseded':
      return 'superseded by a newer push';
    case 'refused':
      return `refused: ${s.refusal?.reason}`;
  }
};

const who = (s: RequestState): string =>
  s.requester
    ? requesterText(s.requester)
    : s.approval
      ? requesterText(s.approval.requester)
      : (s.requestedBy ?? 'someone unnamed');

const approvals = (a: ReleaseApproval) => a.votes.filter((v) => v.counted && v.decision === 'approve').length;

const rejecter = (a: ReleaseApproval) => {
  const reject = a.votes.find((v) => v.decision === 'reject');
  return reject ? requesterText(reject.voter) : 'an approver';
};

const approvalBlocks = (a: ReleaseApproval, s: RequestState): Block[] => {
  const votes = a.votes.map(
    (v) =>
      `• ${v.decision === 'approve' ? 'approved' : 'rejected'} by ${esc(requesterText(v.voter))} at ${when(v.at)}` +
      (v.counted ? '' : ` (not counted${v.why ? `: ${esc(v.why)}` : ''})`),
  );
  const state =
    a.state === 'open'
      ? `open until ${when(a.dueAt)}`
      : `${a.state === 'released' ? 'granted' : a.state}${a.endedAt ? ` at ${when(a.endedAt)}` : ''}`;
  const blocks: Block[] = [
    section([`*Approval* ${approvals(a)}/${a.required} approvals, ${state}`, ...votes].join('\n')),
  ];
  if (a.state === 'open') blocks.push(approvalButtons(a, s));
  return blocks;
};

/** The buttons the chat edge answers (functions/chat.ts): action ids and value are its contract. */
const approvalButtons = (a: ReleaseApproval, s: RequestState): Block => {
  const value = `${s.app}|${s.environment}|${a.id}`;
  const what = `${esc(s.app)} \`${esc(a.request.image)}\` to *${esc(s.environment)}*`;
  return {
    type: 'actions',
    block_id: 'approval',
    elements: [
      button(
        'approval.approve',
        'Approve',
        value,
        'primary',
        confirm('Approve this release?', `Release ${what}.`, 'Approve'),
      ),
      button(
        'approval.reject',
        'Reject',
        value,
        'danger',
        confirm('Reject this release?', `Stop ${what}: one reject ends it.`, 'Reject'),
      ),
    ],
  };
};

const button = (action_id: string, label: string, value: string, style: string, confirmDialog: Block): Block => ({
  type: 'button',
  action_id,
  text: plain(label),
  value,
  style,
  confirm: confirmDialog,
});

const confirm = (title: string, text: string, yes: string): Block => ({
  title: plain(title),
  text: { type: 'mrkdwn', text: clip(text, 300) },
  confirm: plain(yes),
  deny: plain('Cancel'),
});

const releaseBlocks = (r: Release): Block[] => {
  const images = imagesOf(r).map(([c, image]) => `• ${esc(c)}: \`${esc(image)}\``);
  const blocks: Block[] = [section([`*Release ${rev(r)}*`, ...images].join('\n'))];
  r.waves.forEach((clusters, i) => {
    const lines = clusters.map((c) => `• \`${esc(c)}\` ${esc(clusterState(r, i, r.clusters[c]))}`);
    blocks.push(section([`*Wave ${i + 1} of ${r.waves.length}*: ${waveState(r, i)}`, ...lines].join('\n')));
  });
  return blocks;
};

/** The image of every container of the Deployment the release applies. */
const imagesOf = (r: Release): [string, string][] => {
  const deployment = r.manifests.find((m) => m.kind === 'Deployment') as
    | { spec?: { template?: { spec?: { containers?: { name?: string; image?: string }[] } } } }
    | undefined;
  const containers = deployment?.spec?.template?.spec?.containers ?? [];
  const found = containers.flatMap((c): [string, string][] => (c.name && c.image ? [[c.name, c.image]] : []));
  return found.length > 0 ? found : [[r.app, r.image]];
};

const RETRIED = new Set(['unreachable', 'lease-held']);
const settled = (r: Release) => r.status !== 'applying' && r.status !== 'progressing';

const clusterState = (r: Release, wave: number, c: ClusterRelease | undefined): string => {
  if (!c) return wave > r.wave ? 'waiting' : settled(r) ? 'not started' : 'applying';
  if (c.apply === 'failed') {
    return `${RETRIED.has(c.code ?? '') && !settled(r) ? 'retrying' : 'failed'}${c.message ? `: ${c.message}` : ''}`;
  }
  if (c.rollout === 'ready') return 'Ready';
  if (c.rollout === 'failed') return `failed${c.message ? `: ${c.message}` : ''}`;
  return settled(r) ? 'stopped' : 'progressing';
};

const waveState = (r: Release, wave: number): string => {
  const states = (r.waves[wave] ?? []).map((c) => r.clusters[c]);
  if (states.every((c) => c?.rollout === 'ready')) return 'Ready';
  if (states.some((c) => c?.rollout === 'failed' || (c?.apply === 'failed' && !RETRIED.has(c.code ?? ''))))
    return 'failed';
  if (wave > r.wave) return settled(r) ? 'not started' : 'waiting';
  return settled(r) ? 'stopped' : 'progressing';
};

const rollbackLine = (r: Release): string => {
  const state = r.status === 'applying' || r.status === 'progressing' ? 'in progress' : r.status;
  return `${rev(r)} re-applies r${r.rollbackOf}: ${state}${r.statusReason ? ` (${esc(r.statusReason.reason)})` : ''}`;
};

const outcomeLine = (s: RequestState, p: Progress): string | undefined => {
  switch (p) {
    case 'succeeded':
      return '*Succeeded*: every wave is Ready';
    case 'rolled-back':
      return `*Rolled back* to r${s.rollback?.rollbackOf ?? s.release?.rollbackOf}`;
    case 'failed':
      return `*Failed*${s.release?.statusReason ? `: ${esc(s.release.statusReason.reason)}` : ''}`;
    case 'superseded':
      return `*Superseded*${s.release?.statusReason ? `: ${esc(s.release.statusReason.reason)}` : ''}`;
    case 'approval-rejected':
      return `*Rejected* by ${esc(rejecter(s.approval as ReleaseApproval))}: nothing was released`;
    case 'approval-expired':
      return '*Expired*: no quorum in time, nothing was released';
    case 'approval-superseded':
      return '*Superseded*: a newer push waits for approval in its place, nothing was released';
    case 'refused':
      return `*Refused*: ${esc(s.refusal?.reason ?? '')}`;
    default:
      return undefined;
  }
};

const historyUrl = (s: RequestState, publicUrl: string | undefined): string | undefined =>
  publicUrl
    ? `${publicUrl.replace(/\/+$/, '')}/apps/${encodeURIComponent(s.app)}?env=${encodeURIComponent(s.environment)}`
    : undefined;

/** `2026-12-02 12:06 UTC`: the same for every reader, and nothing to resolve. */
export const when = (iso: string): string => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

export const section = (text: string): Block => ({ type: 'section', text: { type: 'mrkdwn', text: clip(text, 3000) } });
export const context = (texts: string[]): Block => ({
  type: 'context',
  elements: texts.map((t) => ({ type: 'mrkdwn', text: clip(t, 2000) })),
});
const plain = (text: string) => ({ type: 'plain_text', text: clip(text, 75), emoji: true });

// Slack's limits per text object; a longer one refuses the whole message (invalid_blocks).
const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/** mrkdwn's three control characters (https://docs.slack.dev/messaging/formatting-message-text#escaping). */
export const esc = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
