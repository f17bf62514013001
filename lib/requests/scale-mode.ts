import { DurationSchema } from '../apps/autoscaling.ts';
import { InvalidInputError } from '../errors.ts';

/** The flags of `capstan scale`, as commander hands them over (`--max` already a whole number 1-1000). */
export interface ScaleFlags {
  readonly env: string;
  readonly cluster?: string;
  readonly max?: number;
  readonly for?: string;
  readonly revert?: boolean;
}

/** What `capstan scale` was asked to do: show, set a manual override on one cluster, or put the spec back. */
export type ScaleMode =
  | { readonly kind: 'show'; readonly cluster?: string }
  | { readonly kind: 'set'; readonly cluster: string; readonly max: number; readonly forSeconds?: number }
  | { readonly kind: 'revert'; readonly cluster: string };

/** The bounds scale.requested puts on forSeconds (events/scale-requested.ts), said here before anything is sent. */
const MIN_FOR = 60;
const MAX_FOR = 7 * 24 * 3600;

/**
 * `--for` as the spec writes durations (DurationSchema: `90s`, `5m`, `1h`, or whole seconds), within what a
 * scale.requested may carry: a minute to a week.
 */
export const forSeconds = (value: string): number => {
  const parsed = DurationSchema.safeParse(/^\d+$/.test(value) ? Number(value) : value);
  if (!parsed.success) {
    // A union's own message is a bare "Invalid input": say what the spec's durations look like instead.
    const issue = parsed.error.issues[0];
    const why =
      !issue || issue.code === 'invalid_union'
        ? 'must be a duration such as "90s", "5m" or "1h" (or whole seconds)'
        : issue.message;
    throw new InvalidInputError('cannot scale', [`--for ${value}: ${why}`]);
  }
  if (parsed.data < MIN_FOR || parsed.data > MAX_FOR) {
    throw new InvalidInputError('cannot scale', [`--for ${value}: must be from 1m to 168h (a week)`]);
  }
  return parsed.data;
};

/** Which of the three the flags ask for; a combination that means nothing is refused (exit 2), nothing read. */
export const scaleMode = (f: ScaleFlags): ScaleMode => {
  const problems: string[] = [];
  if (f.max !== undefined && f.revert) problems.push('give --max (with --for) or --revert, not both');
  if (f.for !== undefined && f.max === undefined) problems.push('--for goes with --max');
  if ((f.max !== undefined || f.revert) && !f.cluster) {
    problems.push(`--cluster is required with ${f.revert ? '--revert' : '--max'}: an override is set per cluster`);
  }
  if (problems.length > 0) throw new InvalidInputError('cannot scale', problems);
  if (f.revert) return { kind: 'revert', cluster: f.cluster as string };
  if (f.max !== undefined) {
    return {
      kind: 'set',
      cluster: f.cluster as string,
      max: f.max,
      ...(f.for !== undefined ? { forSeconds: forSeconds(f.for) } : {}),
    };
  }
  return { kind: 'show', ...(f.cluster ? { cluster: f.cluster } : {}) };
};
