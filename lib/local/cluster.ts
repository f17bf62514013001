import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import {
  apiserverArgs,
  type ClusterLayout,
  checkHeartbeat,
  controllerManagerArgs,
  etcdArgs,
  kwokArgs,
  type MetricsPorts,
  metricsServerArgs,
  type NodeHeartbeat,
  paths,
  schedulerArgs,
} from './cluster-flags.ts';
import { type Components, ensureComponents, versions } from './components.ts';
import { frontProxyPki } from './front-proxy.ts';
import { type ApiAccess, apiRequest, httpHealthy, httpsHealthy } from './kube-http.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { kwokResourceMetricYaml } from './kwok-metrics.ts';
import { kwokStagesYaml } from './kwok-stages.ts';
import { installUsageCrd, metricsApiReady, registerMetricsApi } from './metrics-api.ts';
import { createFakeNodes, KWOK_NODE_SELECTOR, nodesReady, releaseNodeLeases } from './nodes.ts';
import { randomToken, serviceAccountKeyPair } from './pki.ts';
import { freePorts, reusePorts } from './ports.ts';
import { type ManagedProcess, type ProcessSpec, startAndWait } from './process.ts';

export interface ClusterOptions {
  /** Parent folder; each cluster gets `<dir>/<name>` (data, certs, kubeconfigs, logs). */
  readonly dir: string;
  /** Clusters are named `<namePrefix>-1`, `<namePrefix>-2`, ... (default `local`). */
  readonly namePrefix?: string;
  /** Fake kwok Nodes per cluster (default 3). */
  readonly nodesPerCluster?: number;
  /**
   * Keep each cluster's folder (etcd data, certificates, tokens, kubeconfigs) when it stops, and start a
   * cluster whose folder is already there again on the same data: same name, same objects, same ports
   * where they are still free. Off: the folders are removed on stop.
   */
  readonly persist?: boolean;
  /** Shorter heartbeat timings for tests of lost nodes; absent: Kubernetes' defaults. */
  readonly heartbeat?: NodeHeartbeat;
  /**
   * A metrics cluster: metrics-server behind the metrics.k8s.io APIService, fed by kwok's emulated
   * kubelet resource metrics (usage set through ClusterResourceUsage objects, see lib/local/kwok-metrics.ts),
   * so the real HPA controller computes utilization and scales; it looks every 5 s. Every Node's
   * InternalIP is 127.0.0.1 (where kwok serves). Ready once the metrics API answers.
   */
  readonly metrics?: boolean;
  readonly log: (line: string) => void;
}

export interface LocalCluster {
  readonly name: string;
  /** An admin kubeconfig (token auth, the apiserver's CA); its only context is `context`. */
  readonly kubeconfigPath: string;
  /** Equal to `name`. */
  readonly context: string;
  /** https://127.0.0.1:<port>; the same after stopApiServer/startApiServer. */
  readonly server: string;
  /** Stops every process of the cluster and removes its folder (kept if `persist` or CAPSTAN_KEEP_DIRS is set). */
  stop(): Promise<void>;
  /** Stops kube-apiserver alone: the cluster becomes unreachable, its data (etcd) stays. */
  stopApiServer(): Promise<void>;
  /** Starts kube-apiserver again on the same port with the same certificate, and waits until ready. */
  startApiServer(): Promise<void>;
}

