import { type ApiAccess, apiGet, apiRequest } from './kube-http.ts';
import { RESOURCE_METRICS_PATH_ANNOTATION, resourceMetricsPath } from './kwok-metrics.ts';

/** Selector the kwok controller is started with: it manages these Nodes and no others. */
export const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node';
export const KWOK_NODE_SELECTOR = `${KWOK_NODE_ANNOTATION}=fake`;

// A typical worker: 32 cores, 256 GiB, the kubelet's default of 110 pods. Allocatable a bit below
// capacity as on a real node (system reserved), so QoS and overcommit maths meet realistic numbers.
const capacity = { cpu: '32', memory: '256Gi', pods: '110', 'ephemeral-storage': '200Gi' };
const allocatable = { cpu: '31500m', memory: '250Gi', pods: '110', 'ephemeral-storage': '180Gi' };

/** The InternalIP of the `index`th fake Node: 127.0.0.<index + 10>, within loopback. */
export const fakeNodeAddress = (index: number): string => {
  if (!Number.isInteger(index) || index < 0 || index > 244) throw new Error(`no loopback address for node ${index}`);
  return `127.0.0.${index + 10}`;
};

/**
 * A fake worker Node, as a kubelet would register it: well-known labels (hostname, os, arch, zone,
 * instance type), capacity and addresses in the status. No kwok taint: every Node of a local cluster is
 * fake, and workloads should schedule without special tolerations.
 */
export const fakeNode = (cluster: string, index: number, metrics = false) => {
  const name = `${cluster}-worker-${index + 1}`;
  // A metrics cluster: metrics-server connects to each Node's InternalIP at kwok's port, and kwok listens
  // on 127.0.0.1 only, so every Node of such a cluster has that address (they are told apart by the
  // metrics path). Other clusters keep one address per Node (the RBD tests need them distinct).
  const address = metrics ? '127.0.0.1' : fakeNodeAddress(index);
  const metricsPath: Record<string, string> = metrics
    ? { [RESOURCE_METRICS_PATH_ANNOTATION]: resourceMetricsPath(name) }
    : {};
  const zones = ['a', 'b', 'c'];
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'node.kubernetes.io/instance-type': 'kwok-32c-256g',
        'topology.kubernetes.io/region': 'local',
        'topology.kubernetes.io/zone': `local-${zones[index % zones.length]}`,
        'node-role.kubernetes.io/worker': '',
        type: 'kwok',
      },
      annotations: { [KWOK_NODE_ANNOTATION]: 'fake', 'node.alpha.kubernetes.io/ttl': '0', ...metricsPath },
    },
    spec: {},
    status: {
      capacity,
      allocatable,
      // On loopback (127.0.0.0/8 is all this machine's), like every server here: whatever tries to reach
      // a Node by its address (metrics-server, a port-forward) stays on this machine, never the network.
      addresses: [
        { type: 'InternalIP', address },
        { type: 'Hostname', address: name },
      ],
    },
  };
};

/** Creates the fake Nodes; an existing one (409) is fine, so a retry does not fail. */
export const createFakeNodes = async (
  access: ApiAccess,
  cluster: string,
  count: number,
  metrics = false,
): Promise<string[]> => {
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const node = fakeNode(cluster, i, metrics);
    const res = await apiRequest(access, 'POST', '/api/v1/nodes', node);
    if (res.status !== 201 && res.status !== 409) {
      throw new Error(`creating Node ${node.metadata.name}: HTTP ${res.status} ${res.body.slice(0, 300)}`);
    }
    names.push(node.metadata.name);
  }
  return names;
};

/**
 * Deletes the Nodes' Leases, before a kwok controller is started again. kwok holds a Lease under an
 * identity that is random per process (hostname_uuid), so a new kwok would leave the Nodes alone until the
 * old Leases expired (40 s) and Pods would stay Pending that long; a real kubelet keeps its identity across
 * restarts. The new kwok recreates the Leases at once.
 */
export const releaseNodeLeases = async (access: ApiAccess, names: readonly string[]): Promise<void> => {
  for (const name of names) {
    const res = await apiRequest(
      access,
      'DELETE',
      `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${name}`,
    );
    if (res.status !== 200 && res.status !== 404) {
      throw new Error(`deleting the Lease of Node ${name}: HTTP ${res.status} ${res.body.slice(0, 300)}`);
    }
  }
};

interface NodeList {
  items: { metadata: { name: string }; status?: { conditions?: { type: string; status: string }[] } }[];
}

/** True once every named Node reports Ready=True (kwok has picked them up). */
export const nodesReady = async (access: ApiAccess, names: readonly string[]): Promise<boolean> => {
  const list = await apiGet<NodeList>(access, '/api/v1/nodes');
  const ready = new Set(
    list.items
      .filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
      .map((n) => n.metadata.name),
  );
  return names.every((n) => ready.has(n));
};
