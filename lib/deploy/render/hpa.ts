import type { V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import type { Autoscaling } from '../../apps/autoscaling.ts';

export interface HpaTarget {
  readonly name: string;
  readonly namespace: string;
  /** The Deployment's labels, so `kubectl get hpa -l` finds it with the app and deleteHpa knows it is capstan's. */
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * The autoscaling/v2 HorizontalPodAutoscaler for an app's Deployment (issue 12), named as the Deployment.
 * `cooldown` is also the scale-down stabilization window, so the HPA and capstan's overrides calm down on
 * the same clock. Only the fields capstan means: what the API server defaults (scale-up behaviour, the
 * scale-down policies) stays the server's, so a second apply is `unchanged`. Keys in a fixed order: the same
 * input renders the same JSON.
 */
export const renderHpa = (target: HpaTarget, autoscaling: Autoscaling): V2HorizontalPodAutoscaler => ({
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: target.name, namespace: target.namespace, labels: { ...target.labels } },
  spec: {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: target.name },
    minReplicas: autoscaling.min,
    maxReplicas: autoscaling.max,
    metrics: [
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: autoscaling.cpuTarget } },
      },
    ],
    behavior: { scaleDown: { stabilizationWindowSeconds: autoscaling.cooldown } },
  },
});
