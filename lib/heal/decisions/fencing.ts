import type { NodeTaint, NodeView } from '../../kube/nodes.ts';
import type { PodView, VolumeAttachmentView } from '../../kube/workloads.ts';

/** Non-graceful node shutdown (Kubernetes 1.28+): the node's pods are force-deleted and its volumes detached. */
export const OUT_OF_SERVICE_TAINT: NodeTaint = {
  key: 'node.kubernetes.io/out-of-service',
  value: 'nodeshutdown',
  effect: 'NoExecute',
};

/**
 * The next step of fencing a node proven lost, the Kubernetes way (non-graceful node shutdown): cordon it,
 * taint it out-of-service, then wait for the pod GC to force-delete its pods and the attach/detach
 * controller to remove its VolumeAttachments. One step per look, so each message does one thing and a
 * redelivery finds the step done (`unchanged`) and moves on; waiting is a delayed message, never a sleep.
 */
export type FenceStep =
  | { readonly next: 'cordon' }
  | { readonly next: 'taint' }
  | { readonly next: 'wait-pods'; readonly remaining: readonly string[]; readonly recheckAfterSeconds: number }
  | { readonly next: 'wait-attachments'; readonly remaining: readonly string[]; readonly recheckAfterSeconds: number }
  | { readonly next: 'fenced' };

export interface FencePolicy {
  /** How often to look again while the controllers do their part. */
  readonly recheckSeconds: number;
}

export const defaultFencePolicy: FencePolicy = { recheckSeconds: 10 };

export const hasOutOfServiceTaint = (node: Pick<NodeView, 'taints'>): boolean =>
  node.taints.some((t) => t.key === OUT_OF_SERVICE_TAINT.key && t.effect === OUT_OF_SERVICE_TAINT.effect);

export const fenceStep = (
  node: Pick<NodeView, 'unschedulable' | 'taints'>,
  pods: readonly Pick<PodView, 'namespace' | 'name'>[],
  attachments: readonly Pick<VolumeAttachmentView, 'name'>[],
  policy: FencePolicy = defaultFencePolicy,
): FenceStep => {
  if (!node.unschedulable) return { next: 'cordon' };
  if (!hasOutOfServiceTaint(node)) return { next: 'taint' };
  if (pods.length > 0) {
    const remaining = pods.map((p) => `${p.namespace}/${p.name}`);
    return { next: 'wait-pods', remaining, recheckAfterSeconds: policy.recheckSeconds };
  }
  if (attachments.length > 0) {
    const remaining = attachments.map((a) => a.name);
    return { next: 'wait-attachments', remaining, recheckAfterSeconds: policy.recheckSeconds };
  }
  return { next: 'fenced' };
};
