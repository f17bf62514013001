import type { NodeView } from '../../kube/nodes.ts';
import type { PodView, VolumeAttachmentView } from '../../kube/workloads.ts';
import { hasOutOfServiceTaint } from './fencing.ts';

/**
 * The next step of restoring a fenced node that came back. Back means both of its kubelet's heartbeats
 * again: Ready True and a Lease renewed lately, and Ready has stayed True for a stabilization period (a
 * node that flaps is not back). Then the out-of-service taint goes, but only once no pod or
 * VolumeAttachment still references the node (the Kubernetes guidance for non-graceful shutdown), and
 * the node is uncordoned only if capstan cordoned it: a person's cordon is never undone.
 */
export type RecoveryStep =
  | { readonly next: 'not-back'; readonly reason: string; readonly recheckAfterSeconds: number }
  | { readonly next: 'wait-references'; readonly remaining: readonly string[]; readonly recheckAfterSeconds: number }
  | { readonly next: 'untaint' }
  | { readonly next: 'uncordon' }
  | { readonly next: 'restored'; readonly keptCordoned: boolean };

export interface RecoveryPolicy {
  /** Ready must have been True at least this long. */
  readonly stableForSeconds: number;
  /** The Lease must have been renewed within this long. */
  readonly leaseFreshSeconds: number;
  readonly recheckSeconds: number;
}

export const defaultRecoveryPolicy: RecoveryPolicy = {
  stableForSeconds: 120,
  leaseFreshSeconds: 40,
  recheckSeconds: 15,
};

export interface RecoveryObservation {
  readonly now: Date;
  readonly node: Pick<NodeView, 'name' | 'ready' | 'readySince' | 'leaseRenewedAt' | 'unschedulable' | 'taints'>;
  readonly pods: readonly Pick<PodView, 'namespace' | 'name'>[];
  readonly attachments: readonly Pick<VolumeAttachmentView, 'name'>[];
  /** Whether capstan's own cordon made the node unschedulable (recorded when fencing cordoned it). */
  readonly cordonedByCapstan: boolean;
}

const secondsSince = (now: Date, time: string | undefined): number | undefined =>
  time === undefined ? undefined : Math.max(0, Math.floor((now.getTime() - Date.parse(time)) / 1000));

export const recoveryStep = (
  seen: RecoveryObservation,
  policy: RecoveryPolicy = defaultRecoveryPolicy,
): RecoveryStep => {
  const { node, now } = seen;
  const notBack = (reason: string, recheckAfterSeconds = policy.recheckSeconds) =>
    ({ next: 'not-back', reason, recheckAfterSeconds }) as const;
  if (node.ready !== 'True') return notBack(`node ${node.name} is ${node.ready}`);
  const leaseAge = secondsSince(now, node.leaseRenewedAt);
  if (leaseAge === undefined || leaseAge > policy.leaseFreshSeconds) {
    return notBack(`node ${node.name} is Ready but its Lease was last renewed ${leaseAge ?? 'never'}s ago`);
  }
  const readyFor = secondsSince(now, node.readySince) ?? 0;
  if (readyFor < policy.stableForSeconds) {
    const reason = `node ${node.name} has been Ready for ${readyFor}s, less than ${policy.stableForSeconds}s`;
    return notBack(reason, policy.stableForSeconds - readyFor);
  }
  if (hasOutOfServiceTaint(node)) {
    const remaining = [
      ...seen.pods.map((p) => `pod ${p.namespace}/${p.name}`),
      ...seen.attachments.map((a) => `VolumeAttachment ${a.name}`),
    ];
    if (remaining.length > 0) return { next: 'wait-references', remaining, recheckAfterSeconds: policy.recheckSeconds };
    return { next: 'untaint' };
  }
  if (node.unschedulable && seen.cordonedByCapstan) return { next: 'uncordon' };
  return { next: 'restored', keptCordoned: node.unschedulable };
};
