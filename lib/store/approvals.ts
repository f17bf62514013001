import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { conditionally, type Db, parseItem } from './db.ts';
import { keys } from './keys.ts';

/**
 * A push an environment took (its tag matched) but that waits for `capstan approve`, because the app does
 * not deploy there automatically. One per app and environment: a newer push replaces an older one.
 */
export const PendingApprovalSchema = z.object({
  app: z.string(),
  environment: z.string(),
  /** Pinned by digest: what approving releases, whatever the tag points at by then. */
  image: z.string(),
  tag: z.string(),
  pushedAt: z.iso.datetime({ offset: true }),
  eventId: z.string(),
  pushedBy: z.string().optional(),
});
export type PendingApproval = z.infer<typeof PendingApprovalSchema>;

/** Keeps the newer of the waiting push and this one (a late, older push never replaces a newer one). */
export const offerApproval = async (db: Db, pending: PendingApproval): Promise<boolean> =>
  conditionally(
    db.doc.send(
      new PutCommand({
        TableName: db.table,
        Item: { ...keys.approval(pending.app, pending.environment), ...pending },
        ConditionExpression: 'attribute_not_exists(PK) OR pushedAt <= :at',
        ExpressionAttributeValues: { ':at': pending.pushedAt },
      }),
    ),
  );

export const pendingApproval = async (db: Db, app: string, environment: string) => {
  const { Item } = await db.doc.send(
    new GetCommand({ TableName: db.table, Key: keys.approval(app, environment), ConsistentRead: true }),
  );
  return Item ? parseItem(PendingApprovalSchema, Item) : undefined;
};

/** Removes the waiting push, only if it is still the one that was approved. */
export const clearApproval = async (db: Db, app: string, environment: string, eventId: string) =>
  conditionally(
    db.doc.send(
      new DeleteCommand({
        TableName: db.table,
        Key: keys.approval(app, environment),
        ConditionExpression: 'eventId = :id',
        ExpressionAttributeValues: { ':id': eventId },
      }),
    ),
  );
