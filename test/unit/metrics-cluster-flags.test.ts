import { describe, expect, it } from 'vitest';
import { apiserverArgs, controllerManagerArgs, kwokArgs, metricsServerArgs } from '../../lib/local/cluster-flags.ts';
import { kwokResourceMetricYaml, resourceMetricsPath } from '../../lib/local/kwok-metrics.ts';
import { fakeNode } from '../../lib/local/nodes.ts';

const layout = {
  name: 'c',
  dir: '/tmp/c',
  ports: { etcdClient: 1, etcdPeer: 2, apiserver: 3, controllerManager: 4, scheduler: 5 },
};
const metrics = { kwokServer: 6, metricsServer: 7 };

describe('a metrics cluster (ClusterOptions.metrics)', () => {
  it('changes nothing for other clusters', () => {
    expect(apiserverArgs(layout).some((a) => a.startsWith('--requestheader') || a.startsWith('--proxy-client'))).toBe(
      false,
    );
    expect(controllerManagerArgs(layout).some((a) => a.startsWith('--horizontal-pod-autoscaler'))).toBe(false);
    expect(kwokArgs(layout, 'x=y').some((a) => a.startsWith('--server-address') || a.startsWith('--enable-crds'))).toBe(
      false,
    );
    const node = fakeNode('c', 0);
    expect(node.status.addresses[0]).toEqual({ type: 'InternalIP', address: '127.0.0.10' });
    expect(node.metadata.annotations).not.toHaveProperty('metrics.k8s.io/resource-metrics-path');
  });

  it('gives the apiserver the front-proxy flags, the HPA a 5 s sync, kwok its kubelet server on loopback', () => {
    const l = { ...layout, metrics };
    expect(apiserverArgs(l)).toEqual(
      expect.arrayContaining([
        '--requestheader-client-ca-file=/tmp/c/front-proxy/front-proxy-ca.crt',
        '--requestheader-allowed-names=front-proxy-client',
        '--requestheader-username-headers=X-Remote-User',
        '--proxy-client-cert-file=/tmp/c/front-proxy/front-proxy-client.crt',
        '--proxy-client-key-file=/tmp/c/front-proxy/front-proxy-client.key',
      ]),
    );
    expect(apiserverArgs(l)).not.toContain('--enable-aggregator-routing=true');
    expect(controllerManagerArgs(l)).toContain('--horizontal-pod-autoscaler-sync-period=5s');
    expect(kwokArgs(l, 'x=y')).toEqual(
      expect.arrayContaining(['--server-address=127.0.0.1:6', '--node-port=6', '--enable-crds=ClusterResourceUsage']),
    );
  });

  it('points metrics-server at kwok: InternalIP, its port, its throwaway certificate, a timeout below the resolution', () => {
    const args = metricsServerArgs({ ...layout, metrics });
    expect(args).toEqual(
      expect.arrayContaining([
        '--bind-address=127.0.0.1',
        '--secure-port=7',
        '--kubelet-port=6',
        '--kubelet-insecure-tls',
        '--kubelet-preferred-address-types=InternalIP',
        '--metric-resolution=10s',
        '--kubelet-request-timeout=5s',
      ]),
    );
  });

  it("annotates each Node with its metrics path and gives it kwok's address, 127.0.0.1", () => {
    const node = fakeNode('c', 2, true);
    expect((node.metadata.annotations as Record<string, string>)['metrics.k8s.io/resource-metrics-path']).toBe(
      '/metrics/nodes/c-worker-3/metrics/resource',
    );
    expect(node.status.addresses[0]).toEqual({ type: 'InternalIP', address: '127.0.0.1' });
  });

  it("serves kwok's resource metrics at the annotated path, with the counters metrics-server reads", () => {
    const yaml = kwokResourceMetricYaml();
    expect(yaml).toContain(`path: "${resourceMetricsPath('{nodeName}')}"`);
    for (const name of [
      'node_cpu_usage_seconds_total',
      'node_memory_working_set_bytes',
      'container_cpu_usage_seconds_total',
      'container_memory_working_set_bytes',
      'container_start_time_seconds',
    ]) {
      expect(yaml).toContain(`- name: ${name}\n`);
    }
  });
});
