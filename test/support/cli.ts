import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { RuntimeState } from '../../lib/runtime/state.ts';

const run = promisify(execFile);
const bin = join(import.meta.dirname, '../../lib/cli/bin.js');

/**
 * A runtime state file in `dir` naming `table` on the harness's DynamoDB Local and ElasticMQ: the CLI finds them
 * through it as it finds a local `capstan up`. Returns its path.
 */
export const writeLocalState = (
  dir: string,
  table: string,
  endpoints: { dynamodb: string; sqs: string },
  over: Partial<RuntimeState> = {},
): string => {
  const state: RuntimeState = {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    httpUrl: 'http://127.0.0.1:9',
    region: 'us-east-1',
    table,
    endpoints,
    queues: {},
    ingestToken: 'not-used-by-these-commands',
    clusters: [],
    ...over,
  };
  const file = join(dir, 'runtime.json');
  writeFileSync(file, JSON.stringify(state));
  return file;
};

/** The real CLI (lib/cli/bin.js) in a process of its own, with that state file and actor: its exit code and output. */
export const cliWith =
  (stateFile: () => string, actor = 'ana') =>
  async (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    try {
      const { stdout, stderr } = await run('node', [bin, ...args], {
        env: { ...process.env, CAPSTAN_STATE: stateFile(), CAPSTAN_ACTOR: actor, CAPSTAN_TABLE: '' },
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };
