import type { OpsNotifyData, OpsNotifyWhat } from '../../events/index.ts';
import type { ChatMessage } from './ports.ts';
import { type Block, context, esc, section, when } from './render.ts';

export interface OpsRenderOptions {
  /** CAPSTAN_PUBLIC_URL: where the history link points; the CLI command to read it is always given. */
  readonly publicUrl?: string;
}

const ICON: Record<OpsNotifyWhat, string> = {
  'node-lost': ':warning:',
  'node-awaiting-approval': ':raised_hand:',
  'node-fenced': ':shield:',
  'node-fence-failed': ':x:',
  'node-returned': ':white_check_mark:',
  'node-restored': ':white_check_mark:',
  'node-deleted': ':wastebasket:',
  'image-freed': ':unlock:',
  'image-not-freed': ':no_entry:',
  'scale-raised': ':arrow_up:',
  'scale-reverted': ':arrow_down:',
  'scale-refused': ':no_entry:',
};

/**
 * One step of healing or scaling, as one Slack message: what happened to what, where, the history's own
 * words for why, and where to read the rest. It names nodes, images, workloads and people, never a secret.
 */
export const renderOpsMessage = (d: OpsNotifyData, o: OpsRenderOptions = {}): ChatMessage => {
  const line = headline(d);
  const blocks: Block[] = [
    section(`${ICON[d.what]} ${esc(line)}`),
    section(esc(d.reason)),
    context([
      `${when(d.at)}${d.code ? ` · \`${esc(d.code)}\`` : ''}${d.by ? ` · by ${esc(d.by)}` : ''}`,
      historyLink(d, o.publicUrl),
    ]),
  ];
  return { text: esc(line), blocks };
};

const where = (d: OpsNotifyData) => `${d.cluster}${d.environment ? ` (${d.environment})` : ''}`;

const headline = (d: OpsNotifyData): string => {
  const node = `node ${d.node ?? '?'} of ${where(d)}`;
  const image = `RBD image ${d.image ?? '?'} held by ${node}`;
  const workload = `${d.app ? `${d.app}'s ` : ''}${d.workload ?? 'workload'} in ${where(d)}`;
  const ceiling = (verb: string) =>
    `${workload}: ceiling ${verb}${d.from !== undefined && d.from !== d.to ? ` from ${d.from}` : ''}${d.to !== undefined ? ` to ${d.to}` : ''}`;
  switch (d.what) {
    case 'node-lost':
      return `Lost: ${node} (observe mode: nothing done)`;
    case 'node-awaiting-approval':
      return `Lost: ${node}; fencing waits for a person: capstan heal approve ${d.cluster} ${d.node ?? ''}`.trim();
    case 'node-fenced':
      return `Fenced: ${node} (cordoned, out-of-service), its pods free to start elsewhere`;
    case 'node-fence-failed':
      return `Fencing failed: ${node}`;
    case 'node-returned':
      return `Back: ${node}, before it was fenced`;
    case 'node-restored':
      return `Restored: ${node}`;
    case 'node-deleted':
      return `Ended: ${node} was deleted while it was being healed`;
    case 'image-freed':
      return `Freed: ${image}`;
    case 'image-not-freed':
      return `Not freed: ${image}`;
    case 'scale-raised':
      return `${ceiling('raised')}${d.until ? ` until ${when(d.until)}` : ''}`;
    case 'scale-reverted':
      return ceiling('put back');
    case 'scale-refused':
      // A raise refused (quota, burstMax), or a put-back given up (the lease stayed held): the reason says which.
      return `${workload}: ceiling not changed`;
  }
};

/** The CLI command that shows the rest: the node's (or image's) heal, or the app's scaling history. */
const commandFor = (d: OpsNotifyData): string => {
  if (d.node) return `capstan heal show ${d.cluster} ${d.image ?? d.node}`;
  const env = d.environment ? ` --env ${d.environment}` : '';
  return d.app
    ? `capstan history ${d.app}${env} --cluster ${d.cluster} --action scale`
    : `capstan history _unrouted${env}`;
};

/** The dashboard's history when capstan's URL is known, and always the command that reads the same. */
const historyLink = (d: OpsNotifyData, publicUrl: string | undefined): string => {
  const command = `\`${esc(commandFor(d))}\``;
  if (!publicUrl) return command;
  const app = d.node ? '_nodes' : (d.app ?? '_unrouted');
  const query = new URLSearchParams({ ...(d.environment ? { env: d.environment } : {}), cluster: d.cluster });
  return `<${publicUrl.replace(/\/+$/, '')}/apps/${encodeURIComponent(app)}?${query}|History> · ${command}`;
};
