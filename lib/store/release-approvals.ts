import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { DeployRequestedDataSchema } from '../../events/deploy-requested.ts';
import { RequesterSchema } from '../../events/requester.ts';
import { conditionally, type Db, parseItem, queryAll } from './db.ts';
import { keys } from './keys.ts';

/**
 * A deploy request waiting for N distinct approvers (issue 13, lib/approvals), keyed by the request's event
 * id (keys.releaseApproval). It holds the request itself, so `release.approved` needs to carry nothing the
 * deploy consumer must trust: only a record whose `state` is `granted` is released, once (`released`).
 * Every change is a conditional write on `version`, so two votes landing at once both count.
 */
export const VoteSchema = z.strictObject({
  /** principalOf(voter): what makes two votes the same person's. */
  principal: z.string(),
  voter: RequesterSchema,
  decision: z.enum(['approve', 'reject']),
  at: z.iso.datetime({ offset: true }),
  via: z.enum(['slack', 'mattermost', 'cli']),
  /** Whether it counted towards the quorum; when not, why (the requester's own, a repeat). */
  counted: z.boolean(),
  why: z.string().optional(),
  comment: z.string().optional(),
});
export type Vote = z.infer<typeof VoteSchema>;

/** `superseded`: a newer push of the same containers asked for approval while this one waited (lib/deploy). */
export const ApprovalStateSchema = z.enum(['open', 'granted', 'rejected', 'expired', 'released', 'superseded']);
export type ApprovalState = z.infer<typeof ApprovalStateSchema>;

export const ReleaseApprovalSchema = z.object({
  app: z.string(),
  environment: z.string(),
  /** The deploy request's event id. */
  id: z.string(),
  request: DeployRequestedDataSchema,
  requester: RequesterSchema,
  required: z.int().min(1),
  role: z.string(),
  selfApproval: z.boolean(),
  openedAt: z.iso.datetime({ offset: true }),
  /** When the request was made (its event's time): a push's time, which decides which of two pushes is newer. */
  requestedAt: z.iso.datetime({ offset: true }).optional(),
  dueAt: z.iso.datetime({ offset: true }),
  state: ApprovalStateSchema,
  /** When it left `open`, and (for a release) the revision it made. */
  endedAt: z.iso.datetime({ offset: true }).optional(),
  revision: z.int().min(1).optional(),
  /** Whether it holds a push's request (lib/deploy/decisions/supersede.ts): only those supersede each other. */
  push: z.boolean().optional(),
  /** The request that superseded it. */
  supersededBy: z.string().optional(),
  votes: z.array(VoteSchema),
  version: z.int().min(0),
});
export type ReleaseApproval = z.infer<typeof ReleaseApprovalSchema>;

const fromItem = (item: Record<string, unknown>) => parseItem(ReleaseApprovalSchema, item);

/**
 * Opens the approval once per deploy request (keyed by its event id): a redelivered request finds the one it
 * opened (`created: false`) and opens nothing new.
 */
export const openApproval = async (
  db: Db,
  record: ReleaseApproval,
): Promise<{ record: ReleaseApproval; created: boolean }> => {
  const item = ReleaseApprovalSchema.parse(record);
  const created = await conditionally(
    db.doc.send(
      new PutCommand({
        TableName: db.table,
        Item: { ...keys.releaseApproval(item.app, item.environment, item.id), ...item },
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    ),
  );
  if (created) return { record: item, created };
  const existing = await getApproval(db, item.app, item.environment, item.id);
  if (!existing) throw new Error(`approval ${item.id} neither opened nor found`);
  return { record: existing, created };
};

/** Undefined when no such approval was opened. Consistent. */
export const getApproval = async (
  db: Db,
  app: string,
  environment: string,
  id: string,
): Promise<ReleaseApproval | undefined> => {
  const { Item } = await db.doc.send(
    new GetCommand({ TableName: db.table, Key: keys.releaseApproval(app, environment, id), ConsistentRead: true }),
  );
  return Item ? fromItem(Item) : undefined;
};

/** The approvals of an app in an environment (only those in `state` when given), newest first. Consistent. */
export const listApprovals = async (
  db: Db,
  app: string,
  environment: string,
  o: { state?: ApprovalState } = {},
): Promise<ReleaseApproval[]> => {
  const { PK, SKPrefix } = keys.releaseApprovals(app, environment);
  const items = await queryAll(db, {
    KeyConditionExpression: 'PK = :pk AND begins_with(SK, :sk)',
    ExpressionAttributeValues: { ':pk': PK, ':sk': SKPrefix },
    ConsistentRead: true,
  });
  return items
    .map(fromItem)
    .filter((a) => o.state === undefined || a.state === o.state)
    .sort((a, b) => b.openedAt.localeCompare(a.openedAt));
};

/**
 * Writes `next` as version `expectedVersion + 1` only if the stored one is still at `expectedVersion`; false
 * when another write won the race (the caller reads again and counts again).
 */
export const saveApproval = async (db: Db, next: ReleaseApproval, expectedVersion: number): Promise<boolean> => {
  const item = ReleaseApprovalSchema.parse({ ...next, version: expectedVersion + 1 });
  return conditionally(
    db.doc.send(
      new PutCommand({
        TableName: db.table,
        Item: { ...keys.releaseApproval(item.app, item.environment, item.id), ...item },
        ConditionExpression: 'version = :v',
        ExpressionAttributeValues: { ':v': expectedVersion },
      }),
    ),
  );
};
