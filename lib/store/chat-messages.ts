import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { conditionally, type Db, parseItem } from './db.ts';
import { keys } from './keys.ts';

/** A request's message is followed for a month at most (the table's TTL), long after any release settles. */
const MESSAGE_SECONDS = 30 * 24 * 3600;

/**
 * The one chat message following a request (keys.chatMessage): claimed before it is posted, so two
 * notices never post two; then where it is (channel, ts), and the terminal outcome told privately.
 */
export const ChatMessageRecordSchema = z.object({
  request: z.string(),
  claimedAt: z.iso.datetime({ offset: true }),
  /** Where it was posted; absent on records from before Mattermost: Slack. */
  chat: z.enum(['slack', 'mattermost']).optional(),
  channel: z.string().optional(),
  /** Slack's message ts, or Mattermost's post id. */
  ts: z.string().optional(),
  summary: z.string().optional(),
});
export type ChatMessageRecord = z.infer<typeof ChatMessageRecordSchema>;

/** The record's operations, in the shape lib/notify/ports.ts MessageStore asks for. */
export const chatMessages = (db: Db, now: () => Date = () => new Date()) => {
  const Key = (request: string) => keys.chatMessage(request);
  return {
    get: async (request: string): Promise<ChatMessageRecord | undefined> => {
      const { Item } = await db.doc.send(
        new GetCommand({ TableName: db.table, Key: Key(request), ConsistentRead: true }),
      );
      return Item ? parseItem(ChatMessageRecordSchema, Item) : undefined;
    },
    claim: (request: string, at: string, over?: string) =>
      conditionally(
        db.doc.send(
          new PutCommand({
            TableName: db.table,
            Item: {
              ...Key(request),
              request,
              claimedAt: at,
              expiresAt: Math.ceil(now().getTime() / 1000) + MESSAGE_SECONDS,
            },
            ConditionExpression: over ? 'claimedAt = :over AND attribute_not_exists(ts)' : 'attribute_not_exists(PK)',
            ...(over ? { ExpressionAttributeValues: { ':over': over } } : {}),
          }),
        ),
      ),
    unclaim: async (request: string, at: string) => {
      await conditionally(
        db.doc.send(
          new DeleteCommand({
            TableName: db.table,
            Key: Key(request),
            ConditionExpression: 'claimedAt = :at AND attribute_not_exists(ts)',
            ExpressionAttributeValues: { ':at': at },
          }),
        ),
      );
    },
    posted: async (request: string, channel: string, ts: string, chat: 'slack' | 'mattermost' = 'slack') => {
      await db.doc.send(
        new UpdateCommand({
          TableName: db.table,
          Key: Key(request),
          UpdateExpression: 'SET channel = :c, ts = :ts, chat = :chat',
          ExpressionAttributeValues: { ':c': channel, ':ts': ts, ':chat': chat },
        }),
      );
    },
    summarize: (request: string, from: string | undefined, to: string | undefined) =>
      conditionally(
        db.doc.send(
          new UpdateCommand({
            TableName: db.table,
            Key: Key(request),
            UpdateExpression: to ? 'SET summary = :to' : 'REMOVE summary',
            ConditionExpression: from ? 'summary = :from' : 'attribute_exists(PK) AND attribute_not_exists(summary)',
            ExpressionAttributeValues: { ...(to ? { ':to': to } : {}), ...(from ? { ':from': from } : {}) },
          }),
        ),
      ),
  };
};
