import { describe, expect, it } from 'vitest';
import type { TagPolicy } from '../../lib/apps/tag-policy.ts';
import {
  compareTags,
  compileTagPolicy,
  matchesTag,
  shouldAdvance,
  type TaggedImage,
  tagPolicyProblem,
} from '../../lib/apps/tag-policy.ts';
import { InvalidInputError } from '../../lib/errors.ts';

describe('matchesTag: semver', () => {
  it.each([
    ['^1.4', 'v1.4.2', true],
    ['^1.4', '1.4.2', true],
    ['^1.4', '1.9.0', true],
    ['^1.4', '2.0.0', false],
    ['^1.4', '1.3.9', false],
    ['^1.4', '1.5.0-rc.1', false],
    ['>=1.2.0 <2', 'v1.99.0', true],
    ['>=v1.2.0', 'v1.2.0', true],
    ['1.x', '1.0.7', true],
    ['~2.3.0', '2.3.5', true],
    ['~2.3.0', '2.4.0', false],
    ['*', '0.0.1', true],
    ['*', '1.0.0-beta', false],
    // Prereleases only when the range names one, then across the whole range.
    ['>=2.0.0-0', '2.0.0-rc.1', true],
    ['>=2.0.0-0', '2.1.0-beta.3', true],
    ['>=2.0.0-0', '2.1.0', true],
    ['>=2.0.0-0', '1.9.9-rc.1', false],
    ['^1.5.0-rc.1', '1.5.0-rc.2', true],
    ['^1.5.0-rc.1', '1.5.0-rc.0', false],
    // Not versions at all.
    ['*', 'latest', false],
    ['*', '1.2', false],
    ['*', 'V1.2.3', false],
    ['*', 'release-1.2.3', false],
    ['*', 'v1.2.3.4', false],
    ['*', '01.2.3', false],
  ])('%s accepts %s: %s', (range, tag, expected) => {
    expect(matchesTag({ semver: range }, tag)).toBe(expected);
  });
});

describe('matchesTag: glob', () => {
  it.each([
    ['v1.*', 'v1.2.3', true],
    ['v1.*', 'v2.0.0', false],
    ['main-*', 'main-9f2c1e7', true],
    ['main-*', 'feature-main-1', false],
    ['{main,release}-*', 'release-42', true],
    ['*', 'latest', true],
    ['v[0-9]*', 'v12', true],
    ['v[0-9]*', 'vx', false],
    ['stable', 'Stable', false],
    ['stable', 'stable', true],
  ])('%s accepts %s: %s', (glob, tag, expected) => {
    expect(matchesTag({ glob }, tag)).toBe(expected);
  });
});

describe('matchesTag: regex (anchored full match)', () => {
  it.each([
    ['v\\d+\\.\\d+\\.\\d+', 'v1.2.3', true],
    ['v\\d+\\.\\d+\\.\\d+', 'xv1.2.3', false],
    ['v\\d+\\.\\d+\\.\\d+', 'v1.2.3-rc1', false],
    ['main|release', 'main', true],
    ['main|release', 'mainline', false],
    ['main|release', 'pre-release', false],
    ['^prod-[a-f0-9]{7}$', 'prod-9f2c1e7', true],
    ['main-[a-f0-9]+-(?P<ts>\\d+)', 'main-9f2c1e7-1732095061', true],
  ])('%s accepts %s: %s', (regex, tag, expected) => {
    expect(matchesTag({ regex }, tag)).toBe(expected);
  });
});

describe('compiling policies', () => {
  it.each([
    [{ semver: 'latest' }, 'is not a valid range'],
    [{ regex: '(' }, 'does not compile'],
    [{ regex: 'a'.repeat(513) }, 'longer than 512'],
  ] as [TagPolicy, string][])('%j is refused: %s', (policy, problem) => {
    expect(tagPolicyProblem(policy)).toContain(problem);
    expect(() => matchesTag(policy, 'v1.0.0')).toThrow(InvalidInputError);
  });

  it('compiles each policy once', () => {
    expect(compileTagPolicy({ regex: 'v\\d+' })).toBe(compileTagPolicy({ regex: 'v\\d+' }));
    expect(tagPolicyProblem({ glob: 'v1.*' })).toBeUndefined();
  });
});

