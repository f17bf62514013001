import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { canonicalOf } from '../apps/repository.ts';
import { type AppSpec, AppSpecSchema } from '../apps/spec.ts';
import { NotFoundError } from '../errors.ts';
import { type Db, parseItem, queryAll } from './db.ts';
import { keys } from './keys.ts';

export const AppRecordSchema = z.object({
  spec: AppSpecSchema,
  /** Bumped on every change, so `capstan apps add` can say whether anything changed. */
  generation: z.int().min(1),
  registeredAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type AppRecord = z.infer<typeof AppRecordSchema>;

/**
 * The repositories a push must be of to release the app, canonical (`docker.io/library/nginx`), each with
 * the containers that run it: a push of a sidecar's repository releases that sidecar.
 */
export const trackedRepositories = (spec: AppSpec): Map<string, string[]> => {
  const tracked = new Map<string, string[]>();
  for (const c of spec.containers) {
    const repository = canonicalOf(c.repository);
    tracked.set(repository, [...(tracked.get(repository) ?? []), c.name]);
  }
  return tracked;
};

/**
 * Registers an app or replaces its spec. The app item and one tracking item per repository (what an
 * image push looks up) are written in one transaction, dropping tracking items of repositories the new
 * spec no longer uses; an identical spec writes nothing.
 */
export const putApp = async (
  db: Db,
  spec: AppSpec,
  now: Date,
): Promise<{ record: AppRecord; change: 'created' | 'configured' | 'unchanged' }> => {
  const existing = await findApp(db, spec.name);
  if (existing && JSON.stringify(existing.spec) === JSON.stringify(spec)) {
    return { record: existing, change: 'unchanged' };
  }
  const at = now.toISOString();
  const record: AppRecord = {
    spec,
    generation: (existing?.generation ?? 0) + 1,
    registeredAt: existing?.registeredAt ?? at,
    updatedAt: at,
  };
  const tracked = trackedRepositories(spec);
  const dropped = existing ? [...trackedRepositories(existing.spec).keys()].filter((r) => !tracked.has(r)) : [];
  await db.doc.send(
    new TransactWriteCommand({
      TransactItems: [
        {
          Put: {
            TableName: db.table,
            Item: { ...keys.app(spec.name), ...record },
            // Two concurrent `apps add` of one app: the second fails rather than mixing tracking items.
            ConditionExpression: existing ? '#g = :g' : 'attribute_not_exists(PK)',
            ...(existing
              ? {
                  ExpressionAttributeNames: { '#g': 'generation' },
                  ExpressionAttributeValues: { ':g': existing.generation },
                }
              : {}),
          },
        },
        ...[...tracked.keys()].map((repository) => ({
          Put: { TableName: db.table, Item: { ...keys.tracker(repository, spec.name), app: spec.name, repository } },
        })),
        ...dropped.map((repository) => ({
          Delete: { TableName: db.table, Key: keys.tracker(repository, spec.name) },
        })),
      ],
    }),
  );
  return { record, change: existing ? 'configured' : 'created' };
};

/**
 * Unregisters an app: its item and its tracking items go, in one transaction (so a push never finds half
 * an app). Its releases, approvals and history stay: they are the record of what ran where, and `capstan
 * apps add` later picks up from them (an approval granted meanwhile releases nothing: the app is unknown).
 * Nothing in any cluster is touched.
 */
export const removeApp = async (db: Db, name: string): Promise<AppRecord> => {
  const record = await getApp(db, name);
  await db.doc.send(
    new TransactWriteCommand({
      TransactItems: [
        {
          Delete: {
            TableName: db.table,
            Key: keys.app(name),
            // Changed since it was read (a concurrent `apps add`): fail rather than leave its tracking behind.
            ConditionExpression: '#g = :g',
            ExpressionAttributeNames: { '#g': 'generation' },
            ExpressionAttributeValues: { ':g': record.generation },
          },
        },
        ...[...trackedRepositories(record.spec).keys()].map((repository) => ({
          Delete: { TableName: db.table, Key: keys.tracker(repository, name) },
        })),
      ],
    }),
  );
  return record;
};

export const findApp = async (db: Db, name: string): Promise<AppRecord | undefined> => {
  const { Item } = await db.doc.send(
    new GetCommand({ TableName: db.table, Key: keys.app(name), ConsistentRead: true }),
  );
  return Item ? parseItem(AppRecordSchema, Item) : undefined;
};

export const getApp = async (db: Db, name: string): Promise<AppRecord> => {
  const record = await findApp(db, name);
  if (!record) throw new NotFoundError(`app ${name} is not registered: add it with \`capstan apps add <file>\``);
  return record;
};

export const listApps = async (db: Db): Promise<AppRecord[]> => {
  const items = await queryAll(db, {
    KeyConditionExpression: 'PK = :pk',
    ExpressionAttributeValues: { ':pk': keys.apps.PK },
  });
  return items.map((item) => parseItem(AppRecordSchema, item));
};

/** The apps whose containers run `repository` (canonical, see canonicalRepository), with those containers. */
export const appsTracking = async (
  db: Db,
  repository: string,
): Promise<{ record: AppRecord; containers: string[] }[]> => {
  const items = await queryAll(db, {
    KeyConditionExpression: 'PK = :pk',
    ExpressionAttributeValues: { ':pk': keys.tracking(repository).PK },
  });
  const found = await Promise.all(
    items.map(async (item) => {
      const record = await findApp(db, String(item.app));
      // Which containers, from the spec itself: the tracking item only says where to look.
      const containers = record ? trackedRepositories(record.spec).get(repository) : undefined;
      return record && containers ? [{ record, containers }] : [];
    }),
  );
  return found.flat();
};
