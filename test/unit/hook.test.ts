import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { CapstanEvent } from '../../events/index.ts';
import { acceptAlertmanagerHook } from '../../lib/ingest/alertmanager-hook.ts';
import { GITLAB_HOOK_ROUTE } from '../../lib/ingest/gitlab-hook.ts';
import { acceptHook } from '../../lib/ingest/hook.ts';
import { alertmanagerHookToken, kubernetesHookToken } from '../../lib/ingest/hook-secret.ts';
import { acceptKubeHook, KUBERNETES_HOOK_ROUTE } from '../../lib/ingest/kube-hook.ts';
import { matchPath } from '../../lib/runtime/http.ts';
import { ALERTNAME_MATCHER } from '../../lib/sources/alertmanager.ts';
import { imageSource, imageSources } from '../../lib/sources/index.ts';
import { kubeEventCandidates } from '../../lib/sources/kube-candidates.ts';
import { functions } from '../../lib/topology.ts';
import { exporterReceivers } from '../support/exporter-route.ts';
import { digestOf, distributionEnvelope } from '../support/registry.ts';

const bin = join(import.meta.dirname, '../../lib/cli/bin.js');
const SECRET = 'k3XbV9qLw2Rr7TzN4pYd-hook';
const distribution = imageSource('distribution')!;
const dockerhub = imageSource('dockerhub')!;
const headers = {
  authorization: `Bearer ${SECRET}`,
  'content-type': 'application/vnd.docker.distribution.events.v2+json',
};

/** The queue side of the edge: what it enqueued, in order. */
const collect = () => {
  const sent: CapstanEvent[] = [];
  return { sent, enqueue: async (e: CapstanEvent) => void sent.push(e) };
};

const body = (push: Parameters<typeof distributionEnvelope>[2]) =>
  JSON.stringify(distributionEnvelope('registry.local:5000', 'acme/api', push));

describe('POST /hooks/<registry>', () => {
  it('turns a tag push into one image.pushed event, pinned by digest', async () => {
    const { sent, enqueue } = collect();
    const answer = await acceptHook(
      distribution,
      { rawBody: body({ tag: '1.2.0', digest: digestOf('1.2.0') }), headers },
      SECRET,
      enqueue,
    );
    expect(answer.status).toBe(202);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      type: 'image.pushed',
      data: { registry: 'registry.local:5000', repository: 'acme/api', tag: '1.2.0', digest: digestOf('1.2.0') },
    });
  });

  it('answers a blob upload and a digest-only push as ignored, with the reason, and enqueues nothing', async () => {
    const { sent, enqueue } = collect();
    const blob = await acceptHook(
      distribution,
      { rawBody: body({ digest: digestOf('layer'), blob: true }), headers },
      SECRET,
      enqueue,
    );
    const untagged = await acceptHook(
      distribution,
      { rawBody: body({ digest: digestOf('child') }), headers },
      SECRET,
      enqueue,
    );
    expect(blob).toMatchObject({
      status: 202,
      body: { accepted: [], ignored: [expect.stringMatching(/^events\[0\]: /)] },
    });
    expect(untagged).toMatchObject({ status: 202, body: { accepted: [], ignored: [expect.any(String)] } });
    expect(sent).toEqual([]);
  });

  it('refuses a wrong token (401), another content type (415) and a bad payload (400), enqueueing nothing', async () => {
    const { sent, enqueue } = collect();
    const rawBody = body({ tag: '1.2.0', digest: digestOf('1.2.0') });
    const wrong = await acceptHook(
      distribution,
      { rawBody, headers: { ...headers, authorization: 'Bearer nope-nope-nope-nope' } },
      SECRET,
      enqueue,
    );
    const type = await acceptHook(
      distribution,
      { rawBody, headers: { ...headers, 'content-type': 'text/plain' } },
      SECRET,
      enqueue,
    );
    const bad = await acceptHook(distribution, { rawBody: '{"events":[{"action":"push"}]}', headers }, SECRET, enqueue);
    expect([wrong.status, type.status, bad.status]).toEqual([401, 415, 400]);
    expect(sent).toEqual([]);
  });

  it('verifies Docker Hub by the secret path segment, which never reaches the answer', async () => {
    const { enqueue } = collect();
    const rawBody = readFileSync(new URL('../fixtures/sources/dockerhub-push.json', import.meta.url), 'utf8');
    const json = { 'content-type': 'application/json' };
    const ok = await acceptHook(dockerhub, { rawBody, headers: json, pathSecret: SECRET }, SECRET, enqueue);
    const wrong = await acceptHook(dockerhub, { rawBody, headers: json, pathSecret: 'x'.repeat(30) }, SECRET, enqueue);
    expect(ok.status).toBe(202);
    expect(wrong.status).toBe(401);
    expect(JSON.stringify(wrong.body)).not.toContain('x'.repeat(30));
  });
});

