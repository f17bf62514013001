import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { progress } from '../../lib/cli/log.ts';
import { applyAll } from '../../lib/kube/apply.ts';
import { type LocalAlertmanager, startAlertmanager } from '../../lib/local/alertmanager.ts';
import { ensureComponents } from '../../lib/local/components.ts';
import { AlertmanagerPayloadSchema } from '../../lib/sources/alertmanager.ts';
import { hpaMaxedOut } from '../support/alerts.ts';
import { uniqueName } from '../support/aws.ts';
import { setEmulatedCpu } from '../support/emulated-cpu.ts';
import type { HealCluster } from '../support/heal-cluster.ts';
import { eventually } from '../support/kube.ts';
import { listenersOf } from '../support/listeners.ts';
import { startMetricsCluster } from '../support/metrics-cluster.ts';

// The real Prometheus-stack pieces the autoscaling path meets in production, on this machine:
// - a metrics cluster: kwok emulates each container's usage, metrics-server scrapes it as it would
//   scrape kubelets, and the real HPA controller computes CPU utilization and scales a Deployment;
// - a real Alertmanager delivering webhook notifications (version 4) with a bearer token, firing then
//   resolved, and retrying a receiver's 5xx.

const log = progress('metrics-test');
const run = promisify(execFile);

describe('a metrics cluster: the real HPA controller scales on emulated CPU', () => {
  let cluster: HealCluster;
  const namespace = uniqueName('hpa');
  const name = 'web';

  beforeAll(async () => {
    cluster = await startMetricsCluster('metrics', 2);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  const workload = (): KubernetesObject[] => [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: { containers: [{ name, image: 'registry.local/web:1', resources: { requests: { cpu: '100m' } } }] },
        },
      },
    } as KubernetesObject,
  ];

  const hpaStatus = async () =>
    (await cluster.kube.autoscaling.readNamespacedHorizontalPodAutoscaler({ name, namespace })).status;

  it('scales up to maxReplicas under high CPU and back down when it drops; the metrics API and kubectl top answer', async () => {
    const kube = cluster.kube;
    // 200m per pod against a 100m request: 200 % of a 50 % target, so the HPA wants the maximum.
    await setEmulatedCpu(kube, namespace, '200m');
    await applyAll(kube, workload());
    await kube.autoscaling.createNamespacedHorizontalPodAutoscaler({
      namespace,
      body: {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name, namespace },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
          minReplicas: 1,
          maxReplicas: 4,
          metrics: [
            { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
          ],
          behavior: {
            scaleUp: { stabilizationWindowSeconds: 0 },
            scaleDown: { stabilizationWindowSeconds: 5, policies: [{ type: 'Percent', value: 100, periodSeconds: 5 }] },
          },
        },
      },
    });
    const created = Date.now();

    const utilization = await eventually(
      'the HPA to compute a CPU utilization',
      async () => (await hpaStatus())?.currentMetrics?.[0]?.resource?.current?.averageUtilization ?? undefined,
      120_000,
      1_000,
    );
    log(`HPA first saw ${utilization}% CPU after ${((Date.now() - created) / 1000).toFixed(1)}s`);
    expect(utilization).toBeGreaterThan(50);

    await eventually(
      'the Deployment at maxReplicas (4)',
      async () => {
        const d = await kube.apps.readNamespacedDeployment({ name, namespace });
        return d.spec?.replicas === 4 && d.status?.readyReplicas === 4 ? true : undefined;
      },
      150_000,
      1_000,
    );
    const upSeconds = (Date.now() - created) / 1000;
    log(`HPA reached maxReplicas 4 in ${upSeconds.toFixed(1)}s after it was created`);
    // The HPA's own view: at the maximum (what kube-state-metrics exports and KubeHpaMaxedOut fires on).
    // Its ScalingLimited condition comes later, once every new replica has two scrapes of metrics.
    const atMax = await eventually(
      'the HPA status at 4 current and desired replicas',
      async () => {
        const status = await hpaStatus();
        return status?.currentReplicas === 4 && status.desiredReplicas === 4 ? status : undefined;
      },
      30_000,
      1_000,
    );
    log(
      `HPA conditions at max: ${(atMax.conditions ?? []).map((c) => `${c.type}=${c.status} (${c.reason})`).join(', ')}`,
    );

    // The metrics API through the aggregator, as `kubectl top` and the HPA controller read it.
    const bin = await ensureComponents({ log });
    const kubectl = (...args: string[]) =>
      run(bin.kubectl, [`--kubeconfig=${cluster.kubeconfigPath}`, `--context=${cluster.context}`, ...args]);
    const raw = JSON.parse(
      (await kubectl('get', '--raw', `/apis/metrics.k8s.io/v1beta1/namespaces/${namespace}/pods`)).stdout,
    ) as { items: { containers: { usage: { cpu: string } }[] }[] };
    expect(raw.items.length).toBeGreaterThan(0);
    // Every Node running a replica has a sample (metrics-server drops a Node with zero usage: one
    // without Pods); new replicas' Nodes appear after two scrapes.
    const pods = await kube.core.listNamespacedPod({ namespace });
    const busy = new Set(pods.items.map((p) => p.spec?.nodeName).filter((n) => n !== undefined));
    await eventually(
      `node metrics for ${[...busy].join(', ')}`,
      async () => {
        const nodes = JSON.parse((await kubectl('get', '--raw', '/apis/metrics.k8s.io/v1beta1/nodes')).stdout) as {
          items: { metadata: { name: string }; usage: { cpu: string } }[];
        };
        const seen = new Set(nodes.items.map((n) => n.metadata.name));
        return [...busy].every((n) => seen.has(n)) ? true : undefined;
      },
      60_000,
      2_000,
    );
    const top = await eventually(
      'kubectl top pods to list the 4 replicas',
      async () => {
        const out = (await kubectl('top', 'pods', '-n', namespace, '--no-headers')).stdout.trim();
        return out.split('\n').length === 4 ? out : undefined;
      },
      60_000,
      2_000,
    );
    log(`kubectl top pods:\n${top}`);
    // About 200m each (a rate over two scrapes of kwok's cumulative counter).
    for (const line of top.split('\n')) expect(Number.parseInt(line.split(/\s+/)[1] ?? '', 10)).toBeGreaterThan(150);

    const lowered = Date.now();
    await setEmulatedCpu(kube, namespace, '5m');
    await eventually(
      'the Deployment back at minReplicas (1)',
      async () =>
        (await kube.apps.readNamespacedDeployment({ name, namespace })).spec?.replicas === 1 ? true : undefined,
      150_000,
      1_000,
    );
    log(`HPA scaled back down to 1 in ${((Date.now() - lowered) / 1000).toFixed(1)}s after the CPU dropped`);
  }, 360_000);

  it('keeps metrics-server and the kwok kubelet server on 127.0.0.1', async () => {
    const dir = dirname(cluster.kubeconfigPath);
    for (const component of ['metrics-server', 'kwok']) {
      const { pid } = JSON.parse(await readFile(join(dir, `${component}.pid`), 'utf8')) as { pid: number };
      const bound = listenersOf(pid);
      expect(bound.length, component).toBeGreaterThan(0);
      for (const address of bound) expect(address, component).toMatch(/^127\.0\.0\.1:/);
    }
  });
});

