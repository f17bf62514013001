import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { conditionally, type Db } from './db.ts';
import { keys } from './keys.ts';

/**
 * Marks an OIDC token (its issuer and `jti`) used: a conditional put, so of two requests with one token
 * exactly one wins, whichever process serves it. The record lives until the token could no longer be
 * accepted anyway (`expiresAt`, unix seconds, the table's TTL). False: used already.
 */
export const useTokenId = (db: Db, issuer: string, jti: string, expiresAt: number, now: Date): Promise<boolean> =>
  conditionally(
    db.doc.send(
      new PutCommand({
        TableName: db.table,
        Item: { ...keys.tokenId(issuer, jti), usedAt: now.toISOString(), expiresAt },
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    ),
  );

/** Forgets a use whose request capstan then failed to take (its queue was down): the job may retry with it. */
export const forgetTokenId = async (db: Db, issuer: string, jti: string): Promise<void> => {
  await db.doc.send(new DeleteCommand({ TableName: db.table, Key: keys.tokenId(issuer, jti) }));
};
