import { join } from 'node:path';

/** Where one local cluster keeps its files, and the ports it was given. */
export interface ClusterLayout {
  readonly name: string;
  readonly dir: string;
  readonly ports: {
    readonly etcdClient: number;
    readonly etcdPeer: number;
    readonly apiserver: number;
    readonly controllerManager: number;
    readonly scheduler: number;
  };
  /** How fast a silent Node is noticed; absent: Kubernetes' defaults (what `capstan up` runs). */
  readonly heartbeat?: NodeHeartbeat;
  /** A metrics cluster (ClusterOptions.metrics): the ports of kwok's kubelet server and of metrics-server. */
  readonly metrics?: MetricsPorts;
}

export interface MetricsPorts {
  /** kwok --server-address: every fake Node's kubelet endpoints (/metrics/resource among them). */
  readonly kwokServer: number;
  readonly metricsServer: number;
}

/** How often the HPA controller looks in a metrics cluster (Kubernetes' default: 15 s). */
export const HPA_SYNC_PERIOD = '5s';
/** How often metrics-server scrapes the Nodes (its default and the HPA's usual view: 15 s; 10 s is its floor). */
export const METRIC_RESOLUTION = '10s';

/**
 * The timings of a Node's heartbeat and of the node lifecycle controller watching it. Tests of lost nodes
 * shorten them (a 10 s grace instead of Kubernetes' 50 s); each must stay well inside the next, or healthy
 * Nodes flap: the Lease is renewed every quarter of its duration, the controller looks every monitor
 * period, and a Node is Unknown once neither its Lease nor its Ready heartbeat moved for the grace period.
 */
export interface NodeHeartbeat {
  /** kube-controller-manager --node-monitor-grace-period. */
  readonly gracePeriodSeconds: number;
  /** kube-controller-manager --node-monitor-period (how often the controller looks), below the grace period. */
  readonly monitorPeriodSeconds: number;
  /** kwok --node-lease-duration-seconds: kwok renews every quarter of it, below the grace period. */
  readonly leaseDurationSeconds: number;
}

/** Refuses timings that would make healthy Nodes flap between Ready and Unknown. */
export const checkHeartbeat = (h: NodeHeartbeat): NodeHeartbeat => {
  const renewEvery = h.leaseDurationSeconds / 4;
  if (
    !(
      h.monitorPeriodSeconds > 0 &&
      h.monitorPeriodSeconds < h.gracePeriodSeconds &&
      renewEvery * 2 <= h.gracePeriodSeconds
    )
  ) {
    throw new Error(
      `node heartbeat: the monitor period (${h.monitorPeriodSeconds}s) must be above 0 and below the grace period ` +
        `(${h.gracePeriodSeconds}s), and the Lease renewed (every ${renewEvery}s) at least twice within it`,
    );
  }
  return h;
};

/** kwok's Lease duration when nothing shorter is asked for: a kubelet's default. */
export const DEFAULT_NODE_LEASE_SECONDS = 40;

export const paths = (l: ClusterLayout) => ({
  etcdData: join(l.dir, 'etcd'),
  apiserverCerts: join(l.dir, 'apiserver-certs'),
  /** Written by kube-apiserver on first start (self-signed CA + serving cert), reused on restart. */
  servingCert: join(l.dir, 'apiserver-certs', 'apiserver.crt'),
  controllerManagerCerts: join(l.dir, 'controller-manager-certs'),
  schedulerCerts: join(l.dir, 'scheduler-certs'),
  tokens: join(l.dir, 'tokens.csv'),
  saKey: join(l.dir, 'sa.key'),
  saPub: join(l.dir, 'sa.pub'),
  kubeconfig: join(l.dir, 'kubeconfig'),
  controllerManagerKubeconfig: join(l.dir, 'controller-manager.kubeconfig'),
  schedulerKubeconfig: join(l.dir, 'scheduler.kubeconfig'),
  kwokKubeconfig: join(l.dir, 'kwok.kubeconfig'),
  kwokConfig: join(l.dir, 'kwok.yaml'),
  frontProxyCerts: join(l.dir, 'front-proxy'),
  metricsServerCerts: join(l.dir, 'metrics-server-certs'),
  metricsServerKubeconfig: join(l.dir, 'metrics-server.kubeconfig'),
  log: (component: string) => join(l.dir, `${component}.log`),
});

// Address ranges: every cluster is independent and reaches nothing outside itself, so they can share them.
export const SERVICE_CIDR = '10.96.0.0/16';
export const POD_CIDR = '10.244.0.0/16';

/**
 * A one-member etcd on loopback. The peer port is free-chosen too (an unused listener, but etcd always
 * opens one, and the default 2380 would clash between clusters). --unsafe-no-fsync: skipping fsync
 * makes every write several times faster on a shared disk; the data of a persistent local cluster
 * survives etcd being stopped or killed (it is in the page cache), only a machine crash could lose it.
 */
