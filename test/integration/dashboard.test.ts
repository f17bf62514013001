import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MatrixRow } from '../../lib/dashboard/decisions/fleet-matrix.ts';
import { writeState } from '../../lib/runtime/state.ts';
import type { Runtime } from '../../lib/runtime/up.ts';
import { putApp } from '../../lib/store/apps.ts';
import { createDb, type Db } from '../../lib/store/db.ts';
import { listReleases } from '../../lib/store/releases.ts';
import { registryApp } from '../support/apps.ts';
import { awsClients, uniqueName } from '../support/aws.ts';
import { connect, eventually, localClusters } from '../support/kube.ts';
import { postDeployRequest, startTestRuntime } from '../support/runtime.ts';

// Issue 14's API on the real runtime: the dashboard function behind the local edge, with exactly its
// stack grants (the IAM gate), the table on DynamoDB Local, a real release on both local clusters. Signing
// in is the one-time link the real CLI prints.
let runtime: Runtime;
let db: Db;
let stateFile: string;
const app = uniqueName('dash');
const bin = join(import.meta.dirname, '../../lib/cli/bin.js');
const capstan = async (...args: string[]) =>
  (
    await promisify(execFile)(process.execPath, [bin, ...args], {
      env: { ...process.env, CAPSTAN_STATE: stateFile, CAPSTAN_ACTOR: 'dashboard.test' },
    })
  ).stdout;

beforeAll(async () => {
  runtime = await startTestRuntime('dashboard');
  db = createDb(runtime.state.table, awsClients().ddb);
  stateFile = join(runtime.workDir, 'runtime.json');
  await writeState(runtime.state, stateFile);
  await putApp(db, registryApp(app, { staging: {} }), new Date());
}, 120_000);

afterAll(async () => {
  for (const c of localClusters()) {
    const kube = await connect(c);
    await kube.core.deleteNamespace({ name: app }).catch(() => undefined);
  }
  await runtime?.stop();
}, 120_000);

const url = (path: string) => `${runtime.state.httpUrl}${path}`;
const get = (path: string, cookie?: string) =>
  fetch(url(path), { redirect: 'manual', ...(cookie ? { headers: { cookie } } : {}) });
const link = async () => JSON.parse(await capstan('dashboard', 'link', '--json')) as { url: string; principal: string };

