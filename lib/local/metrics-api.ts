import { type ApiAccess, apiRequest } from './kube-http.ts';
import { clusterResourceUsageCrd } from './kwok-metrics.ts';

// How a metrics cluster's apiserver finds metrics-server: the APIService v1beta1.metrics.k8s.io names a
// kube-system Service, and the aggregator dials that Service's address. An ExternalName Service to
// 127.0.0.1 keeps the dial on loopback (Endpoints refuse loopback addresses, and
// --enable-aggregator-routing would need them). metrics-server serves a self-signed certificate, hence
// insecureSkipTLSVerify, as in metrics-server's own manifest for test clusters.

const SERVICE = 'metrics-server';
const APISERVICE = 'v1beta1.metrics.k8s.io';

const service = (port: number) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: SERVICE, namespace: 'kube-system', labels: { 'k8s-app': 'metrics-server' } },
  spec: { type: 'ExternalName', externalName: '127.0.0.1', ports: [{ name: 'https', port, protocol: 'TCP' }] },
});

const apiService = (port: number) => ({
  apiVersion: 'apiregistration.k8s.io/v1',
  kind: 'APIService',
  metadata: { name: APISERVICE, labels: { 'k8s-app': 'metrics-server' } },
  spec: {
    group: 'metrics.k8s.io',
    version: 'v1beta1',
    service: { name: SERVICE, namespace: 'kube-system', port },
    insecureSkipTLSVerify: true,
    groupPriorityMinimum: 100,
    versionPriority: 100,
  },
});

const expect = (what: string, res: { status: number; body: string }, ok: number[]) => {
  if (!ok.includes(res.status)) throw new Error(`${what}: HTTP ${res.status} ${res.body.slice(0, 300)}`);
};

/**
 * Registers metrics-server at `port` (replacing an earlier registration: a restarted persistent cluster
 * may have got another port).
 */
export const registerMetricsApi = async (admin: ApiAccess, port: number): Promise<void> => {
  const svcPath = `/api/v1/namespaces/kube-system/services/${SERVICE}`;
  const apiPath = `/apis/apiregistration.k8s.io/v1/apiservices/${APISERVICE}`;
  expect('deleting the metrics-server Service', await apiRequest(admin, 'DELETE', svcPath), [200, 404]);
  expect('deleting the metrics APIService', await apiRequest(admin, 'DELETE', apiPath), [200, 404]);
  expect(
    'creating the metrics-server Service',
    await apiRequest(admin, 'POST', '/api/v1/namespaces/kube-system/services', service(port)),
    [201],
  );
  expect(
    'creating the metrics APIService',
    await apiRequest(admin, 'POST', '/apis/apiregistration.k8s.io/v1/apiservices', apiService(port)),
    [201],
  );
};

/** Installs kwok's ClusterResourceUsage CRD and waits until it is served (kwok lists it at start). */
export const installUsageCrd = async (admin: ApiAccess, timeoutMs = 60_000): Promise<void> => {
  const res = await apiRequest(
    admin,
    'POST',
    '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
    clusterResourceUsageCrd,
  );
  expect('creating the ClusterResourceUsage CRD', res, [201, 409]);
  const deadline = Date.now() + timeoutMs;
  while ((await apiRequest(admin, 'GET', '/apis/kwok.x-k8s.io/v1alpha1/clusterresourceusages')).status !== 200) {
    if (Date.now() > deadline) throw new Error('the ClusterResourceUsage CRD was never served');
    await new Promise((r) => setTimeout(r, 250));
  }
};

/**
 * True once the metrics API answers through the aggregator (the APIService is Available and
 * metrics-server authenticates the apiserver's proxied requests). Not "a sample of every Node":
 * metrics-server drops a Node whose usage is zero, and kwok's Node usage is the sum of its Pods', so a
 * Node without running Pods has none.
 */
export const metricsApiReady = async (admin: ApiAccess): Promise<boolean> =>
  (await apiRequest(admin, 'GET', '/apis/metrics.k8s.io/v1beta1/nodes')).status === 200;