// Bounds for each step, generous for two clusters starting at once on 2 cores.
const timeouts = {
  etcd: 60_000,
  apiserver: 180_000,
  component: 120_000,
  nodes: 120_000,
  serviceAccount: 120_000,
  metrics: 120_000,
};

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)}s`;

// Static tokens (user,uid,groups). The controller-manager and scheduler use the users that Kubernetes'
// bootstrap RBAC policy already grants exactly their permissions. kwok plays the kubelet of every fake
// Node, which the Node authorizer cannot express (one identity per node), so it gets admin rights.
const identities = {
  admin: { user: 'capstan-admin', groups: 'system:masters' },
  controllerManager: { user: 'system:kube-controller-manager', groups: '' },
  scheduler: { user: 'system:kube-scheduler', groups: '' },
  kwok: { user: 'kwok-controller', groups: 'system:masters' },
  // metrics-server reads Nodes and Pods, scrapes nodes/metrics, and delegates authn/authz (TokenReviews,
  // SubjectAccessReviews, the extension-apiserver-authentication ConfigMap). Admin rights like kwok's:
  // its upstream RBAC is not what these clusters test.
  metricsServer: { user: 'system:metrics-server', groups: 'system:masters' },
} as const;
type Identity = keyof typeof identities;

// metrics-server's identity exists only in metrics clusters: no admin token nobody uses elsewhere.
const tokenFile = (tokens: Record<Identity, string>, metrics: boolean) =>
  `${(Object.keys(identities) as Identity[])
    .filter((id) => metrics || id !== 'metricsServer')
    .map((id) => `${tokens[id]},${identities[id].user},${identities[id].user},"${identities[id].groups}"`)
    .join('\n')}\n`;

type Ports = ClusterLayout['ports'];
const portNames = ['etcdClient', 'etcdPeer', 'apiserver', 'controllerManager', 'scheduler'] as const;

// What a restart needs besides the files the components keep themselves (etcd data, the apiserver's
// certificate, the service-account keys): the ports last used and the static tokens. Written once the
// cluster is ready, so a folder without it never held a working cluster.
const SavedClusterSchema = z.object({
  ports: z.object({
    etcdClient: z.int().positive(),
    etcdPeer: z.int().positive(),
    apiserver: z.int().positive(),
    controllerManager: z.int().positive(),
    scheduler: z.int().positive(),
    kwokServer: z.int().positive().optional(),
    metricsServer: z.int().positive().optional(),
  }),
  tokens: z.object({
    admin: z.string(),
    controllerManager: z.string(),
    scheduler: z.string(),
    kwok: z.string(),
    // Absent in the records of clusters saved before metrics clusters existed: made then.
    metricsServer: z.string().optional(),
  }),
});
type SavedCluster = z.infer<typeof SavedClusterSchema>;
const savedFile = (dir: string) => join(dir, 'cluster.json');

const readSaved = async (dir: string): Promise<SavedCluster | undefined> => {
  const text = await readFile(savedFile(dir), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const saved = SavedClusterSchema.safeParse(JSON.parse(text));
  if (!saved.success) throw new Error(`${savedFile(dir)} is not a cluster record: ${saved.error.message}`);
  return saved.data;
};

/** Starts one cluster; on failure, stops whatever it had started before throwing. */
const startCluster = async (
  name: string,
  bin: Components,
  o: Required<Pick<ClusterOptions, 'nodesPerCluster' | 'log' | 'persist' | 'metrics'>> & {
    dir: string;
    heartbeat: NodeHeartbeat | undefined;
  },
): Promise<LocalCluster> => {
  const started = Date.now();
  const log = (line: string) => o.log(`${name}: ${line}`);
  const saved = o.persist ? await readSaved(o.dir) : undefined;
  const chosen = saved ? await reusePorts(portNames.map((n) => saved.ports[n])) : await freePorts(portNames.length);
  const ports = Object.fromEntries(portNames.map((n, i) => [n, chosen[i] as number])) as unknown as Ports;
  const { etcdClient, apiserver, controllerManager, scheduler } = ports;
  let metrics: MetricsPorts | undefined;
  if (o.metrics) {
    const before = [saved?.ports.kwokServer, saved?.ports.metricsServer];
    const [kwokServer, metricsServer] = before.every((x) => x !== undefined)
      ? await reusePorts(before as number[])
      : await freePorts(2);
    metrics = { kwokServer: kwokServer as number, metricsServer: metricsServer as number };
  }
  const layout: ClusterLayout = { name, dir: o.dir, ports, heartbeat: o.heartbeat, metrics };
  const p = paths(layout);
  const server = `https://127.0.0.1:${apiserver}`;
  if (saved) {
    const moved = portNames.filter((n) => saved.ports[n] !== ports[n]);
    log(
      `starting again on the data in ${o.dir}` +
        (moved.length ? ` (${moved.map((n) => `${n} port ${saved.ports[n]} taken, now ${ports[n]}`).join(', ')})` : ''),
    );
  }

  await mkdir(o.dir, { recursive: true });
  let tokens: Record<Identity, string>;
  if (saved) {
    tokens = { ...saved.tokens, metricsServer: saved.tokens.metricsServer ?? randomToken() };
  } else {
    const keys = serviceAccountKeyPair();
    await writeFile(p.saKey, keys.privateKeyPem, { mode: 0o600 });
    await writeFile(p.saPub, keys.publicKeyPem);
    tokens = {
      admin: randomToken(),
      controllerManager: randomToken(),
      scheduler: randomToken(),
      kwok: randomToken(),
      metricsServer: randomToken(),
    };
  }
  // Rewritten on every start: a record saved before metrics-server had an identity lacks its token.
  await writeFile(p.tokens, tokenFile(tokens, o.metrics), { mode: 0o600 });
  if (metrics) await frontProxyPki(p.frontProxyCerts);
  const kwokConfig = kwokStagesYaml(`v${versions.kubernetes}`);
  await writeFile(p.kwokConfig, metrics ? `${kwokConfig}---\n${kwokResourceMetricYaml()}` : kwokConfig);

  const spec = (component: string, command: string, args: string[]): ProcessSpec => ({
    name: `${name}/${component}`,
    command,
    args,
    logFile: p.log(component),
    pidFile: join(o.dir, `${component}.pid`),
  });
  // The serving certificate appears once kube-apiserver has started the first time; read it lazily.
  const ca = () => (existsSync(p.servingCert) ? readFileSync(p.servingCert, 'utf8') : undefined);
  const admin: ApiAccess = { server, token: tokens.admin, ca };

  let etcd: ManagedProcess | undefined;
  let api: ManagedProcess | undefined;
  let clients: ManagedProcess[] = [];
  const metricsLayout = metrics ? { ...layout, metrics } : undefined;
  let nodes: string[] = [];

  const apiserverReady = async () => (await apiRequest(admin, 'GET', '/readyz')).status === 200;
  const startApi = async () => {
    api = await startAndWait(spec('kube-apiserver', bin.kubeApiserver, apiserverArgs(layout)), apiserverReady, {
      what: '/readyz',
      timeoutMs: timeouts.apiserver,
    });
  };

  // The controller-manager, the scheduler and kwok: the apiserver's clients, started once it is ready.
  const startClients = async () => {
    const results = await Promise.allSettled([
      startAndWait(
        spec('kube-controller-manager', bin.kubeControllerManager, controllerManagerArgs(layout)),
        () => httpsHealthy(`https://127.0.0.1:${controllerManager}/healthz`),
        { what: '/healthz', timeoutMs: timeouts.component },
      ),
      startAndWait(
        spec('kube-scheduler', bin.kubeScheduler, schedulerArgs(layout)),
        () => httpsHealthy(`https://127.0.0.1:${scheduler}/healthz`),
        { what: '/healthz', timeoutMs: timeouts.component },
      ),
      startAndWait(spec('kwok', bin.kwok, kwokArgs(layout, KWOK_NODE_SELECTOR)), () => nodesReady(admin, nodes), {
        what: `${nodes.length} Ready Nodes`,
        timeoutMs: timeouts.nodes,
      }),
      ...(metricsLayout
        ? [
            startAndWait(
              spec('metrics-server', bin.metricsServer, metricsServerArgs(metricsLayout)),
              () => httpsHealthy(`https://127.0.0.1:${metricsLayout.metrics.metricsServer}/livez`),
              { what: '/livez', timeoutMs: timeouts.component },
            ),
          ]
        : []),
    ]);
    clients = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  };

  // "The apiserver is down" stops its clients too, and "up again" starts them afresh. That is what a real
  // control plane does: with leader election the controller-manager and scheduler exit when they cannot
  // renew their lease, and are restarted. Left running, their informers back off to 30 s between
  // reconnects, so a restarted cluster would ignore changes for up to a minute and the node lifecycle
  // controller, having missed the Leases, would mark every Node NotReady.
  const stopControlPlane = async () => {
    await Promise.all(clients.map((proc) => proc.stop()));
    clients = [];
    // kube-apiserver drains for up to its 60 s request timeout after SIGTERM; it keeps no state of its
    // own (etcd does), so it gets a few seconds and then SIGKILL, like a crashed control-plane node.
    await api?.stop(3_000);
    api = undefined;
  };
  const startControlPlane = async () => {
    if (api?.running()) return;
    await startApi();
    await releaseNodeLeases(admin, nodes);
    await startClients();
  };

  // Start and stop requests may come from several tests at once; run them one after another.
  let transition: Promise<void> = Promise.resolve();
  const serialized = (action: () => Promise<void>) => {
    const next = transition.then(action);
    transition = next.catch(() => {});
    return next;
  };

  let stopped = false;
  let ready = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await transition;
    await stopControlPlane();
    await etcd?.stop();
    // A persistent cluster's folder is its data; one that never got ready the first time holds nothing
    // worth keeping (and no cluster.json), so it goes.
    if (o.persist && (saved || ready)) return;
    if (process.env.CAPSTAN_KEEP_DIRS) o.log(`${name}: files and logs kept in ${o.dir}`);
    else await rm(o.dir, { recursive: true, force: true });
  };

  try {
    etcd = await startAndWait(
      spec('etcd', bin.etcd, etcdArgs(layout)),
      () => httpHealthy(`http://127.0.0.1:${etcdClient}/health`),
      { what: '/health', timeoutMs: timeouts.etcd },
    );
    await startApi();
    log(`kube-apiserver ready at ${server} (${seconds(started)})`);

    const caPem = await readFile(p.servingCert, 'utf8');
    const kubeconfig = (path: string, id: Identity) =>
      writeKubeconfig(path, { name, server, caPem, user: identities[id].user, token: tokens[id] });
    await kubeconfig(p.kubeconfig, 'admin');
    await kubeconfig(p.controllerManagerKubeconfig, 'controllerManager');
    await kubeconfig(p.schedulerKubeconfig, 'scheduler');
    await kubeconfig(p.kwokKubeconfig, 'kwok');
    if (metrics) {
      await kubeconfig(p.metricsServerKubeconfig, 'metricsServer');
      await installUsageCrd(admin);
      await registerMetricsApi(admin, metrics.metricsServer);
    }

    nodes = await createFakeNodes(admin, name, o.nodesPerCluster, o.metrics);
    // On a restart the Nodes' Leases are held by the kwok of the earlier run (see releaseNodeLeases).
    if (saved) await releaseNodeLeases(admin, nodes);
    await startClients();
    if (metrics) {
      const t = Date.now();
      const deadline = t + timeouts.metrics;
      while (!(await metricsApiReady(admin).catch(() => false))) {
        if (Date.now() > deadline) {
          throw new Error(
            `${name}: the metrics API did not answer after ${seconds(t)}; see ${p.log('metrics-server')}`,
          );
        }
        await new Promise((r) => setTimeout(r, 500));
      }
      log(`metrics API (metrics-server v${versions.metricsServer}) answering (${seconds(t)})`);
    }

    // Pods are refused in a namespace until its `default` ServiceAccount exists (ServiceAccount admission);
    // the controller-manager creates it a moment after start. Wait, so a first test cannot race it.
    const deadline = Date.now() + timeouts.serviceAccount;
    while ((await apiRequest(admin, 'GET', '/api/v1/namespaces/default/serviceaccounts/default')).status !== 200) {
      if (Date.now() > deadline) throw new Error(`${name}: the default ServiceAccount never appeared`);
      await new Promise((r) => setTimeout(r, 250));
    }
    // Rewritten on every start: the ports may have moved.
    if (o.persist) {
      const savedPorts = { ...ports, ...(metrics ?? {}) };
      await writeFile(savedFile(o.dir), `${JSON.stringify({ ports: savedPorts, tokens } satisfies SavedCluster)}\n`, {
        mode: 0o600,
      });
    }
    ready = true;
    log(`ready with ${nodes.length} kwok nodes (${seconds(started)}); kubeconfig ${p.kubeconfig}`);
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }

  return {
    name,
    kubeconfigPath: p.kubeconfig,
    context: name,
    server,
    stop,
    stopApiServer: () =>
      serialized(async () => {
        if (stopped) return;
        await stopControlPlane();
        log('kube-apiserver stopped (with the controller-manager, scheduler and kwok)');
      }),
    startApiServer: () =>
      serialized(async () => {
        if (stopped) throw new Error(`${name} was stopped; it cannot be restarted`);
        if (api?.running()) return;
        const t = Date.now();
        await startControlPlane();
        log(`kube-apiserver started again on ${server} (${seconds(t)})`);
      }),
  };
};

