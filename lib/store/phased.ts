import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { z } from 'zod';
import { ConflictError } from '../errors.ts';
import { conditionally, type Db, isLostWrite } from './db.ts';

/**
 * Records that move through phases, some of which end them (node heals, image heals): written once per
 * active record, moved only from the phases a step expects. Shared so both kinds keep the same guarantees.
 */
type Key = { readonly PK: string; readonly SK: string };

/**
 * Writes `record` only where there is none or a settled one (which it replaces). Where an active one is
 * there, that one is returned (`created: false`), so a redelivered or concurrent start joins it.
 */
export const startOnce = async <T extends { readonly phase: string }>(
  db: Db,
  key: Key,
  record: T,
  settled: readonly string[],
  read: () => Promise<T | undefined>,
  what: string,
): Promise<{ record: T; created: boolean }> => {
  const values = Object.fromEntries(settled.map((p, i) => [`:settled${i}`, p]));
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      await db.doc.send(
        new PutCommand({
          TableName: db.table,
          Item: { ...key, ...record },
          ConditionExpression: `attribute_not_exists(PK) OR #phase IN (${Object.keys(values).join(', ')})`,
          ExpressionAttributeNames: { '#phase': 'phase' },
          ExpressionAttributeValues: values,
        }),
      );
      return { record, created: true };
    } catch (error) {
      if (!isLostWrite(error)) throw error;
    }
    const existing = await read();
    if (existing && !settled.includes(existing.phase)) return { record: existing, created: false };
    // Settled (or gone) between the write and the read: try the write again.
  }
  throw new ConflictError(`could not start ${what} after 5 attempts`);
};

/**
 * Moves a record to `to` only from one of `from`, setting the patch with it; says whether it did. A
 * redelivered or concurrent step finds the phase moved on and does nothing.
 */
export const advanceFrom = async (
  db: Db,
  key: Key,
  patchSchema: z.ZodType<Record<string, unknown>>,
  from: readonly string[],
  to: string,
  patch: unknown,
): Promise<boolean> => {
  const fields = Object.entries(patchSchema.parse(patch)).filter(([, value]) => value !== undefined);
  if (from.length === 0) return false; // `IN ()` is no expression DynamoDB takes; nothing to move from.
  const names = Object.fromEntries(fields.map(([field], i) => [`#f${i}`, field]));
  const values = Object.fromEntries(fields.map(([, value], i) => [`:f${i}`, value]));
  const fromValues = Object.fromEntries(from.map((p, i) => [`:from${i}`, p]));
  const sets = ['#phase = :to', ...fields.map((_, i) => `#f${i} = :f${i}`)];
  return conditionally(
    db.doc.send(
      new UpdateCommand({
        TableName: db.table,
        Key: key,
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: `attribute_exists(PK) AND #phase IN (${Object.keys(fromValues).join(', ')})`,
        ExpressionAttributeNames: { '#phase': 'phase', ...names },
        ExpressionAttributeValues: { ':to': to, ...values, ...fromValues },
      }),
    ),
  );
};
