import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { port, releaseNumber, wholeNumber } from '../../lib/cli/args.ts';

// The CLI's numbers are parsed by commander while it reads the command line: a bad one is refused with
// exit 2, naming the option and what it allows, before any command runs (no table, no emulators).
const run = promisify(execFile);
const bin = join(import.meta.dirname, '../../lib/cli/bin.js');

const capstan = async (...args: string[]) => {
  try {
    const { stdout, stderr } = await run('node', [bin, ...args], {
      env: { ...process.env, CAPSTAN_STATE: join(import.meta.dirname, 'no-such-runtime.json') },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

const refusal = (parse: (value: string) => number, value: string) => {
  try {
    parse(value);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return (error as Error).message;
  }
  throw new Error(`${JSON.stringify(value)} was accepted`);
};

const parsers = { 'wholeNumber(1, 1000)': wholeNumber(1, 1000), port, releaseNumber } as const;
type Parser = keyof typeof parsers;
const expected = {
  'wholeNumber(1, 1000)': 'Expected a whole number from 1 to 1000.',
  port: 'Expected a whole number from 0 to 65535.',
  releaseNumber: 'Expected a release number such as 3 or #3.',
} as const;

describe('CLI number parsers', () => {
  it.each<[Parser, string, number]>([
    ['wholeNumber(1, 1000)', '1', 1],
    ['wholeNumber(1, 1000)', '1000', 1000],
    ['wholeNumber(1, 1000)', '007', 7],
    ['port', '0', 0],
    ['port', '8787', 8787],
    ['port', '65535', 65535],
    ['releaseNumber', '3', 3],
    ['releaseNumber', '#3', 3],
    ['releaseNumber', '12', 12],
  ])('%s takes %j as %d', (parser, value, n) => {
    expect(parsers[parser](value)).toBe(n);
  });

  it.each<[Parser, string[]]>([
    [
      'wholeNumber(1, 1000)',
      ['abc', '1.5', '-1', '0', '1001', '', ' 5', '5 ', '1e3', '0x10', '5abc', '+5', 'Infinity'],
    ],
    ['port', ['70000', '65536', '-1', 'http']],
    ['releaseNumber', ['yesterday', '0', '#0', '#', '', '-3', '3.0', '##3', '99999999999999999999']],
  ])('%s refuses %j, saying what it allows', (parser, values) => {
    for (const value of values) expect(refusal(parsers[parser], value)).toBe(expected[parser]);
  });
});

describe('capstan refuses a bad number before the command runs', () => {
  it.each([
    [['history', 'web', '--limit', 'abc'], '--limit <n>', 'abc', 'a whole number from 1 to 1000'],
    [['history', 'web', '--limit', '1.5'], '--limit <n>', '1.5', 'a whole number from 1 to 1000'],
    [['releases', 'web', '--limit', '0'], '--limit <n>', '0', 'a whole number from 1 to 1000'],
    [['up', '--port', '70000'], '--port <port>', '70000', 'a whole number from 0 to 65535'],
    [['up', '--clusters', '0'], '--clusters <n>', '0', 'a whole number from 1 to 10'],
    [
      ['clusters', 'add', 'east', '--environment', 'prod', '--wave', '-1'],
      '--wave <n>',
      '-1',
      'a whole number from 0 to 9999',
    ],
    [['bench', '--samples', 'many'], '--samples <n>', 'many', 'a whole number from 1 to 1000'],
    [['bench', '--burst', '1001'], '--burst <n>', '1001', 'a whole number from 1 to 1000'],
    [['bench', '--clusters', '11'], '--clusters <n>', '11', 'a whole number from 1 to 10'],
    [['demo', '--timeout', '5m'], '--timeout <seconds>', '5m', 'a whole number from 1 to 3600'],
    [['rollback', 'web', '--env', 'prod', '--to', '#0'], '--to <release>', '#0', 'a release number such as 3 or #3'],
  ])('%j: exit 2, naming %s and what it allows', async (args, option, value, allowed) => {
    const { code, stdout, stderr } = await capstan(...args);
    expect(code).toBe(2);
    expect(stderr).toContain(`option '${option}' argument '${value}' is invalid. Expected ${allowed}`);
    expect(stdout).toBe('');
  });

  it('hands a good number to the command, which runs (and finds no capstan here)', async () => {
    const { code, stderr } = await capstan('history', 'web', '--limit', '5');
    expect(code).toBe(1);
    expect(stderr).toContain('capstan is not running here');
  });

  it("checks history's filters before it looks for capstan: a bad time, outcome or action is exit 2", async () => {
    const { code, stderr } = await capstan(
      'history',
      'web',
      '--since',
      'yesterday',
      '--outcome',
      'won',
      '--action',
      'a b',
    );
    expect(code).toBe(2);
    expect(stderr).toContain('cannot read the history');
    for (const field of ['since:', 'outcome:', 'action: must be an action']) expect(stderr).toContain(field);
  });

  it('exits 2 for the other usage errors too: a missing option, an unknown one, no command', async () => {
    const missing = await capstan('promote', 'web', '--from', 'staging');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--to <env>' not specified");
    const unknown = await capstan('releases', 'web', '--limits', '5');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--limits'");
    expect((await capstan()).code).toBe(2);
  });

  it('shows each default and range in --help', async () => {
    const { code, stdout } = await capstan('history', '--help');
    expect(code).toBe(0);
    expect(stdout).toMatch(/--limit <n>\s+at most this many entries, 1-1000 \(default: 50\)/);
  });
});
