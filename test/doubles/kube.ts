import type {
  KubernetesObject,
  V1Deployment,
  V1DeploymentStatus,
  V1ResourceQuota,
  V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';
import { ClusterRejectedError, ClusterUnavailableError } from '../../lib/errors.ts';
import type { ApplyOutcome, ApplyResult } from '../../lib/kube/apply.ts';
import type { ConnectGateway, KubeGateway } from '../../lib/kube/gateway.ts';
import { NETWORK_FENCE_TYPE, type NetworkFenceView } from '../../lib/kube/network-fences.ts';
import { emptyNodeState, type NodeState, nodeVerbs } from './kube-nodes.ts';

/**
 * Kubernetes clusters in memory behind the KubeGateway port, for unit tests of the use cases. An apply
 * compares with what was applied before, as server-side apply with one field manager does: the same
 * objects again are `unchanged`, a Deployment's spec or annotation change bumps its generation, and its
 * status stays whatever the test last set (markReady, markFailed), so a fresh generation reads as
 * progressing until then. The verbs are held to what the real adapter does on kube-apiservers by the
 * contracts in test/contract/ (kube-deploy.ts, kube-nodes.ts).
 */
export interface MemoryKube {
  /** DeployDeps.kube. */
  readonly connect: ConnectGateway;
  /** The gateway of one cluster, as the use cases get it. */
  gateway(cluster: string): KubeGateway;
  /** Every apply a cluster took (not those an unreachable or refusing cluster threw on), with what each object did. */
  readonly applies: { readonly cluster: string; readonly objects: readonly string[] }[];
  /** The live object, undefined when absent. */
  object(
    cluster: string,
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name: string,
  ): KubernetesObject | undefined;
  markReady(cluster: string, namespace: string, name: string): void;
  markFailed(cluster: string, namespace: string, name: string, message?: string): void;
  /** A csi-addons controller's answer on an applied NetworkFence (`{ result: 'Succeeded', message }`). */
  answerNetworkFence(cluster: string, name: string, status: NonNullable<NetworkFenceView['status']>): void;
  /** Makes the Deployment read as rolling out (its status a generation behind). */
  markProgressing(cluster: string, namespace: string, name: string): void;
  /** Makes the Deployment read as midway through its rollout: the latest spec seen, these replicas counted. */
  markRollingOut(
    cluster: string,
    namespace: string,
    name: string,
    counts: { replicas: number; updatedReplicas: number; availableReplicas: number },
  ): void;
  /** A ResourceQuota as the quota controller reports it: `hard` limits, `used` so far. */
  setQuota(
    cluster: string,
    namespace: string,
    quota: { name: string; hard: Record<string, string>; used: Record<string, string> },
  ): void;
  /** Every call to the cluster fails as a connection refused would (ClusterUnavailableError). */
  unreachable(cluster: string, on?: boolean): void;
  /** Every call to the cluster is refused for good (ClusterRejectedError, a 4xx). */
  rejects(cluster: string, on?: boolean): void;
  /** The cluster's Nodes, pods on them, VolumeAttachments and HPAs, for the test to set up and inspect. */
  nodes(cluster: string): NodeState;
}

interface Live {
  /** What was last applied, as given: an apply of the same is `unchanged`. */
  applied: KubernetesObject;
  generation: number;
  resourceVersion: number;
  /** A Deployment's (V1DeploymentStatus), a NetworkFence's: whatever the test set last. */
  status?: object;
}

interface ClusterState {
  readonly objects: Map<string, Live>;
  readonly quotas: Map<string, V1ResourceQuota[]>;
  readonly nodes: NodeState;
  unreachable: boolean;
  rejects: boolean;
}

const keyOf = (
  apiVersion: string | undefined,
  kind: string | undefined,
  namespace: string | undefined,
  name: string | undefined,
) => `${apiVersion}/${kind}/${namespace ?? ''}/${name}`;
const networkFenceKey = (name: string) =>
  keyOf(NETWORK_FENCE_TYPE.apiVersion, NETWORK_FENCE_TYPE.kind, undefined, name);
const hpaObjectKey = (namespace: string, name: string) =>
  keyOf('autoscaling/v2', 'HorizontalPodAutoscaler', namespace, name);
const keyOfObject = (o: KubernetesObject) => keyOf(o.apiVersion, o.kind, o.metadata?.namespace, o.metadata?.name);
/** Kubernetes compares content: the same keys in another order (a release read back from the table) are the same. */
const same = (a: unknown, b: unknown) => JSON.stringify(sortedKeys(a)) === JSON.stringify(sortedKeys(b));
const sortedKeys = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => [k, sortedKeys(v)]),
  );
};

