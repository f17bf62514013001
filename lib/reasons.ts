import { z } from 'zod';
import { CapstanError } from './errors.ts';

/**
 * Why capstan refused, skipped or failed something: one stable code per reason, next to the human text in
 * the history (lib/store/history.ts) and in releases (lib/store/releases.ts). Tests, scripts and alerts
 * match the code; the text is for people and may change.
 */
export const REASONS = {
  stale: 'asked for before a newer release of the same containers (a late delivery)',
  duplicate: 'exactly what runs or what the newest release applies already (a retry, a double click)',
  'not-newer': 'not newer than what the environment runs: an environment never moves back',
  'no-match': "the pushed tag does not match the environment's tracking rule",
  'not-tracked': 'no registered app runs the pushed repository',
  'no-tag': 'a push by digest only: capstan deploys tags',
  'unresolvable-tag': 'the pushed tag could not be resolved to a digest',
  policy: "the environment's rules refuse it (production rules, an unregistered app, a bad request)",
  quota: 'a namespace ResourceQuota has no room for it',
  'no-clusters': 'no cluster is registered in the environment',
  'not-found': 'what it refers to does not exist (a release, an app, a cluster)',
  superseded: 'a newer release, or a newer push awaiting approval, took its place',
  settled: 'the release it belongs to has already settled or moved on',
  unreachable: 'a cluster could not be reached or answered 5xx or 429 (retried)',
  'apply-failed': 'a cluster refused the objects for good',
  credentials: "a cluster's credentials cannot be used (no kubeconfig file, context or secret)",
  'rollout-failed': "the Deployment's rollout failed (its progress deadline passed)",
  'rollout-timeout': 'the rollout was not ready within CAPSTAN_ROLLOUT_TIMEOUT_SECONDS',
  'gave-up': 'still failing at the last receive the queue allows: sent to the dead-letter queue',
  invalid: 'a malformed message or event, or a request that can never succeed',
  unauthorized: 'no valid credential',
  contract: 'a function asked for what its topology entry does not give it (lib/topology.ts, lib/contract.ts)',
  'chat-refused':
    'Slack refused a notice for good (invalid_auth, channel_not_found, not_in_channel): fix the bot token or the channel',
  // Healing (lib/heal): why a node was not fenced, or a heal stopped. The first nine are lostVerdict's codes.
  'node-absent': 'the API server has no such node',
  'node-ready': 'the node is Ready: a candidate event is not proof',
  'kubelet-reporting': 'the node is Ready=False, which its kubelet posts: it is alive, so it is never fenced',
  'not-back': 'the node is not Ready again (yet): the heal goes on',
  'not-ready-too-briefly': 'the node has not been Unknown or False long enough (looked at again later)',
  'lease-renewed': "the node's Lease is still renewed: its kubelet may be alive",
  'no-lease': 'the node has no heartbeat Lease, so its kubelet cannot be proven silent',
  'control-plane': 'a control-plane node, which healing leaves alone unless allowed',
  'no-healthy-majority': 'most other nodes are not Ready either: the control plane may be what is sick',
  storm: 'more nodes are not Ready or fenced at once than healing may fence (the storm guard)',
  'zone-storm': 'more than half of a zone is not Ready or fenced: a zone outage, not a lost node',
  'observe-mode': 'the cluster heals in observe mode: recorded, never acted on',
  'awaiting-approval': 'the cluster heals in approve mode: waiting for `capstan heal approve`',
  'already-healing': 'the node is being healed already: a second candidate changes nothing',
  'node-returned': 'the node came back before it was fenced: recorded and left alone',
  cancelled: 'a person cancelled the heal',
  'fence-stalled': "the controllers did not remove the node's pods or VolumeAttachments in time",
  // Freeing RBD images (lib/heal, issue 11): why an image was not freed.
  'no-such-volume': 'the pod mounts no RBD volume, or not the image the event names (a forged or mistaken event)',
  'holder-unknown': "no node but the requester's holds the image: no VolumeAttachment, watcher or lock names one",
  'not-fenced': 'the node holding the image is not fenced by capstan (cordoned, out-of-service) yet',
  'same-node': 'the pod that cannot mount the image runs on the node that holds it',
  'no-address': 'the node holding the image has no InternalIP or ExternalIP to block',
  'address-of-other-node': "the lost node's address is also another node's: blocking it could cut off a live one",
  'address-of-ceph': "the lost node's address is a Ceph daemon's: blocking it would cut off the cluster",
  'address-of-capstan': "the lost node's address is capstan's own",
  'watcher-elsewhere':
    "the image is watched or locked from an address that is not the lost node's (Rook's wrong-IP case)",
  'already-free': 'no watcher and no lock: the image is free already',
  'no-freeing': 'the cluster registers no way to free RBD images (Ceph or NetworkFence): left to a person',
  'watch-lingers': "the lost node's watch stayed after its address was blocklisted",
  'fence-failed': 'csi-addons answered the NetworkFence with Failed',
  'fence-unanswered': 'no csi-addons controller answered the NetworkFence: the image is not freed',
  // Scaling (lib/scale, issue 12): why an override was not raised or put back (yet).
  cooldown: 'within the cooldown since the last raise: no second raise, and a resolve is held until it ends',
  'at-ceiling': "the workload's ceiling is at burstMax already",
  'no-override': "no override of capstan's is in force: nothing to put back",
  'unknown-workload': 'no registered app with autoscaling runs the workload the alert names on that cluster',
  'not-at-ceiling':
    'the workload is not at its ceiling (KubeHpaReplicasMismatch, or a look after the cooldown found it below): a higher one would not help',
  'lease-held': "another step holds the workload's lease (a release in flight): looked at again later",
  // Chat-ops, approvals and CI identity (issue 13).
  forbidden: 'the requester holds no role that allows it in the environment',
  'foreign-workspace': 'the chat workspace is not allowed in (a Slack Connect user from another company)',
  'channel-not-allowed': 'the channel is not one the environment allows commands from',
  'bad-signature': 'the request is not signed by the chat, or its signature does not match',
  replayed: 'signed more than 300 s ago, or a token id (jti) used once already',
  'awaiting-approvals': 'the release waits for approvers (approval.required distinct people)',
  'approval-ended': 'the approval was granted, rejected or expired already: a late vote changes nothing',
  'self-approval': "the requester's own approval does not count (approval.selfApproval is off)",
  'repeat-vote': 'the same person approved already: counted once',
  'anonymous-vote': 'a vote with the ingest token names nobody: it never counts',
  rejected: 'an approver rejected it: one reject ends the approval',
  expired: 'no quorum within approval.expiry',
  'ci-not-allowed': "the CI job is not on the environment's allow-list (repository, ref, environment, workflow)",
  unknown: 'recorded before reasons carried codes',
} as const;

