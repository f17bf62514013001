import {
  ConditionalCheckFailedException,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../lib/errors.ts';
import { conditionally, isLostWrite, translateConflict } from '../../lib/store/db.ts';

const $metadata = {};

describe('a lost conditional write', () => {
  it.each<[string, unknown, boolean]>([
    ['a failed condition', new ConditionalCheckFailedException({ message: 'no', $metadata }), true],
    ['a cancelled transaction', new TransactionCanceledException({ message: 'no', $metadata }), true],
    [
      'the same by name (another copy of the SDK)',
      Object.assign(new Error('no'), { name: 'ConditionalCheckFailedException' }),
      true,
    ],
    ['throttling', new ProvisionedThroughputExceededException({ message: 'slow down', $metadata }), false],
    ['anything else', new Error('socket hang up'), false],
    ['not an Error', 'ConditionalCheckFailedException', false],
  ])('%s: %s', (_what, error, lost) => {
    expect(isLostWrite(error)).toBe(lost);
  });

  it('is false from conditionally and a ConflictError from translateConflict; anything else propagates', async () => {
    const lost = new ConditionalCheckFailedException({ message: 'no', $metadata });
    await expect(conditionally(Promise.reject(lost))).resolves.toBe(false);
    await expect(conditionally(Promise.resolve({}))).resolves.toBe(true);
    const other = new Error('socket hang up');
    await expect(conditionally(Promise.reject(other))).rejects.toBe(other);
    expect(() => translateConflict(lost, 'lease x')).toThrow(ConflictError);
    expect(() => translateConflict(lost, 'lease x')).toThrow('lease x: no');
    expect(() => translateConflict(other, 'lease x')).toThrow(other);
  });
});
