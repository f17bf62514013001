import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// A command is an entry point: what two commands share lives outside lib/cli/commands/ (render/, the
// request helpers), so no command imports another and each loads only what it uses.
const commands = join(import.meta.dirname, '../../lib/cli/commands');
const files = readdirSync(commands).filter((f) => f.endsWith('.ts'));

const importsOf = (file: string): string[] =>
  [...readFileSync(join(commands, file), 'utf8').matchAll(/(?:from\s+|import\s*\(\s*)'([^']+)'/g)].flatMap((m) =>
    m[1]?.startsWith('.') ? [resolve(commands, m[1])] : [],
  );

describe('lib/cli/commands', () => {
  it('has commands to check', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  it.each(files)('%s imports no other command', (file) => {
    const siblings = importsOf(file).filter((path) => dirname(path) === commands);
    expect(siblings.map((path) => relative(commands, path))).toEqual([]);
  });
});
