import { randomBytes } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { conditionally, type Db } from './db.ts';
import { keys } from './keys.ts';

/**
 * The key dashboard sessions are signed with (lib/dashboard/session.ts): 256 random bits made on first
 * use by whichever process comes first (a conditional put; the others read the winner's), so the dashboard
 * needs no secret of another function's. Who can read the table can sign a session, and could read
 * everything a session shows anyway; the table is encrypted at rest. Deleting it signs everyone out.
 */
export const sessionKey = async (db: Db, now: Date): Promise<Uint8Array> => {
  const read = async () => {
    const { Item } = await db.doc.send(
      new GetCommand({ TableName: db.table, Key: keys.sessionKey, ConsistentRead: true }),
    );
    return typeof Item?.key === 'string' ? Buffer.from(Item.key, 'base64url') : undefined;
  };
  const existing = await read();
  if (existing) return existing;
  await conditionally(
    db.doc.send(
      new PutCommand({
        TableName: db.table,
        Item: { ...keys.sessionKey, key: randomBytes(32).toString('base64url'), createdAt: now.toISOString() },
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    ),
  );
  const made = await read();
  if (!made) throw new Error('the dashboard session key could not be read back');
  return made;
};

/** A new key at the next use: every session signed with the old one is no longer valid. */
export const rotateSessionKey = async (db: Db): Promise<void> => {
  await db.doc.send(new DeleteCommand({ TableName: db.table, Key: keys.sessionKey }));
};
