import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { findApp } from '../store/apps.ts';
import { chatOrigin } from '../store/chat-origins.ts';
import { conditionally, type Db, parseItem } from '../store/db.ts';
import { queryHistory } from '../store/history.ts';
import { keys } from '../store/keys.ts';
import { ReleaseApprovalSchema } from '../store/release-approvals.ts';
import { getRelease, listReleases, revisionOfEvent } from '../store/releases.ts';
import type { ChatMessageRecord, MessageStore, NotifyReads } from './ports.ts';

/** A request's message is followed for a month at most (the table's TTL), long after any release settles. */
const MESSAGE_SECONDS = 30 * 24 * 3600;

// How far back a request's refusal is looked for: notices come within seconds of it.
const REFUSAL_LOOKBACK = 100;

const ChatMessageRecordSchema = z.object({
  request: z.string(),
  claimedAt: z.iso.datetime({ offset: true }),
  channel: z.string().optional(),
  ts: z.string().optional(),
  summary: z.string().optional(),
});

export const dynamoNotifyReads = (db: Db): NotifyReads => ({
  revisionOfEvent: (app, environment, eventId) => revisionOfEvent(db, app, environment, eventId),
  release: (app, environment, revision) => getRelease(db, app, environment, revision),
  recentReleases: (app, environment, limit) => listReleases(db, app, environment, limit),
  approval: async (app, environment, request) => {
    const { Item } = await db.doc.send(
      new GetCommand({
        TableName: db.table,
        Key: keys.releaseApproval(app, environment, request),
        ConsistentRead: true,
      }),
    );
    return Item ? parseItem(ReleaseApprovalSchema, Item) : undefined;
  },
  refusal: async (app, environment, request) => {
    const history = await queryHistory(db, { app, environment, limit: REFUSAL_LOOKBACK });
    const entry = history.find(
      (e) => e.eventId === request && (e.outcome === 'refused' || e.outcome === 'skipped') && e.code,
    );
    return entry?.code
      ? { code: entry.code, reason: (entry.reason ?? entry.code).replace(/^refused: /, '') }
      : undefined;
  },
  notifyChannel: async (app, environment) =>
    (await findApp(db, app))?.spec.environments[environment]?.notify?.slack?.channel,
  origin: (request) => chatOrigin(db, request),
});

export const dynamoMessages = (db: Db, now: () => Date = () => new Date()): MessageStore => {
  const Key = (request: string) => keys.chatMessage(request);
  return {
    get: async (request) => {
      const { Item } = await db.doc.send(
        new GetCommand({ TableName: db.table, Key: Key(request), ConsistentRead: true }),
      );
      return Item ? (parseItem(ChatMessageRecordSchema, Item) as ChatMessageRecord) : undefined;
    },
    claim: (request, at, over) =>
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
    unclaim: async (request, at) => {
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
    posted: async (request, channel, ts) => {
      await db.doc.send(
        new UpdateCommand({
          TableName: db.table,
          Key: Key(request),
          UpdateExpression: 'SET channel = :c, ts = :ts',
          ExpressionAttributeValues: { ':c': channel, ':ts': ts },
        }),
      );
    },
    summarize: (request, from, to) =>
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
