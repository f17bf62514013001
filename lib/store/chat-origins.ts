import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { type Db, parseItem } from './db.ts';
import { keys } from './keys.ts';

/** Slack lets a `response_url` be used for 30 minutes: the record lives as long (the table's TTL). */
export const ORIGIN_SECONDS = 30 * 60;

/**
 * Where a chat request came from (issue 13), keyed by the event id it became: the chat edge writes it before
 * enqueueing, the notifier reads it to answer in the same channel and through `response_url`. A `response_url`
 * is a capability for that one conversation, so it is kept only here, never in an event or the history.
 */
export const ChatOriginSchema = z.object({
  request: z.string(),
  chat: z.enum(['slack', 'mattermost']),
  workspace: z.string(),
  channel: z.string(),
  user: z.string(),
  responseUrl: z.string().optional(),
  at: z.iso.datetime({ offset: true }),
});
export type ChatOrigin = z.infer<typeof ChatOriginSchema>;

export const putChatOrigin = async (db: Db, origin: ChatOrigin, now = new Date()): Promise<void> => {
  await db.doc.send(
    new PutCommand({
      TableName: db.table,
      Item: {
        ...keys.chatOrigin(origin.request),
        ...origin,
        expiresAt: Math.ceil(now.getTime() / 1000) + ORIGIN_SECONDS,
      },
    }),
  );
};

export const chatOrigin = async (db: Db, request: string): Promise<ChatOrigin | undefined> => {
  const { Item } = await db.doc.send(
    new GetCommand({ TableName: db.table, Key: keys.chatOrigin(request), ConsistentRead: true }),
  );
  return Item ? parseItem(ChatOriginSchema, Item) : undefined;
};
