import type { OpsNotify } from '../../events/index.ts';
import type { NotifyDeps } from './ports.ts';
import { postClaimed } from './post-once.ts';
import { renderOpsMessage } from './render-ops.ts';

export type OpsNotifyOutcome =
  | { readonly outcome: 'posted'; readonly notice: string; readonly channel: string; readonly ts: string }
  | { readonly outcome: 'skipped'; readonly notice: string; readonly why: string };

/**
 * ops.notify -> one Slack message telling one step of healing or scaling, posted once: to the app's
 * `notify.slack.channel` for a workload an app runs, else to the environment's channel (`capstan env set
 * --notify-channel`), read now, so a channel changed meanwhile is the one told. A redelivered notice finds
 * its message posted and posts nothing.
 */
export const notifyOps = async (event: OpsNotify, deps: NotifyDeps): Promise<OpsNotifyOutcome> => {
  const d = event.data;
  const skip = (why: string): OpsNotifyOutcome => {
    deps.log('nothing to notify', { notice: event.id, what: d.what, cluster: d.cluster, why });
    return { outcome: 'skipped', notice: event.id, why };
  };
  if (!d.environment) return skip('the step is about no environment');
  const channel =
    (d.app ? await deps.reads.notifyChannel(d.app, d.environment) : undefined) ??
    (await deps.reads.environmentChannel(d.environment));
  if (!channel) return skip(`no notify channel for ${d.app ? `${d.app} in ` : ''}${d.environment}`);
  const token = await deps.botToken();
  if (!token) return skip('no Slack bot token in the chat secret');
  const record = await deps.messages.get(event.id);
  if (record?.ts) return skip('already posted');
  const message = renderOpsMessage(d, deps.publicUrl ? { publicUrl: deps.publicUrl } : {});
  const posted = await postClaimed(deps, event.id, record, 'slack', () => deps.slack.post(token, channel, message));
  return { outcome: 'posted', notice: event.id, ...posted };
};
