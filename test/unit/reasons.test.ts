import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ClusterCredentialsError,
  ClusterRejectedError,
  ClusterUnavailableError,
  InvalidInputError,
  NotFoundError,
} from '../../lib/errors.ts';
import { REASONS, ReasonCodeSchema, reasonCodeOf, terminalCodeOf } from '../../lib/reasons.ts';
import { ResolveError } from '../../lib/registry/resolve.ts';
import { HistoryEntrySchema } from '../../lib/store/history.ts';

describe('reason codes', () => {
  it('are documented in the README, each with its meaning', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const [code, meaning] of Object.entries(REASONS)) expect(readme).toContain(`| \`${code}\` | ${meaning} |`);
  });

  it.each<[string, unknown, string]>([
    ['invalid input', new InvalidInputError('bad'), 'invalid'],
    ['not found', new NotFoundError('gone'), 'not-found'],
    ['a cluster down', new ClusterUnavailableError('c', 'down'), 'unreachable'],
    ['a cluster refusing', new ClusterRejectedError('c', 'no'), 'apply-failed'],
    ['unusable cluster credentials', new ClusterCredentialsError('c', 'no kubeconfig'), 'credentials'],
    ['an unresolvable tag', new ResolveError('no such tag'), 'unresolvable-tag'],
    ['anything else', new Error('boom'), 'unknown'],
  ])('%s is %s', (_name, error, code) => {
    expect(reasonCodeOf(error)).toBe(code);
  });

  it('a terminal error nothing says more about is invalid input', () => {
    expect(terminalCodeOf(new Error('boom'))).toBe('invalid');
    expect(terminalCodeOf(new NotFoundError('gone'))).toBe('not-found');
  });

  it('history written before codes reads back: rejected is refused, and its code unknown', () => {
    const old = HistoryEntrySchema.parse({
      app: 'api',
      eventId: 'e',
      eventType: 'deploy.requested',
      action: 'release',
      outcome: 'rejected',
      reason: 'refused: replicas must be at least 3',
      at: '2025-01-01T00:00:00Z',
      recordedAt: '2025-01-01T00:00:01.000Z',
    });
    expect(old).toMatchObject({ outcome: 'refused', code: 'unknown', eventTime: '2025-01-01T00:00:00Z' });
    expect(ReasonCodeSchema.safeParse('policy').success).toBe(true);
    expect(ReasonCodeSchema.safeParse('made-up').success).toBe(false);
  });
});
