import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import type { Db } from '../store/db.ts';
import { keys } from '../store/keys.ts';
import { type FunctionName, table } from '../topology.ts';

/** How long a processed event id is remembered; redeliveries within it return the stored result. */
const IDEMPOTENCY_SECONDS = 24 * 3600;

export interface OnceOptions<E extends { readonly id: string }, R> {
  /** The function's name keys its records, so two functions handling one event id do not collide. */
  readonly name: FunctionName;
  readonly handle: (event: E) => Promise<R>;
  /** One per consumer: Powertools configures a persistence layer once, with the first config it is given. */
  readonly persistence: BasePersistenceLayer;
}

/** The idempotency records in capstan's table, under their own partition (expired by the table's TTL). */
export const dynamoPersistence = (db: Db, ddb: DynamoDBClient): BasePersistenceLayer =>
  new DynamoDBPersistenceLayer({
    tableName: db.table,
    awsSdkV3Client: ddb,
    keyAttr: table.partitionKey,
    sortKeyAttr: table.sortKey,
    staticPkValue: keys.idempotency.PK,
    expiryAttr: table.ttlAttribute,
  });

/**
 * `handle`, run at most once per event id (Powertools idempotency). A twin arriving while the first still
 * runs throws IdempotencyAlreadyInProgressError; a handler that throws leaves no record, so a retry runs it
 * again. `registerContext` gives each invocation's context, so a record outlives no timed-out invocation.
 */
export const oncePerEvent = <E extends { readonly id: string }, R>(o: OnceOptions<E, R>) => {
  const config = new IdempotencyConfig({ eventKeyJmesPath: 'id', expiresAfterSeconds: IDEMPOTENCY_SECONDS });
  const handle = makeIdempotent(o.handle, { persistenceStore: o.persistence, config, keyPrefix: `capstan.${o.name}` });
  return { handle, registerContext: (context: Context) => config.registerLambdaContext(context) };
};
