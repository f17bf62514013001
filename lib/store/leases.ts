import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { conditionally, type Db, translateConflict } from './db.ts';
import { keys } from './keys.ts';

/**
 * A lease in the table: one holder at a time per name (for example one remediation per workload),
 * expiring on its own if the holder dies. Acquiring again as the same holder renews it.
 */
export const acquireLease = async (db: Db, name: string, holder: string, ttlSeconds: number, now = Date.now()) => {
  const expiresAtMs = now + ttlSeconds * 1000;
  await db.doc
    .send(
      new PutCommand({
        TableName: db.table,
        Item: { ...keys.lease(name), holder, expiresAtMs, expiresAt: Math.ceil(expiresAtMs / 1000) + 3600 },
        ConditionExpression: 'attribute_not_exists(PK) OR holder = :h OR expiresAtMs < :now',
        ExpressionAttributeValues: { ':h': holder, ':now': now },
      }),
    )
    .catch((error) => translateConflict(error, `lease ${name} is held by another holder`));
  return { name, holder, expiresAtMs };
};

/** Releases only a lease we hold; releasing one we no longer hold is a no-op, not an error. */
export const releaseLease = async (db: Db, name: string, holder: string): Promise<void> => {
  await conditionally(
    db.doc.send(
      new DeleteCommand({
        TableName: db.table,
        Key: keys.lease(name),
        ConditionExpression: 'holder = :h',
        ExpressionAttributeValues: { ':h': holder },
      }),
    ),
  );
};