describe('routes', () => {
  it('the topology serves exactly one hook route per HTTP registry source, plus the kubernetes, alertmanager and gitlab routes', () => {
    const hooks = functions.ingest.routes.map((r) => r.path).filter((p) => p.startsWith('/hooks/'));
    const registries = imageSources.flatMap((s) => (s.route ? [s.route] : []));
    expect(hooks.sort()).toEqual(
      [...registries, KUBERNETES_HOOK_ROUTE, '/hooks/alertmanager', GITLAB_HOOK_ROUTE].sort(),
    );
  });

  it('matches API Gateway path templates as the local server serves them', () => {
    expect(matchPath('/hooks/dockerhub/{secret}', '/hooks/dockerhub/s3cr%2Bt')).toEqual({ secret: 's3cr+t' });
    expect(matchPath('/hooks/dockerhub/{secret}', '/hooks/dockerhub/')).toBeUndefined();
    expect(matchPath('/hooks/dockerhub/{secret}', '/hooks/dockerhub/a/b')).toBeUndefined();
    expect(matchPath('/hooks/dockerhub/{secret}', '/hooks/dockerhub/%E0%A4%A')).toBeUndefined();
    expect(matchPath(KUBERNETES_HOOK_ROUTE, '/hooks/kubernetes/dc2')).toEqual({ cluster: 'dc2' });
    expect(matchPath(KUBERNETES_HOOK_ROUTE, '/hooks/kubernetes/')).toBeUndefined();
    expect(matchPath(GITLAB_HOOK_ROUTE, '/hooks/gitlab/278964')).toEqual({ project: '278964' });
    expect(matchPath('/events', '/events')).toEqual({});
    expect(matchPath('/events', '/events/x')).toBeUndefined();
  });
});

