import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { NameSchema } from '../../events/envelope.ts';
import { NotifySchema } from '../apps/chat-ops.ts';
import { type Db, parseItem, queryAll } from './db.ts';
import { HealModeSchema } from './heals.ts';
import { keys } from './keys.ts';
import type { EnvironmentPolicy } from './ports.ts';

export const EnvironmentSettingsSchema = z.object({
  name: NameSchema,
  /** Production rules apply: pinned digests, 3+ replicas, probes, limits, QoS (lib/deploy/decisions/policy.ts). */
  protected: z.boolean(),
  /** How its clusters heal lost nodes, unless a cluster says otherwise (lib/heal/decisions/mode.ts). */
  healMode: HealModeSchema.optional(),
  /** Where healing and scaling are told (lib/notify/notify-ops.ts); an app's own channel wins for its workloads. */
  notify: NotifySchema.optional(),
  updatedAt: z.iso.datetime(),
});
export type EnvironmentSettings = z.infer<typeof EnvironmentSettingsSchema>;

/**
 * Safe by default: an environment nobody configured is protected when its name says production, so a
 * forgotten `capstan env set production --protected` never lets `latest` into production.
 */
export const protectedByDefault = (name: string): boolean => /^prod(uction)?(-|$)/.test(name);

export const setEnvironment = async (db: Db, settings: EnvironmentSettings): Promise<void> => {
  await db.doc.send(
    new PutCommand({ TableName: db.table, Item: { ...keys.environmentSettings(settings.name), ...settings } }),
  );
};

/** Configured settings, or the defaults (`configured: false`) for an environment nobody set. */
export const environmentPolicy = async (db: Db, name: string): Promise<EnvironmentPolicy> => {
  const { Item } = await db.doc.send(new GetCommand({ TableName: db.table, Key: keys.environmentSettings(name) }));
  return policyOf(name, Item ? parseItem(EnvironmentSettingsSchema, Item) : undefined);
};

/** The policy settings amount to (the table's and the store double's alike). */
export const policyOf = (name: string, settings: EnvironmentSettings | undefined): EnvironmentPolicy =>
  settings
    ? {
        name,
        protected: settings.protected,
        configured: true,
        ...(settings.healMode ? { healMode: settings.healMode } : {}),
        ...(settings.notify?.slack ? { notifyChannel: settings.notify.slack.channel } : {}),
      }
    : { name, protected: protectedByDefault(name), configured: false };

export const listEnvironments = async (db: Db): Promise<EnvironmentSettings[]> => {
  const items = await queryAll(db, {
    KeyConditionExpression: 'PK = :pk',
    ExpressionAttributeValues: { ':pk': keys.environments.PK },
  });
  return items.map((item) => parseItem(EnvironmentSettingsSchema, item));
};
