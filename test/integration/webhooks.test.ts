import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sample from '../../events/samples/deploy.requested.json' with { type: 'json' };
import { hookSecret } from '../../lib/ingest/hook-secret.ts';
import type { Runtime } from '../../lib/runtime/up.ts';
import { createDb } from '../../lib/store/db.ts';
import { queryHistory } from '../../lib/store/history.ts';
import { uniqueName } from '../support/aws.ts';
import { eventually } from '../support/kube.ts';
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

describe("history in capstan's order", () => {
  const post = async (event: unknown) =>
    (
      await fetch(`${runtime.state.httpUrl}/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${runtime.state.ingestToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(event),
      })
    ).status;

  it('an event stamped 3 days ago that arrives after a newer one is listed first; its redelivery adds nothing', async () => {
    const db = createDb(runtime.state.table);
    const app = uniqueName('skew');
    // An environment with no clusters: each request is settled at once with one history entry.
    const request = (id: string, time: string) => ({
      ...sample,
      id,
      time,
      data: { ...sample.data, app, environment: 'nowhere' },
    });
    const newer = request(uniqueName('newer'), new Date().toISOString());
    const late = request(uniqueName('late'), new Date(Date.now() - 3 * 24 * 3600 * 1000).toISOString());
    expect(await post(newer)).toBe(202);
    await eventually('the newer event in the history', async () => (await queryHistory(db, { app }))[0]);
    expect(await post(late)).toBe(202);
    const both = await eventually('both events in the history', async () => {
      const entries = await queryHistory(db, { app });
      return entries.length === 2 ? entries : undefined;
    });
    expect(both.map((e) => e.eventId)).toEqual([late.id, newer.id]);
    expect(both[0]).toMatchObject({ eventTime: late.time });
    expect(Date.parse(both[0]!.receivedAt)).toBeGreaterThan(Date.parse(both[1]!.recordedAt));

    expect(await post(late)).toBe(202);
    await new Promise((r) => setTimeout(r, 3000));
    expect((await queryHistory(db, { app })).map((e) => e.eventId)).toEqual([late.id, newer.id]);
  });
});
