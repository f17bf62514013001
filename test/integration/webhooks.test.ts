import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hookSecret } from '../../lib/ingest/hook-secret.ts';
import type { Runtime } from '../../lib/runtime/up.ts';
import { startTestRuntime } from '../support/runtime.ts';

// The HTTP edge of a real runtime (local server, ingest function, ElasticMQ), configured the way a
// user configures a registry: with exactly what `capstan hooks --json` says to paste.
let runtime: Runtime;

beforeAll(async () => {
  runtime = await startTestRuntime('webhooks');
});
afterAll(async () => {
  await runtime?.stop();
});

const run = promisify(execFile);
const bin = join(import.meta.dirname, '../../lib/cli/bin.js');

interface HookRow {
  readonly producer: string;
  readonly url: string;
  readonly field: string;
  readonly value: string;
}

/** `capstan hooks --json` against this runtime's URL and token, as a user of a deployed stack runs it. */
const hooks = async (): Promise<HookRow[]> => {
  const { stdout } = await run('node', [bin, 'hooks', '--url', runtime.state.httpUrl, '--json'], {
    env: { ...process.env, CAPSTAN_INGEST_TOKEN: runtime.state.ingestToken, CAPSTAN_STATE: '/nonexistent' },
  });
  return JSON.parse(stdout) as HookRow[];
};

const fixture = (name: string) => readFileSync(new URL(`../fixtures/sources/${name}.json`, import.meta.url), 'utf8');

/**
 * A POST as Harbor's webhook job sends it (src/pkg/notifier/handler/notification/http_handler.go sets
 * `Authorization` to the policy's Auth Header verbatim; the formatter sets the content type).
 */
const asHarbor = async (url: string, authHeader: string, body: string, contentType = 'application/json') => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: authHeader, 'content-type': contentType, 'user-agent': 'Go-http-client/1.1' },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe('Harbor, configured with what `capstan hooks` prints', () => {
  it('a push with the Auth Header pasted verbatim is accepted, in both payload formats', async () => {
    const harbor = (await hooks()).find((r) => r.producer === 'harbor')!;
    expect(harbor.field).toBe('Auth Header');
    const plain = await asHarbor(harbor.url, harbor.value, fixture('harbor-default-push'));
    expect(plain).toMatchObject({ status: 202, body: { accepted: [expect.any(String)], ignored: [] } });
    const cloud = await asHarbor(
      harbor.url,
      harbor.value,
      fixture('harbor-cloudevents-push'),
      'application/cloudevents+json',
    );
    expect(cloud).toMatchObject({ status: 202, body: { accepted: [expect.any(String)] } });
  });

  it('anything else in the Auth Header is refused with 401', async () => {
    const harbor = (await hooks()).find((r) => r.producer === 'harbor')!;
    const token = runtime.state.ingestToken;
    const wrong = [
      '',
      `Bearer ${hookSecret(token, 'distribution')}`,
      `Bearer ${token}`,
      `${harbor.value}x`,
      harbor.value.replace(/^Bearer /, 'Basic '),
    ];
    for (const value of wrong) {
      const answer = await asHarbor(harbor.url, value, fixture('harbor-default-push'));
      expect({ value, status: answer.status }).toEqual({ value, status: 401 });
    }
  });
});
