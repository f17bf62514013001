import { describe, expect, it } from 'vitest';
import {
  formatCpu,
  formatMemory,
  GiB,
  MiB,
  parseCpu,
  parseMemory,
  parseQuantity,
} from '../../lib/deploy/decisions/quantity.ts';
import { InvalidInputError } from '../../lib/errors.ts';

describe('parseCpu', () => {
  it.each([
    ['500m', 500],
    ['1m', 1],
    ['0m', 0],
    ['2', 2000],
    ['0.5', 500],
    ['1.25', 1250],
    ['0.001', 1],
    ['0.5000', 500],
    ['32', 32_000],
  ])('%s is %i millicores', (text, millis) => {
    expect(parseCpu(text)).toBe(millis);
  });

  it.each([
    ['', /invalid CPU quantity "": expected millicores such as "500m"/],
    ['abc', /invalid CPU quantity "abc"/],
    ['-1', /invalid CPU quantity "-1"/],
    ['1.5m', /invalid CPU quantity "1.5m"/],
    ['.5', /invalid CPU quantity ".5"/],
    ['1Gi', /invalid CPU quantity "1Gi"/],
    ['2 ', /invalid CPU quantity "2 "/],
    ['0.0005', /"0.0005": finer than 1m/],
    ['1e3', /invalid CPU quantity "1e3"/],
  ])('refuses %j', (text, message) => {
    expect(() => parseCpu(text)).toThrow(InvalidInputError);
    expect(() => parseCpu(text)).toThrow(message);
  });
});

describe('parseMemory', () => {
  it.each([
    ['256Mi', 256 * MiB],
    ['1Gi', GiB],
    ['1Ki', 1024],
    ['2Ti', 2 * 1024 ** 4],
    ['1000M', 1e9],
    ['1G', 1e9],
    ['1k', 1000],
    ['1K', 1000],
    ['1048576', MiB],
    ['0', 0],
  ])('%s is %i bytes', (text, bytes) => {
    expect(parseMemory(text)).toBe(bytes);
  });

  it.each(['', '1.5Gi', '1gi', '1MB', 'Mi', '-1Mi', '1m', '1 Gi', '99999999Ei'])('refuses %j', (text) => {
    expect(() => parseMemory(text)).toThrow(InvalidInputError);
    expect(() => parseMemory(text)).toThrow(/memory quantity/);
  });
});

describe('format (canonical, as the API server prints it back)', () => {
  it.each([
    [250, '250m'],
    [1, '1m'],
    [1000, '1'],
    [1500, '1500m'],
    [2000, '2'],
    [0, '0'],
  ])('cpu %i millicores -> %s', (millis, text) => {
    expect(formatCpu(millis)).toBe(text);
  });

  it.each([
    [128 * MiB, '128Mi'],
    [1024 * MiB, '1Gi'],
    [1536 * MiB, '1536Mi'],
    [170 * MiB, '170Mi'],
    [1024, '1Ki'],
    [1e9, '1G'],
    [1_500_000, '1500k'],
    [1023, '1023'],
    [0, '0'],
  ])('memory %i bytes -> %s', (bytes, text) => {
    expect(formatMemory(bytes)).toBe(text);
  });

  it.each(['500m', '2', '1500m'])('cpu %s survives a round trip', (text) => {
    expect(formatCpu(parseCpu(text))).toBe(text);
  });

  it.each([
    ['1024Mi', '1Gi'],
    ['1000M', '1G'],
    ['1K', '1k'],
    ['1073741824', '1Gi'],
  ])('memory %s is canonically %s', (text, canonical) => {
    expect(formatMemory(parseMemory(text))).toBe(canonical);
  });

  it.each([-1, 0.5, Number.NaN])('refuses %d (a caller bug)', (n) => {
    expect(() => formatCpu(n)).toThrow(RangeError);
    expect(() => formatMemory(n)).toThrow(RangeError);
  });
});

describe('parseQuantity (the API grammar, for values read back from clusters)', () => {
  it.each([
    ['1', 'millis', 1000],
    ['750m', 'millis', 750],
    ['0.1', 'millis', 100],
    ['1n', 'millis', 1],
    ['1.0001', 'millis', 1001],
    ['1e3', 'units', 1000],
    ['1E-3', 'millis', 1],
    ['1.5Gi', 'units', 1.5 * GiB],
    ['512Mi', 'units', 512 * MiB],
    ['0.5', 'units', 1],
    ['5', 'units', 5],
    ['+2', 'units', 2],
    ['-0.5', 'units', 0],
    ['.5', 'millis', 500],
    ['0', 'units', 0],
  ] as const)('%s in %s is %i (rounded up)', (text, scale, value) => {
    expect(parseQuantity(text, scale)).toBe(value);
  });

  it.each(['', 'x', '1.2.3', '1Mb', '1e999', '9Ei'])('refuses %j', (text) => {
    expect(() => parseQuantity(text)).toThrow(InvalidInputError);
  });
});
