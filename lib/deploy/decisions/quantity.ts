import { InvalidInputError } from '../../errors.ts';

/**
 * Kubernetes resource quantities as integers: CPU in millicores, memory in bytes, counts as units.
 *
 * Canonical strings (what capstan renders) are the ones the API server itself prints back, so a
 * rendered manifest and the stored object read the same and a re-apply has nothing to change:
 * - CPU: whole cores when the value is a multiple of 1000m (`2`), otherwise millicores (`250m`).
 * - memory: the largest binary suffix that divides exactly (`128Mi`, `1Gi`), else the largest decimal
 *   one (`1G`, `1500k`), else plain bytes (`1023`).
 */

export const KiB = 1024;
export const MiB = 1024 ** 2;
export const GiB = 1024 ** 3;

const BINARY = ['Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'] as const;
const DECIMAL = ['k', 'M', 'G', 'T', 'P', 'E'] as const;
const DECIMAL_EXPONENT: Readonly<Record<string, number>> = {
  n: -9,
  u: -6,
  m: -3,
  '': 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};

// The API's full grammar (resource.Quantity): signed decimal number, then a binary or decimal SI suffix
// or a decimal exponent. Only what the API server may hand back (quota status, live pods) needs all of it.
const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;
// What people write in an app spec (lib/apps/spec.ts): `500m`, `2`, `0.5`; `256Mi`, `1Gi`, `1000M`, bytes.
// `K` is accepted as an alias of `k` because the app contract allows it, although the API does not: it is
// never sent as written, since rendering always goes through the canonical form.
const CPU = /^(?:(\d+)m|(\d+)(?:\.(\d+))?)$/;
const MEMORY = /^(\d+)(Ki|Mi|Gi|Ti|Pi|Ei|k|K|M|G|T|P|E)?$/;
// Far beyond any real quantity (the API itself caps exponents); keeps BigInt powers cheap.
const MAX_EXPONENT = 60;

/**
 * Any quantity the API accepts, as an integer number of units (`scale: 'units'`, e.g. bytes or pods) or
 * thousandths (`'millis'`, e.g. millicores), rounded up like the API's Value() and MilliValue().
 */
export const parseQuantity = (text: string, scale: 'units' | 'millis' = 'units'): number => {
  const match = QUANTITY.exec(text);
  if (!match) throw new InvalidInputError(`"${text}" is not a Kubernetes quantity`);
  const [, sign = '', number = '', suffix = ''] = match;
  const [whole = '', fraction = ''] = number.split('.');
  let mantissa = BigInt(`${whole}${fraction}` || '0');
  let exponent = (scale === 'millis' ? 3 : 0) - fraction.length;
  const binary = BINARY.indexOf(suffix as (typeof BINARY)[number]);
  if (binary >= 0) mantissa *= 1024n ** BigInt(binary + 1);
  else if (suffix.startsWith('e') || suffix.startsWith('E')) exponent += Number(suffix.slice(1));
  else exponent += DECIMAL_EXPONENT[suffix] ?? 0;
  if (Math.abs(exponent) > MAX_EXPONENT) throw new InvalidInputError(`quantity "${text}" is out of range`);
  const divisor = exponent < 0 ? 10n ** BigInt(-exponent) : 1n;
  const scaled = exponent >= 0 ? mantissa * 10n ** BigInt(exponent) : (mantissa + divisor - 1n) / divisor;
  // Rounding up a negative value means truncating its magnitude.
  const signed = sign === '-' ? -(exponent >= 0 ? scaled : mantissa / divisor) : scaled;
  if (signed > BigInt(Number.MAX_SAFE_INTEGER) || signed < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new InvalidInputError(`quantity "${text}" is too large`);
  }
  return Number(signed);
};

/** `500m`, `2` or `0.5` (cores, at most three decimals) to millicores. */
export const parseCpu = (text: string): number => {
  const match = CPU.exec(text);
  if (!match) {
    throw new InvalidInputError(
      `invalid CPU quantity "${text}": expected millicores such as "500m" or cores such as "2" or "0.5"`,
    );
  }
  const [, millis, cores, fraction = ''] = match;
  if (fraction.length > 3 && /[1-9]/.test(fraction.slice(3))) {
    throw new InvalidInputError(`invalid CPU quantity "${text}": finer than 1m (a thousandth of a core)`);
  }
  return safe(
    text,
    millis !== undefined ? Number(millis) : Number(cores) * 1000 + Number(fraction.padEnd(3, '0').slice(0, 3)),
  );
};

/** `256Mi`, `1Gi`, `1000M` or plain bytes to bytes. */
export const parseMemory = (text: string): number => {
  const match = MEMORY.exec(text);
  if (!match) {
    throw new InvalidInputError(
      `invalid memory quantity "${text}": expected bytes, optionally with a suffix (Ki, Mi, Gi, Ti, Pi, Ei, k, M, G, T, P, E), such as "256Mi", "1Gi" or "1000M"`,
    );
  }
  const [, digits = '', suffix = ''] = match;
  const binary = BINARY.indexOf(suffix as (typeof BINARY)[number]);
  const factor =
    binary >= 0 ? 1024n ** BigInt(binary + 1) : 10n ** BigInt(DECIMAL_EXPONENT[suffix === 'K' ? 'k' : suffix] ?? 0);
  const bytes = BigInt(digits) * factor;
  if (bytes > BigInt(Number.MAX_SAFE_INTEGER)) throw new InvalidInputError(`memory quantity "${text}" is too large`);
  return Number(bytes);
};

/** Millicores to the canonical CPU string: `2` for whole cores, `250m` otherwise. */
export const formatCpu = (millis: number): string => {
  whole('millicores', millis);
  return millis % 1000 === 0 ? String(millis / 1000) : `${millis}m`;
};

/** Bytes to the canonical memory string: `128Mi`, `1Gi`, `1G`, or plain bytes. */
export const formatMemory = (bytes: number): string => {
  whole('bytes', bytes);
  if (bytes === 0) return '0';
  for (let i = BINARY.length - 1; i >= 0; i--) {
    const unit = 1024 ** (i + 1);
    if (bytes % unit === 0) return `${bytes / unit}${BINARY[i]}`;
  }
  for (let i = DECIMAL.length - 1; i >= 0; i--) {
    const unit = 1000 ** (i + 1);
    if (bytes % unit === 0) return `${bytes / unit}${DECIMAL[i]}`;
  }
  return String(bytes);
};

const safe = (text: string, value: number): number => {
  if (!Number.isSafeInteger(value)) throw new InvalidInputError(`quantity "${text}" is too large`);
  return value;
};

// A fraction or a negative here is a bug in the caller, not bad input.
const whole = (what: string, n: number) => {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${what} must be a whole number >= 0, got ${n}`);
};
