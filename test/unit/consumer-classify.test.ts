import { IdempotencyAlreadyInProgressError } from '@aws-lambda-powertools/idempotency';
import { describe, expect, it } from 'vitest';
import {
  ClusterCredentialsError,
  ClusterRejectedError,
  ClusterUnavailableError,
  ConflictError,
  InvalidInputError,
  NotFoundError,
} from '../../lib/errors.ts';
import { classifyFailure, receiveCount, type Verdict } from '../../lib/lambda/classify.ts';
import type { ReasonCode } from '../../lib/reasons.ts';
import { ResolveError } from '../../lib/registry/resolve.ts';

const MAX = 5;
const retry: Verdict = { action: 'retry' };
const reject = (code: ReasonCode, reason: string): Verdict => ({ action: 'reject', why: { code, reason } });

describe('what a consumer does with a failed message', () => {
  it.each<[string, unknown, number, Verdict]>([
    ['a retryable error, first receive', new ClusterUnavailableError('c', 'down'), 1, retry],
    ['a retryable error, one receive before the last', new ConflictError('lost a race'), MAX - 1, retry],
    [
      'a retryable error at the last receive',
      new ClusterUnavailableError('c', 'down'),
      MAX,
      reject('gave-up', `gave up after ${MAX} attempts: cluster c: down`),
    ],
    [
      'past the last receive (a redrive)',
      new Error('boom'),
      MAX + 2,
      reject('gave-up', 'gave up after 7 attempts: boom'),
    ],
    ['an error capstan did not raise, first receive', new Error('socket hang up'), 1, retry],
    ['a thrown non-Error', 'boom', 1, retry],
    ['a twin still running the event', new IdempotencyAlreadyInProgressError('in progress'), 1, retry],
    [
      'a twin still running, even at the last receive',
      new IdempotencyAlreadyInProgressError('in progress'),
      MAX,
      retry,
    ],
    [
      'invalid input, first receive',
      new InvalidInputError('bad', ['x: required']),
      1,
      reject('invalid', 'bad: x: required'),
    ],
    ['not found', new NotFoundError('no release 3'), 1, reject('not-found', 'no release 3')],
    [
      'a cluster refusing for good',
      new ClusterRejectedError('c', 'HTTP 422'),
      2,
      reject('apply-failed', 'cluster c: HTTP 422'),
    ],
    [
      'unusable credentials',
      new ClusterCredentialsError('c', 'no kubeconfig'),
      1,
      reject('credentials', 'cluster c: no kubeconfig'),
    ],
    ['an unresolvable tag', new ResolveError('no such tag'), 1, reject('unresolvable-tag', 'no such tag')],
  ])('%s', (_what, error, receives, verdict) => {
    expect(classifyFailure(error, receives, MAX)).toEqual(verdict);
  });

  it.each<[string, string, number]>([
    ['the first receive', '1', 1],
    ['a later one', '4', 4],
    ['a missing count, as the first', '', 1],
    ['a malformed count, as the first', 'x', 1],
  ])('counts %s', (_what, attribute, count) => {
    expect(receiveCount({ attributes: { ApproximateReceiveCount: attribute } })).toBe(count);
  });
});