describe('hookSecret', () => {
  it('gives each registry a secret of its own, stable for one ingest token, never the token itself', async () => {
    const { hookSecret } = await import('../../lib/ingest/hook-secret.ts');
    const token = 'k3XbV9qLw2Rr7TzN4pYd-ingest';
    const secrets = imageSources.map((s) => hookSecret(token, s.name));
    expect(new Set(secrets).size).toBe(imageSources.length);
    expect(secrets).not.toContain(token);
    expect(hookSecret(token, 'harbor')).toBe(hookSecret(token, 'harbor'));
    expect(hookSecret(`${token}-rotated`, 'harbor')).not.toBe(hookSecret(token, 'harbor'));
    expect(hookSecret(token, 'dockerhub')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe("capstan hooks: kubernetes-event-exporter's setting", () => {
  const token = 'a-long-enough-ingest-token-for-tests';
  const hooks = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await promisify(execFile)('node', [bin, 'hooks', ...args], {
        env: { ...process.env, CAPSTAN_STATE: '/nonexistent', CAPSTAN_INGEST_TOKEN: token, AWS_REGION: 'eu-west-1' },
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  it('--cluster prints exactly what the exporter needs: its URL, its own token, and a config that works', async () => {
    const { code, stdout } = await hooks('--url', 'https://api.example.com/', '--cluster', 'dc2', '--json');
    expect(code).toBe(0);
    const rows = JSON.parse(stdout);
    expect(rows).toHaveLength(1);
    const row = rows[0];
    expect(row).toMatchObject({
      producer: 'kubernetes-event-exporter',
      cluster: 'dc2',
      url: 'https://api.example.com/hooks/kubernetes/dc2',
      value: `Bearer ${kubernetesHookToken(token, 'dc2')}`,
      sqs: { region: 'eu-west-1' },
    });
    const config = parse(row.configure);
    expect(config).toEqual({
      clusterName: 'dc2',
      route: {
        routes: [
          { match: [{ receiver: 'capstan', kind: '^(Node|Pod)$', reason: '^NodeNotReady$' }] },
          {
            match: [
              { receiver: 'capstan', kind: '^Pod$', type: '^Warning$', reason: '^(FailedMount|FailedAttachVolume)$' },
            ],
          },
        ],
      },
      receivers: [{ name: 'capstan', webhook: { endpoint: row.url, headers: { Authorization: row.value } } }],
    });
    // The header as the exporter sends it (pkg/sinks/webhook.go: its Content-Type, then the configured headers).
    const headers = {
      'content-type': 'application/json',
      authorization: config.receivers[0].webhook.headers.Authorization,
    };
    const { enqueue } = collect();
    const rawBody = readFileSync(new URL('../fixtures/sources/k8s-event-node-not-ready.json', import.meta.url), 'utf8');
    expect((await acceptKubeHook({ rawBody, headers, cluster: 'dc2' }, token, enqueue)).status).toBe(202);
    expect(parse(row.sqs.configure)).toMatchObject({
      clusterName: 'dc2',
      receivers: [{ name: 'capstan', sqs: { queueName: row.sqs.queueName, region: 'eu-west-1' } }],
    });
    expect(stdout).not.toContain(token);
  });

  it("the exporter's route sends capstan, once each, exactly the Events the route can take as candidates", async () => {
    const { stdout } = await hooks('--url', 'https://api.example.com', '--cluster', 'dc2', '--json');
    const route = parse(JSON.parse(stdout)[0].configure).route;
    const fixtures = readdirSync(new URL('../fixtures/sources/', import.meta.url)).filter((f) =>
      /^(k8s|rbd)-event-/.test(f),
    );
    expect(fixtures.length).toBeGreaterThan(10);
    for (const name of fixtures) {
      const event = JSON.parse(readFileSync(new URL(`../fixtures/sources/${name}`, import.meta.url), 'utf8'));
      const candidates = kubeEventCandidates(event, new Date(), 'dc2').events;
      const delivered = exporterReceivers(route, event);
      // The route may let through more than it takes (it reads the message; the exporter's rules do not).
      if (candidates.length > 0) expect({ name, delivered }).toEqual({ name, delivered: ['capstan'] });
      if (delivered.length === 0) expect({ name, candidates }).toEqual({ name, candidates: [] });
    }
    const scheduled = JSON.parse(
      readFileSync(new URL('../fixtures/sources/k8s-event-pod-scheduled.json', import.meta.url), 'utf8'),
    );
    expect(exporterReceivers(route, scheduled)).toEqual([]);
    // A Normal FailedMount (no such thing from the kubelet) and a FailedMount on another kind stay out.
    const mount = JSON.parse(
      readFileSync(new URL('../fixtures/sources/rbd-event-csi-still-in-use.json', import.meta.url), 'utf8'),
    );
    expect(exporterReceivers(route, { ...mount, type: 'Normal' })).toEqual([]);
    expect(exporterReceivers(route, { ...mount, involvedObject: { ...mount.involvedObject, kind: 'PodX' } })).toEqual(
      [],
    );
  });

  it('without --cluster and without a table, prints the registries and says how to get a cluster', async () => {
    const { code, stdout } = await hooks('--url', 'https://api.example.com');
    expect(code).toBe(0);
    expect(stdout).toContain('/hooks/distribution');
    expect(stdout).toContain('capstan hooks --cluster <name>');
  });

  it('refuses a --cluster that is no cluster name (exit 2)', async () => {
    const { code, stderr } = await hooks('--cluster', 'DC2');
    expect(code).toBe(2);
    expect(stderr).toContain('--cluster "DC2" must be a DNS-1123 label');
  });
});

describe("capstan hooks: Alertmanager's receiver", () => {
  const token = 'a-long-enough-ingest-token-for-tests';
  const hooks = async (...args: string[]) => {
    const { stdout } = await promisify(execFile)('node', [bin, 'hooks', ...args], {
      env: { ...process.env, CAPSTAN_STATE: '/nonexistent', CAPSTAN_INGEST_TOKEN: token, AWS_REGION: 'eu-west-1' },
    });
    return stdout;
  };

  it('prints the receiver to paste into alertmanager.yml, whose token the route takes', async () => {
    const rows = JSON.parse(await hooks('--url', 'https://api.example.com/', '--json'));
    const row = rows.find((r: { producer: string }) => r.producer === 'alertmanager');
    expect(row).toMatchObject({
      url: 'https://api.example.com/hooks/alertmanager',
      field: 'receivers[].webhook_configs[].http_config.authorization.credentials',
      value: alertmanagerHookToken(token),
    });
    const config = parse(row.configure);
    expect(config.receivers).toEqual([
      {
        name: 'capstan',
        webhook_configs: [
          {
            url: row.url,
            send_resolved: true,
            max_alerts: 0,
            http_config: { authorization: { type: 'Bearer', credentials: row.value } },
          },
        ],
      },
    ]);
    expect(config.route.routes[0]).toMatchObject({ receiver: 'capstan', continue: true });
    // Alertmanager sends `Authorization: <type> <credentials>`: exactly what the route checks.
    const headers = {
      authorization: `Bearer ${config.receivers[0].webhook_configs[0].http_config.authorization.credentials}`,
    };
    const rawBody = readFileSync(new URL('../fixtures/sources/alertmanager-hpa-group.json', import.meta.url), 'utf8');
    const { enqueue } = collect();
    expect((await acceptAlertmanagerHook({ rawBody, headers }, token, enqueue)).status).toBe(200);
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  it('the text output shows the receiver too, and --cluster leaves it out', async () => {
    const text = await hooks('--url', 'https://api.example.com');
    expect(text).toContain('Alertmanager (alertmanager.yml');
    expect(text).toContain('send_resolved: true');
    expect(text).toContain('credentials_file');
    expect(await hooks('--url', 'https://api.example.com', '--cluster', 'dc2')).not.toContain('Alertmanager');
  });

  it("the route's matcher selects exactly the alertnames the normalizer maps", () => {
    const re = new RegExp(
      `^(?:${/alertname=~"(.*)"/.exec(ALERTNAME_MATCHER)?.[1]?.replace('(?i:cpu)', '[cC][pP][uU]')})$`,
    );
    for (const name of ['KubeHpaMaxedOut', 'KubeHpaReplicasMismatch', 'ContainerCpuHigh', 'HighCPU'])
      expect(re.test(name), name).toBe(true);
    for (const name of ['KubePodCrashLooping', 'KubeHpaMaxedOutSoon']) expect(re.test(name), name).toBe(false);
  });
});
