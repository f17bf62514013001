import { InvalidArgumentError } from 'commander';
import type { HealMode } from '../store/heals.ts';

/**
 * Commander argument parsers for the CLI's numbers: a bad value is refused while the command line is
 * parsed, before any command runs, and the command is handed a number. Commander prefixes the refusal with
 * the option and the value (`option '--limit <n>' argument 'abc' is invalid.`), so the message says only
 * what is allowed.
 */

/** Digits only: `Number()` would take `1e3`, `0x10`, ` 5` and `` as numbers, and `parseInt` would take `5abc`. */
const DIGITS = /^\d+$/;

/** A whole number from `min` to `max`. */
export const wholeNumber =
  (min: number, max: number) =>
  (value: string): number => {
    const n = DIGITS.test(value) ? Number(value) : Number.NaN;
    if (!(n >= min && n <= max)) throw new InvalidArgumentError(`Expected a whole number from ${min} to ${max}.`);
    return n;
  };

/** A TCP port; 0 asks the system for any free one. */
export const port = wholeNumber(0, 65535);

/** A release's revision, as `releases` prints it (`#3`) or bare (`3`). */
export const releaseNumber = (value: string): number => {
  const digits = value.replace(/^#/, '');
  const n = DIGITS.test(digits) ? Number(digits) : Number.NaN;
  if (!(n >= 1 && Number.isSafeInteger(n))) {
    throw new InvalidArgumentError('Expected a release number such as 3 or #3.');
  }
  return n;
};

/**
 * The heal modes `--heal-mode` takes: HealModeSchema's (a unit test keeps the two equal), listed here so that
 * reading the command line loads no table client.
 */
export const HEAL_MODES = ['observe', 'approve', 'auto'] as const satisfies readonly HealMode[];
