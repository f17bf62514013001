// Emulated resource usage for metrics clusters (ClusterOptions.metrics): kwok serves, for every fake
// Node, the kubelet's /metrics/resource endpoint, and metrics-server scrapes it like a real kubelet's.
//
// - The Metric object (in kwok's --config) says what the endpoint exports: kwok's own recipe
//   (kustomize/metrics/resource in sigs.k8s.io/kwok v0.8.0), cumulative CPU counters and working sets
//   per container, pod and node, computed from each container's current usage.
// - The usage itself comes from ClusterResourceUsage objects, read from the API (kwok --enable-crds)
//   rather than the config file, so a test changes a workload's CPU at run time by writing one object.
//   kwok takes the first one whose selector matches a pod (namespaces and pod names only): one object
//   per namespace keeps that unambiguous, and covers the pods an HPA creates later.
// - A container no object matches uses nothing (kwok logs "no resource usage found" and reports 0).

/** The Node annotation metrics-server reads for the path of a Node's resource metrics. */
export const RESOURCE_METRICS_PATH_ANNOTATION = 'metrics.k8s.io/resource-metrics-path';

/** Where kwok serves a Node's resource metrics (the Metric's spec.path with the name filled in). */
export const resourceMetricsPath = (node: string): string => `/metrics/nodes/${node}/metrics/resource`;

const labels = (...names: ('container' | 'namespace' | 'pod')[]) =>
  names
    .map(
      (n) =>
        `    - name: ${n}\n      value: '${n === 'container' ? 'container.name' : `pod.metadata.${n === 'pod' ? 'name' : n}`}'`,
    )
    .join('\n');

const metric = (name: string, dimension: string, kind: 'gauge' | 'counter', value: string, l: string) =>
  `  - name: ${name}
    dimension: ${dimension}
    help: ${name}
    kind: ${kind}
${l ? `    labels:\n${l}\n` : ''}    value: '${value}'`;

/** kwok's Metric object for the kubelet's resource metrics endpoint, as a `--config` document. */
export const kwokResourceMetricYaml = (): string =>
  `apiVersion: kwok.x-k8s.io/v1alpha1
kind: Metric
metadata:
  name: metrics-resource
spec:
  path: "${resourceMetricsPath('{nodeName}')}"
  metrics:
${[
  metric('scrape_error', 'node', 'gauge', '0', ''),
  metric(
    'container_start_time_seconds',
    'container',
    'gauge',
    'pod.SinceSecond()',
    labels('container', 'namespace', 'pod'),
  ),
  metric(
    'container_cpu_usage_seconds_total',
    'container',
    'counter',
    'pod.CumulativeUsage("cpu", container.name)',
    labels('container', 'namespace', 'pod'),
  ),
  metric(
    'container_memory_working_set_bytes',
    'container',
    'gauge',
    'pod.Usage("memory", container.name)',
    labels('container', 'namespace', 'pod'),
  ),
  metric('pod_cpu_usage_seconds_total', 'pod', 'counter', 'pod.CumulativeUsage("cpu")', labels('namespace', 'pod')),
  metric('pod_memory_working_set_bytes', 'pod', 'gauge', 'pod.Usage("memory")', labels('namespace', 'pod')),
  metric('node_cpu_usage_seconds_total', 'node', 'counter', 'node.CumulativeUsage("cpu")', ''),
  metric('node_memory_working_set_bytes', 'node', 'gauge', 'node.Usage("memory")', ''),
].join('\n')}
`;

/** kwok's kind list for --enable-crds. */
export const KWOK_USAGE_CRDS = 'ClusterResourceUsage';

export const CLUSTER_RESOURCE_USAGE = {
  group: 'kwok.x-k8s.io',
  version: 'v1alpha1',
  plural: 'clusterresourceusages',
} as const;

/**
 * The ClusterResourceUsage CRD, cut down from kwok's (kustomize/crd/bases): the spec is kept as given
 * (kwok validates it when it reads it), so the file stays small. Installed before kwok starts: kwok lists
 * the kind at start and fails without it.
 */
export const clusterResourceUsageCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${CLUSTER_RESOURCE_USAGE.plural}.${CLUSTER_RESOURCE_USAGE.group}` },
  spec: {
    group: CLUSTER_RESOURCE_USAGE.group,
    names: {
      kind: 'ClusterResourceUsage',
      listKind: 'ClusterResourceUsageList',
      plural: CLUSTER_RESOURCE_USAGE.plural,
      singular: 'clusterresourceusage',
    },
    scope: 'Cluster',
    versions: [
      {
        name: CLUSTER_RESOURCE_USAGE.version,
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
              status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
            },
          },
        },
      },
    ],
  },
} as const;
