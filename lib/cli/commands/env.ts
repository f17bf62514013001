import { NameSchema } from '../../../events/envelope.ts';
import { SlackChannelIdSchema } from '../../apps/chat-ops.ts';
import { InvalidInputError } from '../../errors.ts';
import { healModeOf } from '../../heal/decisions/mode.ts';
import { environmentPolicy, listEnvironments, protectedByDefault, setEnvironment } from '../../store/environments.ts';
import type { HealMode } from '../../store/heals.ts';
import { openDb } from '../connect.ts';
import { renderTable, since } from '../format.ts';

export interface SetEnvOptions {
  readonly protected?: boolean;
  readonly unprotected?: boolean;
  readonly healMode?: HealMode;
  /** A Slack channel id, or `none` to stop telling the environment's channel. */
  readonly notifyChannel?: string;
}

const NO_CHANNEL = 'none';

/** What `env set` was asked to change; a setting not named keeps its value. */
export const envSetIssues = (name: string, o: SetEnvOptions): string[] => [
  ...(NameSchema.safeParse(name).success ? [] : [`name "${name}" must be a DNS-1123 label`]),
  ...(o.protected && o.unprotected ? ['give only one of --protected or --unprotected'] : []),
  ...(!o.protected && !o.unprotected && !o.healMode && o.notifyChannel === undefined
    ? ['give --protected, --unprotected, --heal-mode or --notify-channel']
    : []),
  ...(o.notifyChannel === undefined ||
  o.notifyChannel === NO_CHANNEL ||
  SlackChannelIdSchema.safeParse(o.notifyChannel).success
    ? []
    : [`--notify-channel "${o.notifyChannel}" must be a Slack channel id (C… or G…, not a name) or "${NO_CHANNEL}"`]),
];

/** `capstan env set <name> [--protected | --unprotected] [--heal-mode observe|approve|auto] [--notify-channel <id>|none]`. */
export const setEnvCommand = async (name: string, o: SetEnvOptions, out: (line: string) => void) => {
  const issues = envSetIssues(name, o);
  if (issues.length) throw new InvalidInputError('cannot set environment', issues);
  const { db, close } = await openDb();
  try {
    // The settings not given stay as they are (or as the defaults have them, for an environment never set).
    const current = await environmentPolicy(db, name);
    const isProtected = o.protected ? true : o.unprotected ? false : current.protected;
    const healMode = o.healMode ?? current.healMode;
    const channel =
      o.notifyChannel === undefined
        ? current.notifyChannel
        : o.notifyChannel === NO_CHANNEL
          ? undefined
          : o.notifyChannel;
    await setEnvironment(db, {
      name,
      protected: isProtected,
      ...(healMode ? { healMode } : {}),
      ...(channel ? { notify: { slack: { channel } } } : {}),
      updatedAt: new Date().toISOString(),
    });
    out(
      `environment ${name} is ${isProtected ? 'protected: production rules apply (pinned digest, 3+ replicas, probes, limits, QoS, quota)' : 'not protected'}; its clusters heal lost nodes in ${healModeOf({}, { protected: isProtected, healMode })} mode unless a cluster says otherwise; ${channel ? `healing and scaling are told in Slack channel ${channel}` : 'healing and scaling are told in no channel'}`,
    );
  } finally {
    close();
  }
};

/** `capstan env list`: environments set explicitly; others follow their name (prod* is protected). */
export const listEnvCommand = async (o: { json?: boolean }, out: (line: string) => void) => {
  const { db, close } = await openDb();
  try {
    const envs = (await listEnvironments(db)).map((e) => ({ ...e, effectiveHealMode: healModeOf({}, e) }));
    if (o.json) return out(JSON.stringify(envs, null, 2));
    if (envs.length > 0) {
      out(
        renderTable(
          ['NAME', 'PROTECTED', 'HEAL MODE', 'NOTIFY', 'UPDATED'],
          envs.map((e) => [
            e.name,
            e.protected ? 'yes' : 'no',
            `${e.effectiveHealMode}${e.healMode ? '' : ' (default)'}`,
            e.notify?.slack?.channel ?? '-',
            since(e.updatedAt),
          ]),
        ),
      );
    }
    out(
      `${envs.length === 0 ? 'no environment set explicitly; ' : ''}an environment not set is protected when named like production (${['production', 'prod', 'prod-eu'].filter(protectedByDefault).join(', ')}); heal mode defaults to approve where protected, auto elsewhere`,
    );
  } finally {
    close();
  }
};