const img = (tag: string, pushedAt: string, digest?: string): TaggedImage => ({
  tag,
  pushedAt,
  ...(digest ? { digest } : {}),
});
const T1 = '2025-11-20T09:00:00.000Z';
const T2 = '2025-11-20T10:00:00.000Z';
const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;

describe('compareTags', () => {
  it.each([
    // semver: the version decides, whatever the push times.
    [{ semver: '*' }, img('v1.10.0', T1), img('v1.9.0', T2), 1],
    [{ semver: '*' }, img('1.9.0', T2), img('v1.10.0', T1), -1],
    [{ semver: '>=2.0.0-0' }, img('2.0.0', T1), img('2.0.0-rc.3', T2), 1],
    // Same version: the later push is the newer build.
    [{ semver: '*' }, img('v1.2.3', T2), img('1.2.3', T1), 1],
    // Non-version running tag under a semver policy: push time.
    [{ semver: '*' }, img('1.0.0', T1), img('latest', T2), -1],
    // glob/regex: push time only, never the tag text.
    [{ glob: '*' }, img('main-aaa', T2), img('main-zzz', T1), 1],
    [{ regex: 'v\\d+' }, img('v9', T1), img('v10', T2), -1],
    // Offsets and precision are compared as instants.
    [{ glob: '*' }, img('a', '2025-11-20T10:00:00.5+01:00'), img('b', '2025-11-20T09:00:00.4Z'), 1],
    // Same digest: the same image.
    [{ glob: '*' }, img('a', T2, D1), img('b', T1, D1), 0],
    [{ glob: '*' }, img('a', T1, D1), img('b', T1, D2), 0],
  ] as [TagPolicy, TaggedImage, TaggedImage, number][])('%j: %j vs %j -> %i', (policy, a, b, expected) => {
    expect(compareTags(policy, a, b)).toBe(expected);
    expect(compareTags(policy, b, a)).toBe(-expected || 0);
  });

  it('sorts a set of semver tags newest last', () => {
    const tags = ['v1.10.0', '1.2.0', 'v1.9.1', '2.0.0-rc.1', '1.9.1-beta'];
    const sorted = tags.map((t) => img(t, T1)).sort((a, b) => compareTags({ semver: '>=0.0.0-0' }, a, b));
    expect(sorted.map((i) => i.tag)).toEqual(['1.2.0', '1.9.1-beta', 'v1.9.1', 'v1.10.0', '2.0.0-rc.1']);
  });

  it('refuses a pushedAt that is not a date', () => {
    expect(() => compareTags({ glob: '*' }, img('a', 'yesterday'), img('b', T1))).toThrow(InvalidInputError);
  });
});

describe('shouldAdvance: never backwards', () => {
  it.each([
    ['first release', { semver: '^1' }, img('v1.0.0', T1, D1), undefined, true, 'first release'],
    ['newer version', { semver: '^1' }, img('v1.3.0', T1, D2), img('v1.2.0', T2, D1), true, 'by version'],
    ['late older version', { semver: '^1' }, img('v1.2.0', T2, D1), img('v1.3.0', T1, D2), false, 'never moves back'],
    ['re-pushed tag, later', { semver: '^1' }, img('v1.3.0', T2, D2), img('v1.3.0', T1, D1), true, 'by push time'],
    ['same digest', { semver: '^1' }, img('v1.3.0', T2, D1), img('v1.3.0', T1, D1), false, 'already running'],
    ['glob, older push', { glob: 'main-*' }, img('main-b', T1, D2), img('main-a', T2, D1), false, 'never moves back'],
    ['glob, newer push', { glob: 'main-*' }, img('main-b', T2, D2), img('main-a', T1, D1), true, 'by push time'],
    ['tie', { glob: '*' }, img('a', T1), img('b', T1), false, 'not newer'],
  ] as [string, TagPolicy, TaggedImage, TaggedImage | undefined, boolean, string][])(
    '%s',
    (_name, policy, candidate, running, advance, reason) => {
      const verdict = shouldAdvance(policy, candidate, running);
      expect(verdict.advance).toBe(advance);
      expect(verdict.reason).toContain(reason);
    },
  );
});
