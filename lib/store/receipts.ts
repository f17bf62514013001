import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { conditionally, type Db } from './db.ts';
import { keys } from './keys.ts';

/** Longer than SQS keeps any message (14 days): every redelivery of a message finds its event's receipt. */
const RECEIPT_SECONDS = 15 * 24 * 3600;
/** Receipts never change once written, so a process may remember the ones it has seen (bounded). */
const CACHE_SIZE = 10_000;
const cache = new Map<string, string>();

const remember = (key: string, receivedAt: string): string => {
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  cache.set(key, receivedAt);
  return receivedAt;
};

/**
 * When capstan first received an event: written once per event id (a conditional put), then read back by
 * every redelivery, retry and step, so history keyed by it (lib/store/history.ts) stays in capstan's own
 * order whatever the producer's clock says, and a redelivery lands on the same key as its twin.
 */
export const receivedAt = async (db: Db, eventId: string, now: Date): Promise<string> => {
  const key = `${db.table}|${eventId}`;
  const known = cache.get(key);
  if (known) return known;
  const at = now.toISOString();
  const first = await conditionally(
    db.doc.send(
      new PutCommand({
        TableName: db.table,
        Item: {
          ...keys.receipt(eventId),
          receivedAt: at,
          expiresAt: Math.ceil(now.getTime() / 1000) + RECEIPT_SECONDS,
        },
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    ),
  );
  if (first) return remember(key, at);
  const { Item } = await db.doc.send(
    new GetCommand({ TableName: db.table, Key: keys.receipt(eventId), ConsistentRead: true }),
  );
  return remember(key, typeof Item?.receivedAt === 'string' ? Item.receivedAt : at);
};
