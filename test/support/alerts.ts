import type { PostedAlert } from '../../lib/local/alertmanager.ts';

/**
 * kubernetes-mixin's KubeHpaMaxedOut as Prometheus would post it (labels of the rule's
 * kube_horizontalpodautoscaler_status_current_replicas series plus the rule's own), for an HPA at its
 * maximum: what capstan's /hooks/alertmanager turns into hpa.threshold.hit. `startsAt` defaults to a
 * minute ago (the rule's `for: 15m` has been waited out, in spirit).
 */
export const hpaMaxedOut = (
  namespace: string,
  hpa: string,
  o: { readonly cluster?: string; readonly startsAt?: Date } = {},
): PostedAlert => ({
  labels: {
    alertname: 'KubeHpaMaxedOut',
    namespace,
    horizontalpodautoscaler: hpa,
    job: 'kube-state-metrics',
    severity: 'warning',
    ...(o.cluster ? { cluster: o.cluster } : {}),
  },
  annotations: {
    description: `HPA ${namespace}/${hpa} has been running at max replicas for longer than 15 minutes.`,
    runbook_url: 'https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubehpamaxedout',
    summary: 'HPA is running at max replicas',
  },
  startsAt: o.startsAt ?? new Date(Date.now() - 60_000),
});
