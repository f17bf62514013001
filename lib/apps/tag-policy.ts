import picomatch from 'picomatch';
import semver from 'semver';
import { z } from 'zod';
import { InvalidInputError } from '../errors.ts';

/** Which tags of the tracked repository an environment takes. */
export const TagPolicySchema = z
  .union([
    z.strictObject({ semver: z.string().min(1) }),
    z.strictObject({ glob: z.string().min(1) }),
    z.strictObject({ regex: z.string().min(1) }),
  ])
  .superRefine((policy, ctx) => {
    const problem = tagPolicyProblem(policy);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
export type TagPolicy = z.infer<typeof TagPolicySchema>;

/**
 * Which pushed tags an environment takes, and whether a candidate is newer than what runs there.
 *
 * - semver: the tag must be a valid semantic version, optionally prefixed with `v` (`v1.4.2`, `1.4.2-rc.1`), and
 *   satisfy the range (node-semver syntax: `^1.4`, `>=1.2.0 <2`, `1.x`). Prereleases match only when the range
 *   itself names one (`>=2.0.0-0`, `^1.5.0-rc.1`), and then across the whole range (node-semver alone would
 *   only take prereleases of that same x.y.z); `^1.4` never picks up `1.5.0-rc.1`.
 * - glob: picomatch on the whole tag (`v1.*`, `{main,release}-*`), case-sensitive.
 * - regex: a full match, anchored for you (`v\d+` does not match `xv12`); Go's `(?P<name>...)` is accepted.
 */
type Matcher = (tag: string) => boolean;

const MAX_PATTERN = 512;
const MAX_CACHED = 500;
const cache = new Map<string, Matcher>();

const keyOf = (policy: TagPolicy): string => JSON.stringify(policy);

/** Compiles a policy once (cached); throws `InvalidInputError` naming the problem for a policy that can never match. */
export const compileTagPolicy = (policy: TagPolicy): Matcher => {
  const key = keyOf(policy);
  const cached = cache.get(key);
  if (cached) return cached;
  const matcher = compile(policy);
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(key, matcher);
  return matcher;
};

/** For the app spec's validation: what is wrong with a policy, or undefined when it compiles. */
export const tagPolicyProblem = (policy: TagPolicy): string | undefined => {
  try {
    compileTagPolicy(policy);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
};

export const matchesTag = (policy: TagPolicy, tag: string): boolean => compileTagPolicy(policy)(tag);

const compile = (policy: TagPolicy): Matcher => {
  if ('semver' in policy) return semverMatcher(policy.semver);
  if ('glob' in policy) {
    tooLong(policy.glob, 'glob');
    try {
      return picomatch(policy.glob);
    } catch (error) {
      throw new InvalidInputError(`glob tag policy "${policy.glob}" does not compile: ${(error as Error).message}`);
    }
  }
  return regexMatcher(policy.regex);
};

const tooLong = (pattern: string, kind: string) => {
  if (pattern.length > MAX_PATTERN) throw new InvalidInputError(`${kind} tag policy is longer than ${MAX_PATTERN}`);
};

// A version with a prerelease written in the range text. The parsed Range cannot tell: node-semver desugars
// `^1.2.3` to `>=1.2.3 <2.0.0-0`, whose bound carries a prerelease the user never wrote.
const PRERELEASE_IN_RANGE = /\d+\.\d+\.\d+-[0-9A-Za-z]/;

const semverMatcher = (range: string): Matcher => {
  tooLong(range, 'semver');
  if (semver.validRange(range) === null)
    throw new InvalidInputError(`semver tag policy "${range}" is not a valid range`);
  const includePrerelease = PRERELEASE_IN_RANGE.test(range);
  const parsed = new semver.Range(range, { includePrerelease });
  return (tag) => {
    const version = parseSemverTag(tag);
    if (!version) return false;
    if (version.prerelease.length > 0 && !includePrerelease) return false;
    return parsed.test(version);
  };
};

/** `1.2.3` or `v1.2.3` (with prerelease); nothing looser: `1.2`, `V1.2.3`, `release-1.2.3` are not versions. */
export const parseSemverTag = (tag: string): semver.SemVer | null => (/^v?\d/.test(tag) ? semver.parse(tag) : null);

const regexMatcher = (pattern: string): Matcher => {
  tooLong(pattern, 'regex');
  let re: RegExp;
  try {
    // Anchored in a group so `a|b` cannot escape the anchors; RE2/Go named groups are rewritten for JavaScript.
    re = new RegExp(`^(?:${pattern.replaceAll('(?P<', '(?<')})$`);
  } catch (error) {
    throw new InvalidInputError(`regex tag policy "${pattern}" does not compile: ${(error as Error).message}`);
  }
  return (tag) => re.test(tag);
};

/** A release candidate or the running release: the tag, when it was pushed, and (when known) its digest. */
export interface TaggedImage {
  readonly tag: string;
  /** ISO 8601; required so there is never an "unknown, so assume newer" path. */
  readonly pushedAt: string;
  readonly digest?: string;
}

/**
 * Order of two images under a policy: negative when `a` is older than `b`, positive when newer, 0 when the same
 * image or not orderable. Same digest -> 0. Semver policies order by version when both tags are versions (`v1.2.3`
 * and `1.2.3` are equal), then by push time (a re-pushed tag is a newer build of that version). Glob and regex
 * policies order by push time only: tag names carry no order.
 */
export const compareTags = (policy: TagPolicy, a: TaggedImage, b: TaggedImage): number => order(policy, a, b).order;

const order = (policy: TagPolicy, a: TaggedImage, b: TaggedImage): { order: number; by: string } => {
  if (a.digest !== undefined && a.digest === b.digest) return { order: 0, by: 'digest' };
  if ('semver' in policy) {
    const va = parseSemverTag(a.tag);
    const vb = parseSemverTag(b.tag);
    const byVersion = va && vb ? semver.compare(va, vb) : 0;
    if (byVersion !== 0) return { order: byVersion, by: 'version' };
  }
  return { order: Math.sign(instant(a.pushedAt) - instant(b.pushedAt)), by: 'push time' };
};

export type AdvanceVerdict =
  | { readonly advance: true; readonly reason: string }
  | { readonly advance: false; readonly code: 'duplicate' | 'not-newer'; readonly reason: string };

/**
 * The only question a release should ask: may `candidate` replace what runs? Yes only when it is strictly newer
 * (`compareTags > 0`) or nothing runs yet; a tie, the same digest or an older image is a `false` with the reason to
 * record as `skipped`. Callers never compare themselves, so a late, older event can never move an environment back.
 */
export const shouldAdvance = (
  policy: TagPolicy,
  candidate: TaggedImage,
  running: TaggedImage | undefined,
): AdvanceVerdict => {
  if (!running) return { advance: true, reason: `${candidate.tag} is the first release` };
  if (candidate.digest !== undefined && candidate.digest === running.digest) {
    return { advance: false, code: 'duplicate', reason: `${candidate.tag} (${candidate.digest}) is already running` };
  }
  const { order: o, by } = order(policy, candidate, running);
  if (o > 0) return { advance: true, reason: `${candidate.tag} is newer than running ${running.tag} (by ${by})` };
  return {
    advance: false,
    code: 'not-newer',
    reason:
      o < 0
        ? `${candidate.tag} is older than running ${running.tag} (by ${by}); an environment never moves back`
        : `${candidate.tag} is not newer than running ${running.tag} (same version and push time)`,
  };
};

const instant = (iso: string): number => {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new InvalidInputError(`pushedAt "${iso}" is not an ISO 8601 date-time`);
  return ms;
};
