import { FAST_HEARTBEAT, type HealCluster, startHealCluster } from './heal-cluster.ts';

/**
 * A local cluster of one test file's own with the real metrics pipeline (ClusterOptions.metrics):
 * metrics-server behind metrics.k8s.io, kwok's emulated kubelet resource metrics, the HPA controller
 * looking every 5 s. Registered like startHealCluster's (`record`, `asCapstan` with capstan's RBAC).
 * Set a namespace's emulated CPU with setEmulatedCpu (emulated-cpu.ts); without it pods use nothing.
 */
export const startMetricsCluster = (name: string, nodes = 2): Promise<HealCluster> =>
  startHealCluster(name, nodes, FAST_HEARTBEAT, { metrics: true });