interface Delivery {
  readonly at: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: {
    version: string;
    status: string;
    alerts: { status: string; fingerprint: string; labels: Record<string, string>; endsAt: string }[];
  };
  readonly answered: number;
}

describe('a real Alertmanager delivers webhook notifications', () => {
  let alertmanager: LocalAlertmanager;
  let receiver: Server;
  const deliveries: Delivery[] = [];
  const token = `am-${uniqueName('token')}`;
  // The first firing delivery gets a 503: Alertmanager must retry it within the same notification.
  let failNext = 1;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => {
        text += c;
      });
      req.on('end', () => {
        const answered = failNext > 0 ? 503 : 200;
        if (failNext > 0) failNext--;
        deliveries.push({ at: Date.now(), headers: req.headers, body: JSON.parse(text), answered });
        res.writeHead(answered).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const { port } = receiver.address() as AddressInfo;
    alertmanager = await startAlertmanager({
      dir: await mkdtemp(join(tmpdir(), 'capstan-alertmanager-')),
      log,
      webhook: { url: `http://127.0.0.1:${port}/hooks/alertmanager`, token },
    });
  });
  afterAll(async () => {
    await alertmanager?.stop();
    await new Promise((r) => receiver?.close(r));
  });

  it('firing (retried after a 503), then resolved, with the bearer token and the same fingerprint', async () => {
    const alert = hpaMaxedOut('shop', 'web');
    const posted = Date.now();
    await alertmanager.post([alert]);
    const firing = await eventually(
      'a firing notification answered 200',
      async () => deliveries.find((d) => d.body.status === 'firing' && d.answered === 200),
      30_000,
      100,
    );
    log(`firing notification delivered ${firing.at - posted} ms after the post (after ${deliveries.length - 1} 503)`);
    const refused = deliveries.filter((d) => d.answered === 503);
    expect(refused).toHaveLength(1);
    expect(refused[0]?.body.alerts[0]?.fingerprint).toBe(firing.body.alerts[0]?.fingerprint);
    expect(firing.headers.authorization).toBe(`Bearer ${token}`);
    expect(firing.body.version).toBe('4');
    expect(firing.body.alerts).toHaveLength(1);
    expect(firing.body.alerts[0]).toMatchObject({ status: 'firing', labels: alert.labels });
    const fingerprint = firing.body.alerts[0]?.fingerprint;
    expect(fingerprint).toMatch(/^[0-9a-f]{16}$/);
    // What the real sender sends is what capstan's reader accepts.
    expect(AlertmanagerPayloadSchema.safeParse(firing.body).error).toBeUndefined();

    const resolvedAt = Date.now();
    await alertmanager.resolve([alert]);
    const resolved = await eventually(
      'a resolved notification',
      async () => deliveries.find((d) => d.body.status === 'resolved'),
      30_000,
      100,
    );
    log(`resolved notification delivered ${resolved.at - resolvedAt} ms after the resolve`);
    expect(resolved.headers.authorization).toBe(`Bearer ${token}`);
    expect(resolved.body.version).toBe('4');
    expect(resolved.body.alerts[0]).toMatchObject({ status: 'resolved', fingerprint });
    expect(AlertmanagerPayloadSchema.safeParse(resolved.body).error).toBeUndefined();
  }, 90_000);

  it('listens on 127.0.0.1 only, with no gossip port', () => {
    expect(listenersOf(alertmanager.pid)).toEqual([alertmanager.url.replace('http://', '')]);
  });
});
