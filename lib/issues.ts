import type { z } from 'zod';

/** A validation issue as people read it: `events[0].target.digest: Invalid input`. */
export const formatIssue = (issue: z.core.$ZodIssue): string => `${formatPath(issue.path)}: ${issue.message}`;

/** `events[0].target.digest`; `(root)` when the body itself is wrong. */
export const formatPath = (path: readonly PropertyKey[]): string =>
  path.length === 0
    ? '(root)'
    : path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
