import { DeleteCommand, GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { z } from 'zod';
import {
  type AccessSnapshot,
  type Channel,
  ChannelSchema,
  type Grant,
  GrantSchema,
  type Role,
  type Subject,
  subjectKey,
  type Workspace,
  WorkspaceSchema,
} from '../roles.ts';
import { conditionally, type Db, parseItem, queryAll } from './db.ts';
import { keys } from './keys.ts';

/** Everything lib/access/decide.ts reads about one environment: two consistent queries. */
export const accessSnapshot = async (db: Db, environment: string): Promise<AccessSnapshot> => {
  const [workspaceItems, envItems] = await Promise.all([
    queryAll(db, {
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :sk)',
      ExpressionAttributeValues: { ':pk': keys.workspaces.PK, ':sk': keys.workspaces.SKPrefix },
      ConsistentRead: true,
    }),
    queryAll(db, {
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': keys.accessOf(environment).PK },
      ConsistentRead: true,
    }),
  ]);
  const sk = (item: Record<string, unknown>) => String(item.SK);
  return {
    workspaces: workspaceItems.map((item) => parseItem(WorkspaceSchema, item)),
    grants: envItems.filter((i) => sk(i).startsWith('GRANT#')).map((item) => parseItem(GrantSchema, item)),
    channels: envItems.filter((i) => sk(i).startsWith('CHANNEL#')).map((item) => parseItem(ChannelSchema, item)),
  };
};

/** A write of the access store: `created` (or `deleted`) when it changed the table, `unchanged` when not. */
export type AccessWrite<T> = { readonly outcome: 'created' | 'unchanged'; readonly item: T };

/**
 * Puts the item unless one is there under its key: allowing or granting twice keeps the first (its time
 * and who did it), so the record says when access was first given.
 */
const putOnce = async <S extends z.ZodType>(
  db: Db,
  key: { PK: string; SK: string },
  schema: S,
  value: z.infer<S>,
): Promise<AccessWrite<z.infer<S>>> => {
  const put = db.doc.send(
    new PutCommand({
      TableName: db.table,
      Item: { ...key, ...(value as Record<string, unknown>) },
      ConditionExpression: 'attribute_not_exists(PK)',
    }),
  );
  if (await conditionally(put)) return { outcome: 'created', item: value };
  const { Item } = await db.doc.send(new GetCommand({ TableName: db.table, Key: key, ConsistentRead: true }));
  // Revoked between the two calls: what the caller asked for is not there, so ask again.
  if (!Item) return putOnce(db, key, schema, value);
  return { outcome: 'unchanged', item: parseItem(schema, Item) };
};

/** Deletes the item; `false` when there was none (revoking twice is not an error). */
const deleteIfThere = async (db: Db, key: { PK: string; SK: string }): Promise<boolean> => {
  const { Attributes } = await db.doc.send(
    new DeleteCommand({ TableName: db.table, Key: key, ReturnValues: 'ALL_OLD' }),
  );
  return Attributes !== undefined;
};

/** Whether people of a chat workspace are let in (`capstan access workspace allow`): one consistent read. */
export const isWorkspaceAllowed = async (db: Db, chat: Workspace['chat'], workspace: string): Promise<boolean> => {
  const { Item } = await db.doc.send(
    new GetCommand({ TableName: db.table, Key: keys.workspace(chat, workspace), ConsistentRead: true }),
  );
  return Item !== undefined;
};

export const allowWorkspace = (db: Db, w: Workspace) =>
  putOnce(db, keys.workspace(w.chat, w.workspace), WorkspaceSchema, w);
export const revokeWorkspace = (db: Db, chat: Workspace['chat'], workspace: string) =>
  deleteIfThere(db, keys.workspace(chat, workspace));

export const putGrant = (db: Db, g: Grant) =>
  putOnce(db, keys.grant(g.environment, g.role, subjectKey(g.subject)), GrantSchema, g);
export const revokeGrant = (db: Db, environment: string, role: Role, subject: Subject) =>
  deleteIfThere(db, keys.grant(environment, role, subjectKey(subject)));

export const allowChannel = (db: Db, c: Channel) =>
  putOnce(db, keys.channel(c.environment, c.chat, c.workspace, c.channel), ChannelSchema, c);
export const revokeChannel = (db: Db, c: Pick<Channel, 'environment' | 'chat' | 'workspace' | 'channel'>) =>
  deleteIfThere(db, keys.channel(c.environment, c.chat, c.workspace, c.channel));

/**
 * Everything `capstan access list` shows: one environment's snapshot, or every environment's. Access items
 * have no index across environments (decisions read one environment), so the whole list is a filtered scan:
 * an operator's command over a small set of items, never on a request's path.
 */
export const listAccess = async (db: Db, environment?: string): Promise<AccessSnapshot> => {
  if (environment !== undefined) return accessSnapshot(db, environment);
  const items: Record<string, unknown>[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await db.doc.send(
      new ScanCommand({
        TableName: db.table,
        FilterExpression: 'begins_with(PK, :p)',
        ExpressionAttributeValues: { ':p': 'ACCESS' },
        ConsistentRead: true,
        ExclusiveStartKey,
      }),
    );
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  const sk = (item: Record<string, unknown>) => String(item.SK);
  const byKey = (a: Record<string, unknown>, b: Record<string, unknown>) =>
    `${a.PK}|${a.SK}`.localeCompare(`${b.PK}|${b.SK}`);
  items.sort(byKey);
  return {
    workspaces: items.filter((i) => sk(i).startsWith('WORKSPACE#')).map((i) => parseItem(WorkspaceSchema, i)),
    grants: items.filter((i) => sk(i).startsWith('GRANT#')).map((i) => parseItem(GrantSchema, i)),
    channels: items.filter((i) => sk(i).startsWith('CHANNEL#')).map((i) => parseItem(ChannelSchema, i)),
  };
};