export type ReasonCode = keyof typeof REASONS;
export const ReasonCodeSchema = z.enum(Object.keys(REASONS) as [ReasonCode, ...ReasonCode[]]);

/** A reason as it is recorded: the stable code and the words. */
export interface Reason {
  readonly code: ReasonCode;
  readonly reason: string;
}

/** The code for an error that refused or failed a step, from its type (lib/errors.ts). */
export const reasonCodeOf = (error: unknown): ReasonCode => {
  if (!(error instanceof CapstanError)) return 'unknown';
  const byError: Record<string, ReasonCode> = {
    'invalid-input': 'invalid',
    'not-found': 'not-found',
    'cluster-unavailable': 'unreachable',
    'cluster-rejected': 'apply-failed',
    'cluster-credentials': 'credentials',
    'partial-failure': 'unreachable',
    unresolved: 'unresolvable-tag',
    contract: 'contract',
    'chat-refused': 'chat-refused',
    'chat-unavailable': 'unreachable',
  };
  return byError[error.code] ?? 'unknown';
};

/** A terminal error refuses input that can never succeed, unless its type says more precisely why. */
export const terminalCodeOf = (error: unknown): ReasonCode => {
  const code = reasonCodeOf(error);
  return code === 'unknown' ? 'invalid' : code;
};