export const etcdArgs = (l: ClusterLayout): string[] => {
  const client = `http://127.0.0.1:${l.ports.etcdClient}`;
  const peer = `http://127.0.0.1:${l.ports.etcdPeer}`;
  return [
    `--name=${l.name}`,
    `--data-dir=${paths(l).etcdData}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=${l.name}=${peer}`,
    '--initial-cluster-state=new',
    '--unsafe-no-fsync=true',
    '--log-level=warn',
  ];
};

/**
 * kube-apiserver as a production cluster runs it, minus what needs real machines:
 * - serving on 127.0.0.1 only, its self-signed certificate generated into --cert-dir (SANs include
 *   127.0.0.1 and localhost); the kubeconfig trusts that certificate's CA, so clients verify TLS;
 * - static tokens for the admin and the control-plane components (no client-cert PKI to manage);
 * - Node,RBAC authorization and the NodeRestriction admission plugin on top of the default plugins
 *   (ServiceAccount included), so permission errors look exactly like on a real cluster;
 * - a service-account key pair of its own, so bound service-account tokens work (TokenRequest).
 */
export const apiserverArgs = (l: ClusterLayout): string[] => {
  const p = paths(l);
  return [
    `--etcd-servers=http://127.0.0.1:${l.ports.etcdClient}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${l.ports.apiserver}`,
    `--cert-dir=${p.apiserverCerts}`,
    `--token-auth-file=${p.tokens}`,
    '--authorization-mode=Node,RBAC',
    '--enable-admission-plugins=NodeRestriction',
    `--service-account-issuer=https://kubernetes.default.svc.cluster.local`,
    `--service-account-key-file=${p.saPub}`,
    `--service-account-signing-key-file=${p.saKey}`,
    `--service-cluster-ip-range=${SERVICE_CIDR}`,
    '--allow-privileged=true',
    '--profiling=false',
    // The endpoint reconciler would publish the advertise address as the `kubernetes` Service's endpoint,
    // and Endpoints refuse loopback addresses: it would log an error every 10 s. Nothing in a cluster of
    // fake Nodes calls the API through that Service, so it is turned off.
    '--endpoint-reconciler-type=none',
    ...(l.metrics ? frontProxyArgs(l) : []),
  ];
};

/**
 * The aggregation layer, for metrics-server behind the APIService v1beta1.metrics.k8s.io: kube-apiserver
 * proxies with a client certificate (front-proxy-client, signed by the front-proxy CA) and the user in
 * X-Remote-* headers; it publishes the CA and header names in kube-system/extension-apiserver-authentication,
 * where metrics-server reads them. Files from lib/local/front-proxy.ts. No --enable-aggregator-routing:
 * it would route to the Service's Endpoints, which may not point at loopback; the Service is an
 * ExternalName to 127.0.0.1 instead.
 */
const frontProxyArgs = (l: ClusterLayout): string[] => {
  const dir = paths(l).frontProxyCerts;
  return [
    `--requestheader-client-ca-file=${join(dir, 'front-proxy-ca.crt')}`,
    '--requestheader-allowed-names=front-proxy-client',
    '--requestheader-extra-headers-prefix=X-Remote-Extra-',
    '--requestheader-group-headers=X-Remote-Group',
    '--requestheader-username-headers=X-Remote-User',
    `--proxy-client-cert-file=${join(dir, 'front-proxy-client.crt')}`,
    `--proxy-client-key-file=${join(dir, 'front-proxy-client.key')}`,
  ];
};

/**
 * Secure serving on its own free loopback port (the defaults, 10257/10259, would clash between
 * clusters): it is how the harness sees that the component is up (/healthz needs no credentials).
 * The delegated authn/authz kubeconfigs avoid the "no in-cluster config" warnings at start, and
 * --authentication-skip-lookup stops a lookup of the extension-apiserver-authentication ConfigMap, which
 * the apiserver only publishes when it has a client CA (this one uses tokens): it would log an error
 * several times a second.
 */
const servingArgs = (kubeconfig: string, port: number, certDir: string) => [
  `--kubeconfig=${kubeconfig}`,
  `--authentication-kubeconfig=${kubeconfig}`,
  `--authorization-kubeconfig=${kubeconfig}`,
  '--authentication-skip-lookup=true',
  '--bind-address=127.0.0.1',
  `--secure-port=${port}`,
  `--cert-dir=${certDir}`,
  // One instance per cluster: nothing to elect, and the election would slow every start by its lease.
  '--leader-elect=false',
];