/**
 * Starts `count` independent local clusters in parallel: each its own etcd, kube-apiserver,
 * kube-controller-manager, kube-scheduler and kwok controller with `nodesPerCluster` fake Nodes, all on
 * free loopback ports. Resolves when every cluster can run Pods; if one fails, all are stopped.
 */
export const startClusters = async (count: number, o: ClusterOptions): Promise<LocalCluster[]> => {
  const heartbeat = o.heartbeat ? checkHeartbeat(o.heartbeat) : undefined;
  const bin = await ensureComponents({ log: o.log });
  const prefix = o.namePrefix ?? 'local';
  const names = Array.from({ length: count }, (_, i) => `${prefix}-${i + 1}`);
  if (o.persist) {
    const kept = (await readdir(o.dir).catch(() => [])).filter(
      (entry) => !names.includes(entry) && existsSync(savedFile(join(o.dir, entry))),
    );
    if (kept.length > 0) o.log(`not starting ${kept.join(', ')} (kept in ${o.dir}): ${count} cluster(s) asked for`);
  }
  const started = Date.now();
  const results = await Promise.allSettled(
    names.map((name) =>
      startCluster(name, bin, {
        dir: `${o.dir}/${name}`,
        nodesPerCluster: o.nodesPerCluster ?? 3,
        persist: o.persist ?? false,
        metrics: o.metrics ?? false,
        heartbeat,
        log: o.log,
      }),
    ),
  );
  const clusters = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (failures.length > 0) {
    await Promise.all(clusters.map((c) => c.stop()));
    if (failures.length === 1) throw failures[0];
    throw new AggregateError(
      failures,
      `${failures.length} of ${count} local clusters failed to start: ${failures.join('; ')}`,
    );
  }
  if (count > 0) o.log(`${count} local cluster(s) ready in ${seconds(started)}`);
  return clusters;
};
