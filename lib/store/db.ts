import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { z } from 'zod';
import { ConflictError } from '../errors.ts';

/** The table and the client that reaches it, injected into every store function. */
export interface Db {
  readonly doc: DynamoDBDocumentClient;
  readonly table: string;
}

export const createDb = (table: string, client = new DynamoDBClient({})): Db => ({
  doc: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
  table,
});

/**
 * Items read back are validated (without the table's key attributes): a malformed item is a bug or
 * tampering, never silently used.
 */
export const parseItem = <S extends z.ZodType>(schema: S, item: Record<string, unknown>): z.infer<S> => {
  const parsed = schema.safeParse(withoutKeys(item));
  if (!parsed.success) {
    throw new Error(`malformed item ${String(item.PK)}/${String(item.SK)}: ${parsed.error.issues[0]?.message}`);
  }
  return parsed.data;
};

/** What DynamoDB answers when a write's condition said no (a transaction says it for all its writes). */
const LOST_WRITE = new Set(['ConditionalCheckFailedException', 'TransactionCanceledException']);

/**
 * The one test for a lost conditional write or transaction, by the error's name (the SDK sets it, and a
 * second copy of the SDK in a bundle would defeat `instanceof`).
 */
export const isLostWrite = (error: unknown): error is Error => error instanceof Error && LOST_WRITE.has(error.name);

/** Lost conditional writes become ConflictError; everything else propagates unchanged. */
export const translateConflict = (error: unknown, what: string): never => {
  if (isLostWrite(error)) throw new ConflictError(`${what}: ${error.message}`, { cause: error });
  throw error;
};

/** A conditional write: true if it was made, false if its condition did not hold (anything else throws). */
export const conditionally = async (write: Promise<unknown>): Promise<boolean> => {
  try {
    await write;
    return true;
  } catch (error) {
    // Only a failed condition: a cancelled transaction may be a conflict that heals, and is the caller's to retry.
    if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
};

/** Strips the table's key attributes from an item before it is handed to the domain. */
const withoutKeys = (item: Record<string, unknown>): Record<string, unknown> => {
  const { PK: _pk, SK: _sk, GSI1PK: _g1, GSI1SK: _g1s, expiresAt: _ttl, ...rest } = item;
  return rest;
};

type QueryInput = Omit<ConstructorParameters<typeof QueryCommand>[0], 'TableName' | 'ExclusiveStartKey'>;

/** Follows LastEvaluatedKey so callers never see a silently truncated page. */
export const queryAll = async (db: Db, input: QueryInput, limit = Number.POSITIVE_INFINITY) => {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    // A page of at most what is still wanted: a release carries its manifests, so pages are not cheap.
    const remaining = Number.isFinite(limit) ? { Limit: limit - items.length } : {};
    const page = await db.doc.send(
      new QueryCommand({ ...input, ...remaining, TableName: db.table, ExclusiveStartKey: start }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start && items.length < limit);
  return items.slice(0, limit);
};