/**
 * All default controllers (Deployments, ReplicaSets, node lifecycle, namespaces, garbage collection,
 * service accounts...). Each controller uses its own service account, as on real clusters, which needs
 * the service-account private key; --root-ca-file is published to every namespace (kube-root-ca.crt).
 *
 * What healing relies on, all in `*` (kube-controller-manager v1.34):
 * - node-lifecycle-controller: marks a silent Node Unknown after --node-monitor-grace-period (default 50 s)
 *   and taints it `node.kubernetes.io/unreachable` (NoSchedule and NoExecute);
 * - taint-eviction-controller: deletes (gracefully: deletionTimestamp set) the Pods that do not tolerate a
 *   NoExecute taint, at once for `out-of-service`, after their tolerationSeconds (300 s by default) for
 *   `unreachable`; with no kubelet nobody finishes that deletion;
 * - pod-garbage-collector (pkg/controller/podgc/gc_controller.go): every gcCheckPeriod = 20 s, a constant
 *   with no flag, it force-deletes (grace 0) terminating Pods on a Node that is not Ready and has the
 *   out-of-service taint (gcTerminating), and Pods bound to a Node gone for quarantineTime = 40 s
 *   (gcOrphaned). --terminated-pod-gc-threshold (default 12500) only bounds finished Pods (gcTerminated).
 *   So a fenced Node's Pods go within about 20 s of the taint;
 * - attachdetach-controller: detaches VolumeAttachments of Pods that are gone from an out-of-service Node
 *   without waiting its 6 min force-detach timeout.
 */
export const controllerManagerArgs = (l: ClusterLayout): string[] => {
  const p = paths(l);
  return [
    ...servingArgs(p.controllerManagerKubeconfig, l.ports.controllerManager, p.controllerManagerCerts),
    `--cluster-name=${l.name}`,
    '--controllers=*',
    '--use-service-account-credentials=true',
    `--service-account-private-key-file=${p.saKey}`,
    `--root-ca-file=${p.servingCert}`,
    ...(l.heartbeat
      ? [
          `--node-monitor-grace-period=${l.heartbeat.gracePeriodSeconds}s`,
          `--node-monitor-period=${l.heartbeat.monitorPeriodSeconds}s`,
        ]
      : []),
    // The HPA controller looks every 5 s instead of 15 s, so autoscaling tests wait less. Only for metrics
    // clusters: elsewhere HPAs only clamp replicas to min/max, and other tests keep the default timing.
    ...(l.metrics ? [`--horizontal-pod-autoscaler-sync-period=${HPA_SYNC_PERIOD}`] : []),
  ];
};

export const schedulerArgs = (l: ClusterLayout): string[] => {
  const p = paths(l);
  return servingArgs(p.schedulerKubeconfig, l.ports.scheduler, p.schedulerCerts);
};

/**
 * The kwok controller, standing in for the kubelet of every fake Node: it manages only Nodes with the
 * kwok annotation (the harness creates them), renews their Leases every --node-lease-duration-seconds/4
 * like a kubelet (and leaves alone a Node whose Lease another holder has taken, which is how tests make one
 * lose its heartbeat), plays the Stages in --config, and gives Pods IPs from --cidr.
 */
export const kwokArgs = (l: ClusterLayout, nodeSelector: string): string[] => {
  const p = paths(l);
  return [
    `--kubeconfig=${p.kwokKubeconfig}`,
    `--config=${p.kwokConfig}`,
    '--manage-all-nodes=false',
    `--manage-nodes-with-annotation-selector=${nodeSelector}`,
    `--node-lease-duration-seconds=${l.heartbeat?.leaseDurationSeconds ?? DEFAULT_NODE_LEASE_SECONDS}`,
    `--cidr=${POD_CIDR}`,
    // A metrics cluster: kwok serves every Node's kubelet endpoints on one loopback port (HTTPS with a
    // throwaway certificate, and plain HTTP, on the same port), and reads usage from ClusterResourceUsage
    // objects in the API (lib/local/kwok-metrics.ts).
    ...(l.metrics
      ? [
          `--server-address=127.0.0.1:${l.metrics.kwokServer}`,
          `--node-port=${l.metrics.kwokServer}`,
          '--enable-crds=ClusterResourceUsage',
        ]
      : []),
  ];
};

/**
 * metrics-server as its upstream manifest runs it, pointed at kwok: every Node's InternalIP is 127.0.0.1 in
 * a metrics cluster (kwok listens there only), the kubelet port is kwok's, kwok's certificate is a
 * throwaway (--kubelet-insecure-tls), and each Node's metrics path comes from its
 * metrics.k8s.io/resource-metrics-path annotation. It serves on its own loopback port with a self-signed
 * certificate (the APIService skips TLS verification, as kubeadm-style installs do).
 */
export const metricsServerArgs = (l: ClusterLayout & { metrics: MetricsPorts }): string[] => {
  const p = paths(l);
  return [
    `--kubeconfig=${p.metricsServerKubeconfig}`,
    `--authentication-kubeconfig=${p.metricsServerKubeconfig}`,
    `--authorization-kubeconfig=${p.metricsServerKubeconfig}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${l.metrics.metricsServer}`,
    `--cert-dir=${p.metricsServerCerts}`,
    '--kubelet-insecure-tls',
    `--kubelet-port=${l.metrics.kwokServer}`,
    '--kubelet-preferred-address-types=InternalIP',
    `--metric-resolution=${METRIC_RESOLUTION}`,
    // Must stay below the resolution (its default is 10 s too); kwok answers on loopback in milliseconds.
    '--kubelet-request-timeout=5s',
  ];
};
