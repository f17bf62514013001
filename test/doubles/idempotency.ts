import {
  IdempotencyItemAlreadyExistsError,
  IdempotencyItemNotFoundError,
  IdempotencyRecordStatus,
} from '@aws-lambda-powertools/idempotency';
import { BasePersistenceLayer, IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence';
import type { IdempotencyRecordStatusValue } from '@aws-lambda-powertools/idempotency/types';

type Result = IdempotencyRecord['responseData'];

/** A stored record, as a test reads it: its status as stored, not as `getStatus()` reads it back against the clock. */
export interface StoredIdempotency {
  readonly key: string;
  readonly status: IdempotencyRecordStatusValue;
  readonly expiryTimestamp?: number;
  readonly inProgressExpiryTimestamp?: number;
  readonly responseData?: Result;
}

type Stored = StoredIdempotency & { readonly payloadHash?: string };

/**
 * Powertools' idempotency persistence in memory, held to the DynamoDB layer's contract
 * (@aws-lambda-powertools/idempotency/dynamodb): `_getRecord` throws IdempotencyItemNotFoundError for a key it
 * does not hold; `_putRecord` writes only when no record is there, the one there has expired, or it is an
 * in-progress one whose invocation has timed out (its in-progress expiry passed), and otherwise throws
 * IdempotencyItemAlreadyExistsError carrying the record found (as ReturnValuesOnConditionCheckFailure does);
 * `_updateRecord` is an upsert, as UpdateItem is; a result is stored only if DynamoDB could store it.
 */
export class MemoryPersistenceLayer extends BasePersistenceLayer {
  readonly #records = new Map<string, Stored>();
  /** The records a put found in its way (the twin's, or the completed one a duplicate is answered from). */
  readonly found: StoredIdempotency[] = [];

  /** `now` in milliseconds, as Date.now(): the base class stamps expiries with Date.now() itself. */
  constructor(private readonly now: () => number = Date.now) {
    super();
  }

  /** Every record held, in the order first written. */
  records(): StoredIdempotency[] {
    return [...this.#records.values()].map(({ payloadHash: _, ...r }) => structuredClone(r));
  }

  /** Puts a record as another invocation would have left it (a twin still running, one that timed out). */
  seed(record: StoredIdempotency): void {
    this.#records.set(record.key, structuredClone(record));
  }

  protected override async _getRecord(idempotencyKey: string): Promise<IdempotencyRecord> {
    const stored = this.#records.get(idempotencyKey);
    if (!stored) throw new IdempotencyItemNotFoundError();
    return recordOf(stored);
  }

  protected override async _putRecord(record: IdempotencyRecord): Promise<void> {
    const existing = this.#records.get(record.idempotencyKey);
    if (existing && !this.#replaceable(existing)) {
      this.found.push(structuredClone(existing));
      throw new IdempotencyItemAlreadyExistsError(
        `Failed to put record for already existing idempotency key: ${record.idempotencyKey}`,
        recordOf(existing),
      );
    }
    this.#records.set(record.idempotencyKey, {
      key: record.idempotencyKey,
      status: record.getStatus(),
      ...(record.expiryTimestamp !== undefined ? { expiryTimestamp: record.expiryTimestamp } : {}),
      ...(record.inProgressExpiryTimestamp !== undefined
        ? { inProgressExpiryTimestamp: record.inProgressExpiryTimestamp }
        : {}),
      ...(this.isPayloadValidationEnabled() && record.payloadHash !== undefined
        ? { payloadHash: record.payloadHash }
        : {}),
    });
  }

  protected override async _updateRecord(record: IdempotencyRecord): Promise<void> {
    const existing = this.#records.get(record.idempotencyKey);
    const responseData = record.responseData === undefined ? undefined : storable(record.responseData);
    this.#records.set(record.idempotencyKey, {
      ...(existing ?? { key: record.idempotencyKey }),
      status: record.getStatus(),
      ...(record.expiryTimestamp !== undefined ? { expiryTimestamp: record.expiryTimestamp } : {}),
      ...(responseData !== undefined ? { responseData } : {}),
      ...(this.isPayloadValidationEnabled() ? { payloadHash: record.payloadHash } : {}),
    });
  }

  protected override async _deleteRecord(record: IdempotencyRecord): Promise<void> {
    this.#records.delete(record.idempotencyKey);
  }

  /** The DynamoDB layer's condition: `attribute_not_exists OR #expiry < :now OR (INPROGRESS AND #in_progress_expiry < :now_ms)`. */
  #replaceable(r: Stored): boolean {
    const now = this.now();
    if (r.expiryTimestamp !== undefined && r.expiryTimestamp < now / 1000) return true;
    return (
      r.status === IdempotencyRecordStatus.INPROGRESS &&
      r.inProgressExpiryTimestamp !== undefined &&
      r.inProgressExpiryTimestamp < now
    );
  }
}

const recordOf = (r: Stored): IdempotencyRecord =>
  new IdempotencyRecord({
    idempotencyKey: r.key,
    status: r.status,
    expiryTimestamp: r.expiryTimestamp,
    inProgressExpiryTimestamp: r.inProgressExpiryTimestamp,
    responseData: structuredClone(r.responseData),
    payloadHash: r.payloadHash,
  });

/**
 * What DynamoDB's marshall (without removeUndefinedValues, as the layer calls it) accepts as a result:
 * plain objects, arrays, strings, numbers, booleans and null; a function inside an object is dropped. An
 * undefined inside, a Date or a class instance is refused as it refuses it, so a result the table cannot
 * store fails here too.
 */
const storable = (value: Result, path = 'result'): Result => {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return value;
  }
  if (value === undefined) {
    throw new Error(`Pass options.removeUndefinedValues=true to remove undefined values from map/array/set (${path})`);
  }
  if (Array.isArray(value)) return value.map((v, i) => storable(v, `${path}[${i}]`));
  if (typeof value === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(value))) {
    const entries = Object.entries(value).filter(([, v]) => typeof v !== 'function');
    return Object.fromEntries(entries.map(([k, v]) => [k, storable(v, `${path}.${k}`)]));
  }
  throw new Error(`Unsupported type passed: ${String(value)} (${path})`);
};
