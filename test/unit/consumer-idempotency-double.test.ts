import {
  IdempotencyConfig,
  IdempotencyItemAlreadyExistsError,
  IdempotencyItemNotFoundError,
} from '@aws-lambda-powertools/idempotency';
import { describe, expect, it } from 'vitest';
import { MemoryPersistenceLayer } from '../doubles/idempotency.ts';

/** The double configured as lib/lambda/idempotency.ts configures the DynamoDB layer, on a clock the test moves. */
const layer = () => {
  let now = Date.parse('2026-12-01T10:00:00.000Z');
  const persistence = new MemoryPersistenceLayer(() => now);
  persistence.configure({
    config: new IdempotencyConfig({ eventKeyJmesPath: 'id', expiresAfterSeconds: 3600 }),
    keyPrefix: 'capstan.test',
  });
  return { persistence, at: (ms: number) => (now = ms), key: () => persistence.records()[0]?.key ?? '' };
};

describe('the in-memory idempotency persistence holds to the DynamoDB layer contract', () => {
  it('a record that is not there: getRecord throws IdempotencyItemNotFoundError', async () => {
    await expect(layer().persistence.getRecord({ id: 'e1' })).rejects.toBeInstanceOf(IdempotencyItemNotFoundError);
  });

  it('a second in-progress put of a live record throws IdempotencyItemAlreadyExistsError with the record', async () => {
    const { persistence } = layer();
    await persistence.saveInProgress({ id: 'e1' }, 30_000);
    const error = await persistence.saveInProgress({ id: 'e1' }, 30_000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdempotencyItemAlreadyExistsError);
    expect((error as IdempotencyItemAlreadyExistsError).existingRecord?.getStatus()).toBe('INPROGRESS');
    // Another event id is another key.
    await persistence.saveInProgress({ id: 'e2' }, 30_000);
    expect(persistence.records().map((r) => r.status)).toEqual(['INPROGRESS', 'INPROGRESS']);
  });

  it('an in-progress record whose invocation timed out may be taken over', async () => {
    const { persistence, at, key } = layer();
    await persistence.saveInProgress({ id: 'e1' }, 1_000);
    const record = persistence.records()[0];
    at((record?.inProgressExpiryTimestamp ?? 0) + 1);
    await persistence.saveInProgress({ id: 'e1' }, 1_000);
    expect(persistence.records()).toEqual([expect.objectContaining({ key: key(), status: 'INPROGRESS' })]);
  });

  it('a completed record stands until it expires; success is an upsert; delete removes it', async () => {
    const { persistence, at } = layer();
    await persistence.saveInProgress({ id: 'e1' }, 30_000);
    await persistence.saveSuccess({ id: 'e1' }, { done: true });
    await expect(persistence.saveInProgress({ id: 'e1' }, 30_000)).rejects.toBeInstanceOf(
      IdempotencyItemAlreadyExistsError,
    );
    expect((await persistence.getRecord({ id: 'e1' })).getResponse()).toEqual({ done: true });
    at(Date.now() + 3_601_000); // Powertools stamps the expiry from Date.now(); past it, the put may replace it
    await persistence.saveInProgress({ id: 'e1' }, 30_000);
    await persistence.deleteRecord({ id: 'e1' });
    expect(persistence.records()).toEqual([]);
    await persistence.saveSuccess({ id: 'e2' }, 'ok'); // UpdateItem on no item creates it
    expect(persistence.records().map((r) => [r.status, r.responseData])).toEqual([['COMPLETED', 'ok']]);
  });

  it('refuses a result DynamoDB could not store (an undefined inside, a Date), as marshall does', async () => {
    const { persistence } = layer();
    // A use case's result is whatever it returns; JSON.parse gives one the types do not vouch for.
    const undefinedInside = JSON.parse('{"code":"x"}');
    undefinedInside.code = undefined;
    await expect(persistence.saveSuccess({ id: 'e1' }, undefinedInside)).rejects.toThrow(/removeUndefinedValues/);
    const dateInside = JSON.parse('{}');
    dateInside.at = new Date();
    await expect(persistence.saveSuccess({ id: 'e1' }, dateInside)).rejects.toThrow(/Unsupported/);
  });
});
