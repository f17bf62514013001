import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1StatefulSet } from '@kubernetes/client-node';
import { progress } from '../../lib/cli/log.ts';
import { applyAll } from '../../lib/kube/apply.ts';
import type { KubeClients } from '../../lib/kube/connect.ts';
import { NODE_LEASE_NAMESPACE } from '../../lib/kube/nodes.ts';
import { mergePatch } from '../../lib/kube/optimistic.ts';
import { RBAC_NAME, rbacManifests } from '../../lib/kube/rbac.ts';
import { type LocalCluster, startClusters } from '../../lib/local/cluster.ts';
import type { NodeHeartbeat } from '../../lib/local/cluster-flags.ts';
import type { ExistingCluster } from '../../lib/runtime/up.ts';
import type { Cluster } from '../../lib/store/clusters.ts';
import { connect } from './kube.ts';
import { kubeconfigWithToken } from './service-account.ts';

/**
 * Heartbeat timings for tests of lost nodes: a silent node is Unknown (and tainted unreachable) about 10 s
 * after its last heartbeat instead of Kubernetes' 50 s; kwok renews Leases every 2 s, the controller
 * looks every second.
 */
export const FAST_HEARTBEAT: NodeHeartbeat = {
  gracePeriodSeconds: 10,
  monitorPeriodSeconds: 1,
  leaseDurationSeconds: 8,
};

const RBAC_NAMESPACE = 'capstan-system';

/** Who holds a Lease taken from kwok: nobody real, so the node looks as if its kubelet died. */
export const FOREIGN_HOLDER = 'capstan-test-lost-node';

export interface HealCluster extends LocalCluster {
  /** Its fake Nodes, `<name>-worker-1` ... */
  readonly nodes: readonly string[];
  /** As capstan registers it (by kubeconfig reference). */
  readonly record: (environment: string) => Cluster;
  /** The admin's clients: the test's own hands on the cluster. */
  readonly kube: KubeClients;
  /**
   * The cluster as capstan's service account sees it (`capstan rbac` applied, a token of an hour): what
   * to register, so a grant healing lacks fails the test as it would fail on a real cluster.
   */
  readonly asCapstan: ExistingCluster;
}

/**
 * A local cluster of one test file's own (etcd, kube-apiserver, kube-controller-manager with every
 * controller, kube-scheduler, kwok), with `nodes` kwok Nodes and the short heartbeat: the file controls
 * exactly which nodes exist and may lose them all, or take the API server down, without touching the
 * harness's shared clusters. stop() removes everything.
 */