/**
 * A spec change is a new generation; for a Deployment so is an annotation change (Kubernetes copies its
 * annotations to its ReplicaSets), such as a new revision stamp on the same spec. Labels are not.
 */
const movesGeneration = (before: KubernetesObject, after: KubernetesObject) =>
  !same((before as { spec?: unknown }).spec, (after as { spec?: unknown }).spec) ||
  (after.kind === 'Deployment' && !same(before.metadata?.annotations ?? {}, after.metadata?.annotations ?? {}));

/** The live object: what was applied, with the server's metadata and (for a Deployment) its status. */
const render = (live: Live): KubernetesObject & { status?: object } => {
  const object = structuredClone(live.applied) as KubernetesObject & { status?: object };
  object.metadata = { ...object.metadata, generation: live.generation, resourceVersion: String(live.resourceVersion) };
  if (live.status) object.status = structuredClone(live.status);
  return object;
};

export const memoryKube = (): MemoryKube => {
  const clusters = new Map<string, ClusterState>();
  const applies: { cluster: string; objects: string[] }[] = [];
  let resourceVersion = 0;

  const state = (cluster: string): ClusterState => {
    let s = clusters.get(cluster);
    if (!s) {
      s = { objects: new Map(), quotas: new Map(), nodes: emptyNodeState(), unreachable: false, rejects: false };
      clusters.set(cluster, s);
    }
    return s;
  };
  const answering = (cluster: string): ClusterState => {
    const s = state(cluster);
    if (s.unreachable) throw new ClusterUnavailableError(cluster, 'unreachable (ECONNREFUSED: connect ECONNREFUSED)');
    if (s.rejects) throw new ClusterRejectedError(cluster, 'HTTP 403: forbidden');
    return s;
  };
  const deployment = (cluster: string, namespace: string, name: string): Live => {
    const live = state(cluster).objects.get(keyOf('apps/v1', 'Deployment', namespace, name));
    if (!live) throw new Error(`test: no deployment ${namespace}/${name} in cluster ${cluster}`);
    return live;
  };

  const applyOne = (s: ClusterState, object: KubernetesObject): ApplyResult => {
    const key = keyOfObject(object);
    const previous = s.objects.get(key);
    const before = previous ? render(previous) : undefined;
    let outcome: ApplyOutcome = 'unchanged';
    if (!previous) {
      outcome = 'created';
      s.objects.set(key, { applied: structuredClone(object), generation: 1, resourceVersion: ++resourceVersion });
    } else if (!same(previous.applied, object)) {
      outcome = 'configured';
      previous.generation += movesGeneration(previous.applied, object) ? 1 : 0;
      previous.applied = structuredClone(object);
      previous.resourceVersion = ++resourceVersion;
    }
    const live = s.objects.get(key) as Live;
    if (object.kind === 'HorizontalPodAutoscaler') syncHpa(s, object as V2HorizontalPodAutoscaler);
    return { kind: object.kind ?? '', name: object.metadata?.name ?? '', outcome, object: render(live), before };
  };

  /** An applied HPA is what readHpa sees: its bounds as applied, the controller's status as before (none yet). */
  const syncHpa = (s: ClusterState, hpa: V2HorizontalPodAutoscaler) => {
    const namespace = hpa.metadata?.namespace ?? '';
    const name = hpa.metadata?.name ?? '';
    const before = s.nodes.hpas.get(`${namespace}/${name}`);
    s.nodes.hpas.set(`${namespace}/${name}`, {
      namespace,
      name,
      target: `${hpa.spec?.scaleTargetRef.kind}/${hpa.spec?.scaleTargetRef.name}`,
      minReplicas: hpa.spec?.minReplicas ?? 1,
      maxReplicas: hpa.spec?.maxReplicas ?? 0,
      currentReplicas: before?.currentReplicas ?? 0,
      desiredReplicas: before?.desiredReplicas ?? 0,
      conditions: before?.conditions ?? [],
    });
  };

  const gateway = (cluster: string): KubeGateway => ({
    cluster,
    apply: async (objects) => {
      const s = answering(cluster);
      const results = objects.map((object) => applyOne(s, object));
      applies.push({ cluster, objects: results.map((r) => `${r.kind}/${r.name}: ${r.outcome}`) });
      return results;
    },
    dryRun: async (objects) => {
      const s = answering(cluster);
      return objects.flatMap((object) => {
        const previous = s.objects.get(keyOfObject(object));
        const id = `${object.kind}/${object.metadata?.name}`;
        if (!previous) return [`${id}: created`];
        return same(previous.applied, object) ? [] : [`${id}: changed`];
      });
    },
    readDeployment: async (namespace, name) => {
      const live = answering(cluster).objects.get(keyOf('apps/v1', 'Deployment', namespace, name));
      return live ? (render(live) as V1Deployment) : undefined;
    },
    listResourceQuotas: async (namespace) => structuredClone(answering(cluster).quotas.get(namespace) ?? []),
    version: async () => {
      answering(cluster);
      return 'v1.33.1';
    },
    ...nodeVerbs(cluster, () => answering(cluster).nodes),
    readNetworkFence: async (name) => {
      const live = answering(cluster).objects.get(networkFenceKey(name));
      if (!live) return undefined;
      const { spec, status } = render(live) as { spec: NetworkFenceView['spec']; status?: NetworkFenceView['status'] };
      return { name, spec, ...(status ? { status } : {}), deleting: false };
    },
    deleteNetworkFence: async (name) =>
      answering(cluster).objects.delete(networkFenceKey(name)) ? 'changed' : 'unchanged',
    // Only an applied HPA with capstan's managed-by label is capstan's; one a test put in nodes().hpas alone
    // stands for someone else's.
    deleteHpa: async (namespace, name) => {
      const s = answering(cluster);
      const live = s.objects.get(hpaObjectKey(namespace, name));
      if (live?.applied.metadata?.labels?.['app.kubernetes.io/managed-by'] !== 'capstan') return 'unchanged';
      s.objects.delete(hpaObjectKey(namespace, name));
      s.nodes.hpas.delete(`${namespace}/${name}`);
      return 'changed';
    },
    scaleDeployment: async (namespace, name, replicas) => {
      const live = answering(cluster).objects.get(keyOf('apps/v1', 'Deployment', namespace, name));
      if (!live) throw new ClusterRejectedError(cluster, `HTTP 404: deployments.apps "${name}" not found`);
      const deployment = live.applied as V1Deployment;
      if ((deployment.spec?.replicas ?? 1) === replicas) return 'unchanged';
      live.applied = { ...deployment, spec: { ...deployment.spec, replicas } } as KubernetesObject;
      live.resourceVersion = ++resourceVersion;
      return 'changed';
    },
  });

  return {
    connect: async (cluster) => gateway(cluster.name),
    gateway,
    applies,
    object: (cluster, apiVersion, kind, namespace, name) => {
      const live = state(cluster).objects.get(keyOf(apiVersion, kind, namespace, name));
      return live ? render(live) : undefined;
    },
    markReady: (cluster, namespace, name) => {
      const live = deployment(cluster, namespace, name);
      const want = (live.applied as V1Deployment).spec?.replicas ?? 1;
      live.status = {
        observedGeneration: live.generation,
        replicas: want,
        updatedReplicas: want,
        readyReplicas: want,
        availableReplicas: want,
        conditions: [{ type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' }],
      } satisfies V1DeploymentStatus;
    },
    markFailed: (cluster, namespace, name, message = 'ReplicaSet has timed out progressing.') => {
      const live = deployment(cluster, namespace, name);
      live.status = {
        observedGeneration: live.generation,
        replicas: 1,
        updatedReplicas: 1,
        availableReplicas: 0,
        conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message }],
      } satisfies V1DeploymentStatus;
    },
    answerNetworkFence: (cluster, name, status) => {
      const live = state(cluster).objects.get(networkFenceKey(name));
      if (!live) throw new Error(`test: no NetworkFence ${name} in cluster ${cluster}`);
      live.status = structuredClone(status);
      live.resourceVersion = ++resourceVersion;
    },
    markProgressing: (cluster, namespace, name) => {
      const live = deployment(cluster, namespace, name);
      live.status = { observedGeneration: live.generation - 1 } satisfies V1DeploymentStatus;
    },
    markRollingOut: (cluster, namespace, name, counts) => {
      const live = deployment(cluster, namespace, name);
      live.status = {
        observedGeneration: live.generation,
        ...counts,
        conditions: [{ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated' }],
      } satisfies V1DeploymentStatus;
    },
    setQuota: (cluster, namespace, { name, hard, used }) => {
      const quotas = state(cluster).quotas;
      const others = (quotas.get(namespace) ?? []).filter((q) => q.metadata?.name !== name);
      quotas.set(namespace, [
        ...others,
        {
          apiVersion: 'v1',
          kind: 'ResourceQuota',
          metadata: { name, namespace },
          spec: { hard },
          status: { hard, used },
        },
      ]);
    },
    unreachable: (cluster, on = true) => {
      state(cluster).unreachable = on;
    },
    rejects: (cluster, on = true) => {
      state(cluster).rejects = on;
    },
    nodes: (cluster) => state(cluster).nodes,
  };
};
