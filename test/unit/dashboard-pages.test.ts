import { describe, expect, it } from 'vitest';
import { DeployRequestedDataSchema } from '../../events/deploy-requested.ts';
import { AppSpecSchema } from '../../lib/apps/spec.ts';
import type { DashboardDeps } from '../../lib/dashboard/ports.ts';
import { html } from '../../lib/dashboard/render/html.ts';
import { signSession } from '../../lib/dashboard/session.ts';
import { answerDashboard } from '../../lib/dashboard/use-cases/answer.ts';
import type { Cluster } from '../../lib/store/clusters.ts';
import type { HistoryEntry } from '../../lib/store/history.ts';
import type { ClusterRelease } from '../../lib/store/releases.ts';
import { dashboardReads } from '../support/dashboard-reads.ts';
import { aRelease } from '../support/releases.ts';

const key = new TextEncoder().encode('k'.repeat(32));
const now = new Date('2026-12-04T10:00:00Z');
const at = now.toISOString();
const cluster = (name: string, wave: number): Cluster => ({
  name,
  environment: 'staging',
  wave,
  credentials: { kind: 'kubeconfig', path: '/secret/kubeconfig', context: name },
  registeredAt: at,
});
// A name that would be markup if it were not escaped: every page must show it as text.
const evil = '<img src=x onerror=alert(1)>';
const spec = AppSpecSchema.parse({
  name: 'api',
  namespace: 'api',
  containers: [{ name: 'api', repository: 'registry.local:5000/acme/api' }],
  environments: { staging: {} },
});
const rolling: ClusterRelease = {
  apply: 'configured',
  rollout: 'progressing',
  message: '1 of 2 updated replicas available',
  replicas: { desired: 2, updated: 1, available: 2, old: 1 },
  updatedAt: at,
};
const entry: HistoryEntry = {
  app: 'api',
  environment: 'staging',
  eventId: 'e1',
  eventType: 'deploy.requested',
  action: 'rollout',
  outcome: 'failed',
  code: 'rollout-timeout',
  reason: evil,
  eventTime: at,
  receivedAt: at,
  recordedAt: at,
};

const deps = (): DashboardDeps => ({
  reads: dashboardReads({
    apps: async () => [{ spec, generation: 1, registeredAt: at, updatedAt: at }],
    app: async (name) => (name === 'api' ? { spec, generation: 1, registeredAt: at, updatedAt: at } : undefined),
    clusters: async () => [cluster('eu-1', 0), cluster('eu-2', 1)],
    releases: async () => [
      aRelease({
        revision: 2,
        image: 'registry.local:5000/acme/api:1.1.0@sha256:abcdef0123456789',
        waves: [['eu-1'], ['eu-2']],
        status: 'progressing',
        requestedBy: evil,
        clusters: { 'eu-1': rolling },
      }),
      aRelease({
        revision: 1,
        image: 'registry.local:5000/acme/api:1.0.0',
        waves: [['eu-1'], ['eu-2']],
        clusters: {
          'eu-1': { apply: 'created', rollout: 'ready', updatedAt: at },
          'eu-2': { apply: 'created', rollout: 'ready', updatedAt: at },
        },
      }),
    ],
    history: async () => ({ entries: [entry] }),
  }),
  redeem: async () => undefined,
  peek: async () => undefined,
  sessionKey: key,
  now: () => now,
  asset: () => undefined,
  slack: async () => undefined,
});

const signedIn = async () => [`capstan_session=${await signSession(key, { principal: 'cli:alice' }, now)}`];
const ask = async (routeKey: string, o: { query?: string; name?: string; cookies?: string[] } = {}) =>
  answerDashboard(
    {
      routeKey,
      rawQueryString: o.query ?? '',
      ...(o.name ? { pathParameters: { name: o.name } } : {}),
      ...(o.cookies ? { cookies: o.cookies } : {}),
      secure: true,
      ownOrigin: 'https://capstan.example',
    },
    deps(),
  );

