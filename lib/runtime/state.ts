import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Where a running `capstan up` says how to reach it (endpoints, table, HTTP URL, ingest token). */
export const stateFile = (source: NodeJS.ProcessEnv = process.env) =>
  source.CAPSTAN_STATE ?? join(repoRoot, '.capstan', 'runtime.json');

export const RuntimeStateSchema = z.object({
  pid: z.int(),
  startedAt: z.iso.datetime(),
  httpUrl: z.url(),
  region: z.string(),
  table: z.string(),
  endpoints: z.object({ dynamodb: z.string().optional(), sqs: z.string().optional() }),
  queues: z.record(z.string(), z.object({ url: z.string(), arn: z.string(), dlqUrl: z.string() })),
  ingestToken: z.string(),
  clusters: z.array(
    z.object({ name: z.string(), environment: z.string(), kubeconfigPath: z.string(), context: z.string() }),
  ),
});
export type RuntimeState = z.infer<typeof RuntimeStateSchema>;

export const writeState = async (state: RuntimeState, file = stateFile()) => {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(state, null, 2), { mode: 0o600 });
  await chmod(file, 0o600); // holds the ingest token
};

export const readState = async (file = stateFile()): Promise<RuntimeState | undefined> => {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (!text) return undefined;
  const state = RuntimeStateSchema.safeParse(JSON.parse(text));
  if (!state.success || !isAlive(state.data.pid)) return undefined;
  return state.data;
};

export const removeState = (file = stateFile()) => rm(file, { force: true });

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