export const startHealCluster = async (
  name: string,
  nodes: number,
  heartbeat: NodeHeartbeat = FAST_HEARTBEAT,
  extra: { readonly metrics?: boolean } = {},
): Promise<HealCluster> => {
  const dir = await mkdtemp(join(tmpdir(), `capstan-${name}-`));
  const [cluster] = await startClusters(1, {
    dir,
    namePrefix: name,
    nodesPerCluster: nodes,
    heartbeat,
    metrics: extra.metrics,
    log: progress(name),
  });
  if (!cluster) throw new Error(`${name}: no cluster started`);
  const record = (environment: string): Cluster => ({
    name: cluster.name,
    environment,
    wave: 0,
    credentials: { kind: 'kubeconfig', path: cluster.kubeconfigPath, context: cluster.context },
    registeredAt: new Date().toISOString(),
  });
  const kube = await connect(record('any'));
  await applyAll(kube, rbacManifests(RBAC_NAMESPACE));
  const { status } = await kube.core.createNamespacedServiceAccountToken({
    name: RBAC_NAME,
    namespace: RBAC_NAMESPACE,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const capstanKubeconfig = kubeconfigWithToken(
    { path: cluster.kubeconfigPath, context: cluster.context },
    status?.token,
  );
  return {
    ...cluster,
    nodes: Array.from({ length: nodes }, (_, i) => `${cluster.name}-worker-${i + 1}`),
    record,
    kube,
    asCapstan: { name: cluster.name, kubeconfigPath: capstanKubeconfig, context: 'capstan' },
    stop: async () => {
      await cluster.stop();
      if (!process.env.CAPSTAN_KEEP_DIRS) await rm(dir, { recursive: true, force: true });
    },
  };
};

/** A Lease's MicroTime: exactly six fractional digits. */
const microTime = (at = new Date()) => at.toISOString().replace('Z', '000Z');

const takeLease = (kube: KubeClients, node: string, leaseDurationSeconds: number) =>
  kube.coordination.patchNamespacedLease(
    {
      name: node,
      namespace: NODE_LEASE_NAMESPACE,
      body: { spec: { holderIdentity: FOREIGN_HOLDER, leaseDurationSeconds, renewTime: microTime() } },
    },
    mergePatch,
  );

/**
 * The node loses its heartbeat, as when its kubelet dies: its Lease is taken over by a foreign holder for
 * `forSeconds`, so kwok stops renewing it and stops updating the node's status; the real node lifecycle
 * controller then marks it Unknown after the grace period and taints it unreachable. The Lease's renewTime
 * is now and never moves again. When `forSeconds` pass, kwok takes the Lease back by itself (the node
 * returns); returnNode gives it back at once.
 */
export const loseNode = async (kube: KubeClients, node: string, forSeconds = 3600): Promise<Date> => {
  const at = new Date();
  await takeLease(kube, node, forSeconds);
  return at;
};

/** The foreign holder lets go (deletes the Lease): kwok recreates it within a renew interval and the node is Ready again. */
export const returnNode = async (kube: KubeClients, node: string): Promise<Date> => {
  const at = new Date();
  await kube.coordination.deleteNamespacedLease({ name: node, namespace: NODE_LEASE_NAMESPACE });
  return at;
};

/**
 * The node's Lease moves again while its status stays as it was: a kubelet that heartbeats but cannot post
 * its status (the API server answers the small Lease writes, not the status updates), or a process on the
 * node that keeps heartbeating while the node is Unknown. The real controller keeps Ready Unknown (only a
 * kubelet sets it True) and healing must not call the node lost. Renewed every second by the foreign
 * holder until the returned function is called.
 */
export const keepLeaseMoving = (kube: KubeClients, node: string): (() => Promise<void>) => {
  let stopped = false;
  const renew = async () => {
    while (!stopped) {
      await kube.coordination
        .patchNamespacedLease(
          { name: node, namespace: NODE_LEASE_NAMESPACE, body: { spec: { renewTime: microTime() } } },
          mergePatch,
        )
        .catch(() => undefined);
      await new Promise((r) => setTimeout(r, 1_000));
    }
  };
  const running = renew();
  return async () => {
    stopped = true;
    await running;
  };
};

export interface NodeState {
  readonly ready: string | undefined;
  readonly unschedulable: boolean;
  readonly taints: readonly string[];
  readonly leaseHolder: string | undefined;
}

/** What healing could change on a node, as the API server has it: to compare before and after. */
export const nodeState = async (kube: KubeClients, node: string): Promise<NodeState> => {
  const [n, lease] = await Promise.all([
    kube.core.readNode({ name: node }),
    kube.coordination.readNamespacedLease({ name: node, namespace: NODE_LEASE_NAMESPACE }).catch(() => undefined),
  ]);
  return {
    ready: n.status?.conditions?.find((c) => c.type === 'Ready')?.status,
    unschedulable: n.spec?.unschedulable === true,
    taints: (n.spec?.taints ?? []).map((t) => `${t.key}:${t.effect}`).sort(),
    leaseHolder: lease?.spec?.holderIdentity,
  };
};

/**
 * A StatefulSet of one replica that prefers `node` (a preferred node affinity, so the scheduler puts it
 * there while the node is up, and elsewhere once the node is cordoned and fenced), tolerating the
 * unreachable taint for an hour as a database that does not want to move on a blip would: only fencing
 * moves it.
 */
export const pinnedStatefulSet = (namespace: string, name: string, node: string): V1StatefulSet => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name, namespace },
  spec: {
    replicas: 1,
    serviceName: name,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: {
        affinity: {
          nodeAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
              {
                weight: 100,
                preference: { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] },
              },
            ],
          },
        },
        tolerations: [
          { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 3600 },
          { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 3600 },
        ],
        containers: [
          {
            name: 'db',
            image: `registry.local/acme/db@sha256:${'d'.repeat(64)}`,
            resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '200m', memory: '256Mi' } },
          },
        ],
      },
    },
  },
});

/** The StatefulSet's pod (`<name>-0`) and where it runs, once it is bound and not being deleted. */
export const statefulPod = async (kube: KubeClients, namespace: string, name: string) => {
  const pod = await kube.core.readNamespacedPod({ namespace, name: `${name}-0` }).catch(() => undefined);
  if (!pod?.spec?.nodeName || pod.metadata?.deletionTimestamp) return undefined;
  return { uid: pod.metadata?.uid ?? '', node: pod.spec.nodeName, phase: pod.status?.phase };
};
