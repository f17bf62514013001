import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { conditionally, type Db, parseItem, queryAll } from './db.ts';
import { keys } from './keys.ts';

/**
 * A push an environment took (its tag matched) but that waits for `capstan approve`, because the app does
 * not deploy there automatically. One per app, environment and container: a newer push of the same
 * container's repository replaces an older one; pushes for different containers wait side by side.
 */
export const PendingApprovalSchema = z.object({
  app: z.string(),
  environment: z.string(),
  /** The container of the app that runs the pushed repository. */
  container: z.string(),
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
        Item: { ...keys.approval(pending.app, pending.environment, pending.container), ...pending },
        ConditionExpression: 'attribute_not_exists(PK) OR pushedAt <= :at',
        ExpressionAttributeValues: { ':at': pending.pushedAt },
      }),
    ),
  );

/** Every push waiting in an environment of the app, one per container. */
export const pendingApprovals = async (db: Db, app: string, environment: string): Promise<PendingApproval[]> => {
  const { PK, SKPrefix } = keys.approvals(app, environment);
  const items = await queryAll(db, {
    KeyConditionExpression: 'PK = :pk AND begins_with(SK, :sk)',
    ExpressionAttributeValues: { ':pk': PK, ':sk': SKPrefix },
    ConsistentRead: true,
  });
  return items.map((item) => parseItem(PendingApprovalSchema, item));
};

/** Removes a waiting push, only if it is still the one that was approved. */
export const clearApproval = async (
  db: Db,
  approved: Pick<PendingApproval, 'app' | 'environment' | 'container' | 'eventId'>,
) =>
  conditionally(
    db.doc.send(
      new DeleteCommand({
        TableName: db.table,
        Key: keys.approval(approved.app, approved.environment, approved.container),
        ConditionExpression: 'eventId = :id',
        ExpressionAttributeValues: { ':id': approved.eventId },
      }),
    ),
  );