/** What the CSP (script-src 'self', style-src 'self') would block, and no page may need. */
const inlineCode = (page: string) => [
  ...(page.match(/<script(?![^>]*\bsrc=)[^>]*>/g) ?? []),
  ...(page.match(/<[^>]*\sstyle=/g) ?? []),
  ...(page.match(/<[^>]*\son[a-z]+=/g) ?? []),
  ...(page.match(/<style/g) ?? []),
];

describe('html: values are text unless they are markup', () => {
  it.each([
    ['<b>', '&lt;b&gt;'],
    [`"'&`, '&quot;&#39;&amp;'],
    [undefined, ''],
    [false, ''],
    [3, '3'],
  ])('%s', (value, text) => {
    expect(html`<p>${value}</p>`.text).toBe(`<p>${text}</p>`);
  });
  it('nested markup and lists as they are', () => {
    expect(html`<ul>${['a<', 'b'].map((x) => html`<li>${x}</li>`)}</ul>`.text).toBe(
      '<ul><li>a&lt;</li><li>b</li></ul>',
    );
  });
});

describe('the pages', () => {
  it.each(['GET /', 'GET /apps/{name}', 'GET /healing', 'GET /approvals'])(
    '%s: without a session a 401 page that says how to sign in, and nothing of the fleet',
    async (route) => {
      const answer = await ask(route, { name: 'api' });
      expect(answer.status).toBe(401);
      expect(answer.html).toContain('capstan dashboard link');
      expect(answer.html).not.toContain('eu-1');
      expect(answer.html).not.toContain('api');
    },
  );

  it('the fleet matrix: a cell per cluster in wave order, rolling out with what runs and what comes', async () => {
    const answer = await ask('GET /', { cookies: await signedIn() });
    expect(answer.status).toBe(200);
    const page = answer.html ?? '';
    expect(inlineCode(page)).toEqual([]);
    expect(page).toContain('<script src="/assets/htmx.min.js" defer></script>');
    expect(page).toContain('hx-trigger="every 3s"');
    const cells = [...page.matchAll(/data-cluster="([^"]+)" data-state="([^"]+)"/g)].map((m) => `${m[1]}:${m[2]}`);
    expect(cells).toEqual(['eu-1:progressing', 'eu-2:healthy']);
    expect(page).toContain('<b>1.1.0</b>');
    expect(page).not.toContain('kubeconfig');
  });

  it('the app page: waves filling in, replicas old and new, the history, every value escaped', async () => {
    const answer = await ask('GET /apps/{name}', { name: 'api', query: 'env=staging', cookies: await signedIn() });
    expect(answer.status).toBe(200);
    const page = answer.html ?? '';
    expect(inlineCode(page)).toEqual([]);
    expect(page).not.toContain(evil);
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page).toMatch(/data-wave="0" data-state="progressing"/);
    expect(page).toMatch(/data-wave="1" data-state="waiting"/);
    expect(page).toContain('new 1/2, 2 available, <b>old 1</b>');
    expect(page).toContain('hx-get="/apps/api?env=staging"');
    expect(page).toContain('<option value="failed">failed</option>');
    const clusterSelect = /<select name="cluster"[\s\S]*?<\/select>/.exec(page)?.[0] ?? '';
    expect([...clusterSelect.matchAll(/<option value="([^"]+)"/g)].map((m) => m[1])).toEqual(['eu-1', 'eu-2']);
    expect(page).toContain('data-outcome="failed"');
  });

  it('the app page with a bad filter: 400, the page saying what is wrong', async () => {
    const answer = await ask('GET /apps/{name}', { name: 'api', query: 'outcome=exploded', cookies: await signedIn() });
    expect(answer.status).toBe(400);
    expect(answer.html).toContain('These filters do not work: outcome:');
  });

  it('an unknown app: 404, page and API', async () => {
    const cookies = await signedIn();
    expect((await ask('GET /apps/{name}', { name: 'nope', cookies })).status).toBe(404);
    const api = await ask('GET /api/apps/{name}', { name: 'nope', cookies });
    expect(api).toMatchObject({ status: 404, body: { error: 'not-found' } });
  });

  it('nodes and volumes: active heals first, every name escaped; approvals with the line that votes', async () => {
    const healDeps: DashboardDeps = {
      ...deps(),
      reads: dashboardReads({
        clusters: async () => [cluster('eu-1', 0)],
        heals: async () => [
          {
            cluster: 'eu-1',
            node: 'old-node',
            phase: 'restored',
            mode: 'auto',
            cordonedByCapstan: true,
            eventId: 'e0',
            suspectedAt: at,
            updatedAt: '2026-12-01T00:00:00.000Z',
          },
          {
            cluster: 'eu-1',
            node: 'lost-node',
            phase: 'fenced',
            mode: 'auto',
            cordonedByCapstan: true,
            eventId: 'e1',
            suspectedAt: at,
            fencedAt: at,
            updatedAt: at,
          },
        ],
        imageHeals: async () => [
          {
            cluster: 'eu-1',
            pool: 'rbd',
            image: 'pvc-1',
            persistentVolume: 'pv-1',
            holderNode: 'lost-node',
            requester: { namespace: 'db', pod: 'db-0' },
            phase: 'refused',
            code: 'lease-renewed',
            reason: evil,
            eventId: 'e2',
            detectedAt: at,
            updatedAt: at,
          },
        ],
        apps: async () => [{ spec, generation: 1, registeredAt: at, updatedAt: at }],
        openApprovals: async () => [
          {
            app: 'api',
            environment: 'staging',
            id: 'req-1',
            request: DeployRequestedDataSchema.parse({
              app: 'api',
              environment: 'staging',
              image: 'registry.local:5000/acme/api:2.0.0',
            }),
            requester: { kind: 'cli', user: 'bob' },
            required: 2,
            role: 'approve',
            selfApproval: false,
            openedAt: at,
            dueAt: at,
            state: 'open',
            votes: [],
            version: 1,
          },
        ],
      }),
    };
    const cookies = await signedIn();
    const ask2 = (routeKey: string) =>
      answerDashboard(
        { routeKey, rawQueryString: '', cookies, secure: true, ownOrigin: 'https://capstan.example' },
        healDeps,
      );
    const healing = (await ask2('GET /healing')).html ?? '';
    expect(inlineCode(healing)).toEqual([]);
    expect([...healing.matchAll(/data-node="([^"]+)"/g)].map((m) => m[1])).toEqual(['lost-node', 'old-node']);
    expect(healing).toContain('data-image="rbd/pvc-1" data-phase="refused"');
    expect(healing).not.toContain(evil);
    expect(healing).toContain('hx-trigger="every 5s"');
    const approvals = (await ask2('GET /approvals')).html ?? '';
    expect(approvals).toContain('0 of 2');
    expect(approvals).toContain('<code>capstan approve api --env staging</code>');
    const api = await ask2('GET /api/heals');
    expect(((api.body?.nodes ?? []) as { node: string }[]).map((n) => n.node)).toEqual(['lost-node', 'old-node']);
  });

  it('the API: an app with its releases (no manifests) and wave progress, and the apps list', async () => {
    const cookies = await signedIn();
    const one = await ask('GET /api/apps/{name}', { name: 'api', cookies });
    const env = (one.body?.environments as { releases: Record<string, unknown>[] }[] | undefined)?.[0];
    expect(env?.releases.map((r) => r.revision)).toEqual([2, 1]);
    expect(env?.releases[0]).not.toHaveProperty('manifests');
    expect(env?.releases[0]?.waveProgress).toMatchObject([{ state: 'progressing' }, { state: 'waiting' }]);
    const list = await ask('GET /api/apps', { cookies });
    expect(list.body).toMatchObject({ apps: [{ name: 'api', environments: [{ environment: 'staging' }] }] });
  });
});