describe('the dashboard API', () => {
  let cookie: string;

  it('answers nobody before sign-in: 401 and no data on every API route', async () => {
    const paths = ['/api/session', '/api/fleet', '/api/apps', `/api/apps/${app}`, '/api/heals', '/api/approvals'];
    for (const path of [...paths, '/api/overrides', `/api/history?app=${app}`]) {
      const res = await get(path);
      expect(res.status, path).toBe(401);
      const body = await res.json();
      expect(body).toEqual({ error: 'unauthenticated', reason: expect.any(String) });
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
  });

  it('signs in once with the link the CLI prints: a page, then its button: an HttpOnly SameSite=Strict cookie', async () => {
    const { url: signIn, principal } = await link();
    expect(principal).toBe('cli:dashboard.test');
    const ticket = new URL(signIn).searchParams.get('ticket') as string;
    // Opening the link (as a chat preview would) spends nothing.
    for (let i = 0; i < 2; i++) {
      const page = await get(new URL(signIn).pathname + new URL(signIn).search);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(page.headers.get('referrer-policy')).toBe('same-origin');
      expect(await page.text()).toContain('(cli:dashboard.test)');
    }
    const press = (origin: string) =>
      fetch(url('/signin'), {
        method: 'POST',
        redirect: 'manual',
        headers: { origin, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ ticket }).toString(),
      });
    expect((await press('https://evil.example')).status).toBe(403);
    const res = await press(new URL(runtime.state.httpUrl).origin);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/');
    const [set] = res.headers.getSetCookie();
    expect(set).toMatch(/^capstan_session=[\w-]+\.[\w-]+\.[\w-]+; HttpOnly; SameSite=Strict; Path=\/; Max-Age=43200$/);
    cookie = (set as string).split(';')[0] as string;
    const again = await press(new URL(runtime.state.httpUrl).origin);
    expect(again.status).toBe(401);
    expect(again.headers.getSetCookie()).toEqual([]);
    const session = await get('/api/session', cookie);
    expect(await session.json()).toMatchObject({ principal: 'cli:dashboard.test', name: 'dashboard.test' });
    // A session cookie changed by one character is no session.
    const replaced = cookie.at(-2) === 'A' ? 'B' : 'A';
    const tampered = `${cookie.slice(0, -2)}${replaced}${cookie.slice(-1)}`;
    expect((await get('/api/session', tampered)).status).toBe(401);
  });

  it('shows a real release in the fleet matrix on both clusters, and its history page by page', async () => {
    const image = `registry.local:5000/acme/${app}:1.2.3@sha256:${'c'.repeat(64)}`;
    await postDeployRequest(runtime, { app, environment: 'staging', image });
    await eventually('the release to succeed', async () => {
      const [r] = await listReleases(db, app, 'staging');
      return r?.status === 'succeeded' ? r : undefined;
    });
    const fleet = (await (await get('/api/fleet', cookie)).json()) as {
      rows: MatrixRow[];
      clusters: { name: string }[];
    };
    const row = fleet.rows.find((r) => r.app === app && r.environment === 'staging');
    const names = localClusters().map((c) => c.name);
    expect(row?.cells.map((c) => c.cluster).sort()).toEqual([...names].sort());
    for (const cell of row?.cells ?? []) {
      expect(cell).toMatchObject({
        state: 'healthy',
        running: { revision: 1, tag: '1.2.3', digest: `sha256:${'c'.repeat(64)}` },
      });
    }
    expect(JSON.stringify(fleet)).not.toContain('kubeconfig');

    const all = (await (await get(`/api/history?app=${app}&limit=200`, cookie)).json()) as {
      entries: { eventId: string }[];
    };
    expect(all.entries.length).toBeGreaterThan(2);
    const seen: string[] = [];
    let next: string | undefined;
    let pages = 0;
    do {
      const res = await get(`/api/history?app=${app}&limit=2${next ? `&cursor=${next}` : ''}`, cookie);
      const page = (await res.json()) as { entries: { eventId: string; action: string }[]; next?: string };
      seen.push(...page.entries.map((e) => `${e.eventId}/${e.action}`));
      next = page.next;
      pages += 1;
    } while (next && pages < 50);
    expect(seen).toHaveLength(all.entries.length);
    expect(new Set(seen).size).toBe(seen.length);
    const applies = (await (await get(`/api/history?app=${app}&action=apply&env=staging`, cookie)).json()) as {
      entries: { action: string }[];
    };
    expect(applies.entries.length).toBe(names.length);
    expect(applies.entries.every((e) => e.action === 'apply')).toBe(true);
  }, 120_000);

  it("an app's releases with each wave's progress and replicas; heals, approvals and overrides from the real table", async () => {
    const res = await get(`/api/apps/${app}`, cookie);
    expect(res.status).toBe(200);
    const view = (await res.json()) as {
      name: string;
      environments: { environment: string; releases: Record<string, unknown>[]; approvals: unknown[] }[];
    };
    expect(view.name).toBe(app);
    const [staging] = view.environments;
    expect(staging?.environment).toBe('staging');
    const [release] = staging?.releases ?? [];
    expect(release).not.toHaveProperty('manifests');
    expect(release).toMatchObject({ revision: 1, status: 'succeeded', version: { tag: '1.2.3' } });
    const names = localClusters().map((c) => c.name);
    expect(release?.waveProgress).toEqual(
      names.map((cluster, index) => ({
        index,
        state: 'ready',
        clusters: [
          {
            cluster,
            state: expect.objectContaining({
              rollout: 'ready',
              replicas: expect.objectContaining({ updated: expect.any(Number), old: 0 }),
            }),
          },
        ],
      })),
    );
    const apps = (await (await get('/api/apps', cookie)).json()) as { apps: { name: string }[] };
    expect(apps.apps.map((a) => a.name)).toContain(app);
    expect(await (await get('/api/heals', cookie)).json()).toEqual({ nodes: [], images: [] });
    expect(await (await get('/api/approvals', cookie)).json()).toEqual({ approvals: [] });
    expect(await (await get('/api/overrides', cookie)).json()).toEqual({ overrides: [] });
    expect((await get('/api/apps/no-such-app', cookie)).status).toBe(404);
  });

  it('serves its style sheet and htmx to anyone, and nothing else under /assets', async () => {
    const css = await get('/assets/dashboard.css');
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    const js = await get('/assets/htmx.min.js');
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await js.text()).length).toBeGreaterThan(40_000);
    for (const path of ['/assets/..%2Fsession-key.ts', '/assets/package.json', '/assets/htmx.js']) {
      expect((await get(path)).status, path).toBe(404);
    }
  });

  it('a bad query is a 400 naming each issue, and reads nothing', async () => {
    const res = await get('/api/history?env=staging&env=prod&limit=0&since=yesterday', cookie);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'invalid-query', issues: ['env: given more than once'] });
    const other = await get('/api/history?limit=0&since=yesterday', cookie);
    const body = (await other.json()) as { issues: string[] };
    expect(body.issues.join('; ')).toMatch(/limit:.*since:|since:.*limit:/);
  });
});
