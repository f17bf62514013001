import { spawnSync } from 'node:child_process';

// The build and run prerequisites, checked up front: a missing `go` found 20 minutes into an install, or
// a bare "spawn go ENOENT", are both worse than one sentence naming the tool and how to get it.

export type Tool = 'go' | 'java' | 'javac' | 'mvn';

const install: Record<Tool, string> = {
  go: 'install Go from https://go.dev/dl/ (or your package manager) and put `go` on PATH',
  java: 'install a Java 17+ runtime, e.g. `apt-get install openjdk-17-jre-headless` or `brew install openjdk@17`',
  javac: 'install a Java 17+ JDK, e.g. `apt-get install openjdk-17-jdk-headless` or `brew install openjdk@17`',
  mvn: 'install Apache Maven 3.6+, e.g. `apt-get install maven` or `brew install maven`',
};

const versionArgs: Record<Tool, string[]> = { go: ['version'], java: ['-version'], javac: ['-version'], mvn: ['-v'] };

const versionOutput = (tool: Tool): string | undefined => {
  const result = spawnSync(tool, versionArgs[tool], { encoding: 'utf8' });
  if (result.error || result.status !== 0) return undefined;
  // `java -version` writes to stderr.
  return `${result.stdout}${result.stderr}`;
};

/** [major, minor] of the first `N.N` after `prefix` in `text`, e.g. `go1.26.8` -> [1, 26]. */
const parseVersion = (text: string, prefix: RegExp): [number, number] | undefined => {
  const match = new RegExp(`${prefix.source}(\\d+)\\.(\\d+)`).exec(text);
  return match ? [Number(match[1]), Number(match[2])] : undefined;
};

const atLeast = (have: [number, number], want: [number, number]) =>
  have[0] > want[0] || (have[0] === want[0] && have[1] >= want[1]);

const checked = new Set<string>();

/**
 * Throws a clear error unless `tool` is on PATH (and, when given, at least version `min`).
 * `why` says which component needs it, e.g. "to build kwok v0.8.0".
 */
export const requireTool = (tool: Tool, why: string, min?: [number, number]): void => {
  const key = `${tool}@${min?.join('.') ?? ''}`;
  if (checked.has(key)) return;
  const output = versionOutput(tool);
  if (output === undefined) {
    throw new Error(`\`${tool}\` is needed ${why} but was not found on PATH: ${install[tool]}.`);
  }
  if (min) {
    const prefixes: Record<Tool, RegExp> = { go: /go/, java: /version "/, javac: /javac /, mvn: /Maven / };
    const prefix = prefixes[tool];
    const have = parseVersion(output, prefix);
    // Java 8 and older report "1.8"; they are too old anyway, and parse as 1.x here.
    if (have && !atLeast(have, min)) {
      throw new Error(
        `\`${tool}\` ${have.join('.')} is too old: ${min.join('.')} or newer is needed ${why}; ${install[tool]}.`,
      );
    }
  }
  checked.add(key);
};
