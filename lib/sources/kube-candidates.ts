import type { NodeLost, RbdLockDetected } from '../../events/index.ts';
import { normalizeKubernetesEvent } from './k8s-events.ts';
import { normalizeRbdLockEvent, RBD_SYMPTOM_REASONS } from './rbd-symptoms.ts';
import type { Ignored } from './types.ts';

/** What one forwarded Kubernetes Event tells healing: at most one candidate, or why it tells nothing. */
export interface HealCandidates {
  readonly events: (NodeLost | RbdLockDetected)[];
  readonly ignored: Ignored[];
}

/**
 * One Event from kubernetes-event-exporter (webhook or SQS sink) -> a `node.lost` candidate (node-controller's
 * NodeNotReady), else an `rbd.lock.detected` one (a pod's Warning that its RBD volume is held elsewhere), else
 * ignored. The two never both take one Event (their reasons differ), so the order only picks whose words
 * explain an Event neither takes: the RBD reader's for the reasons it reads, the node reader's for the rest.
 * Both readers refuse the same payloads (not an Event, no cluster), so either throws the same 400 or DLQ reason.
 */
export const kubeEventCandidates = (payload: unknown, receivedAt: Date, cluster?: string): HealCandidates => {
  const lost = normalizeKubernetesEvent(payload, receivedAt, cluster);
  if (lost.events.length > 0) return lost;
  const rbd = normalizeRbdLockEvent(payload, receivedAt, cluster);
  if (rbd.events.length > 0) return rbd;
  const reason = (payload as { reason?: unknown }).reason;
  return typeof reason === 'string' && RBD_SYMPTOM_REASONS.includes(reason) ? rbd : lost;
};
