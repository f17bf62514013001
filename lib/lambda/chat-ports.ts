import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { ChatPorts } from '../chat/ports.ts';
import type { GroupMembers } from '../chat/slack/groups.ts';
import type { Enqueue } from '../queue/send.ts';
import { WorkspaceSchema } from '../roles.ts';
import { accessSnapshot } from '../store/access.ts';
import { findApp } from '../store/apps.ts';
import { putChatOrigin } from '../store/chat-origins.ts';
import { type Db, parseItem, queryAll } from '../store/db.ts';
import { queryHistory } from '../store/history.ts';
import { keys } from '../store/keys.ts';
import { ReleaseApprovalSchema } from '../store/release-approvals.ts';
import { listAppReleases, listReleases } from '../store/releases.ts';

/**
 * The chat edge's ports over the table. Approval records are read here by their key layout
 * (keys.releaseApprovals) and schema, read-only: lib/approvals owns writing them.
 */
export const tableChatPorts = (
  db: Db,
  o: {
    enqueue: Enqueue;
    groupMembers?: GroupMembers;
    respond?: ChatPorts['respond'];
    warn: ChatPorts['warn'];
    now?: () => Date;
  },
): ChatPorts => ({
  access: (environment) => accessSnapshot(db, environment),
  workspaceAllowed: async (chat, workspace) => {
    const items = await queryAll(db, {
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :sk)',
      ExpressionAttributeValues: { ':pk': keys.workspaces.PK, ':sk': keys.workspaces.SKPrefix },
      ConsistentRead: true,
    });
    return items.map((i) => parseItem(WorkspaceSchema, i)).some((w) => w.chat === chat && w.workspace === workspace);
  },
  ...(o.groupMembers ? { groupMembers: o.groupMembers } : {}),
  ...(o.respond ? { respond: o.respond } : {}),
  appSpec: async (app) => (await findApp(db, app))?.spec,
  releases: (app, environment) => listReleases(db, app, environment, 100),
  appReleases: (app) => listAppReleases(db, app, 50),
  history: (app) => queryHistory(db, { app, limit: 8 }),
  approvals: async (app, environment) => {
    const k = keys.releaseApprovals(app, environment);
    const items = await queryAll(db, {
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :sk)',
      ExpressionAttributeValues: { ':pk': k.PK, ':sk': k.SKPrefix },
      ConsistentRead: true,
    });
    return items.map((i) => parseItem(ReleaseApprovalSchema, i));
  },
  approval: async (app, environment, id) => {
    const { Item } = await db.doc.send(
      new GetCommand({ TableName: db.table, Key: keys.releaseApproval(app, environment, id), ConsistentRead: true }),
    );
    return Item ? parseItem(ReleaseApprovalSchema, Item) : undefined;
  },
  putOrigin: (origin) => putChatOrigin(db, origin),
  enqueue: o.enqueue,
  now: o.now ?? (() => new Date()),
  warn: o.warn,
});
