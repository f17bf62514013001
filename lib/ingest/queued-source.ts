import type { Enqueue } from '../queue/send.ts';
import { normalizeCloudWatch } from '../sources/cloudwatch.ts';
import type { ImageSource } from '../sources/index.ts';
import { KUBERNETES_EVENT_EXPORTER } from '../sources/k8s-events.ts';
import { kubeEventCandidates } from '../sources/kube-candidates.ts';
import { readJson } from '../sources/payload.ts';

/**
 * A registry event that arrives on a queue (ECR through an EventBridge rule): IAM already authenticated it,
 * so it is decoded, normalized and its tag pushes enqueued as image.pushed. Throws InvalidInputError for a
 * body that can never become an event, which the consumer sends to the DLQ with the reason.
 */
export const acceptQueued = async (source: ImageSource, body: string, enqueue: Enqueue, now = new Date()) => {
  const normalized = source.normalize(source.decode(body, {}), now);
  for (const event of normalized.events) await enqueue(event);
  return { accepted: normalized.events.map((e) => e.id), ignored: normalized.ignored.map((i) => i.reason) };
};

/**
 * A core/v1 Event from kubernetes-event-exporter's SQS sink (IAM authenticated it): node-controller's NodeNotReady
 * becomes a node.lost candidate, a pod's RBD mount failure an rbd.lock.detected one, as on the webhook route
 * (lib/sources/kube-candidates.ts), with the same ids. There is no route to name the cluster, so the Event's
 * `clusterName` (the exporter's `clusterName` setting) must; an Event without one, or that is not JSON, throws
 * InvalidInputError, which the consumer sends to the DLQ with the reason.
 */
export const acceptQueuedKubeEvent = async (body: string, enqueue: Enqueue, now = new Date()) => {
  const candidates = kubeEventCandidates(readJson(KUBERNETES_EVENT_EXPORTER, body), now);
  for (const event of candidates.events) await enqueue(event);
  return { accepted: candidates.events.map((e) => e.id), ignored: candidates.ignored.map((i) => i.reason) };
};

/**
 * A CloudWatch alarm's state change from the alarms queue (SNS -> SQS; IAM and the queue policy authenticated it):
 * an alarm on a workload capstan can place becomes an hpa.threshold.hit on the scale queue (lib/sources/cloudwatch.ts),
 * anything else is passed over with why. A body that is no alarm throws InvalidInputError: the DLQ, with the reason.
 */
export const acceptQueuedAlarm = async (body: string, enqueue: Enqueue) => {
  const candidates = normalizeCloudWatch(body);
  for (const event of candidates.events) await enqueue(event);
  return {
    accepted: candidates.events.map((e) => e.id),
    ignored: candidates.ignored.map((i) => ({ alert: i.alert, why: i.reason })),
  };
};
