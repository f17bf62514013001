import type { Reason } from '../reasons.ts';
import type { AppRecord } from './apps.ts';
import type { Cluster, ClusterHealth } from './clusters.ts';
import type { HealKey, HealMode, HealPatch, HealPhase, NewNodeHeal, NodeHeal } from './heals.ts';
import type { NewHistoryEntry } from './history.ts';
import type { ImageHeal, ImageKey, ImagePatch, ImagePhase, NewImageHeal } from './image-heals.ts';
import type { ApprovalState, ReleaseApproval } from './release-approvals.ts';
import type { ClusterProgress, ClusterRelease, NewRelease, Release, ReleaseStatus } from './releases.ts';
import type { ScaleOverride, WorkloadKey } from './scale-overrides.ts';

/**
 * The table as the use cases see it: one narrow interface per kind of record, in the domain's words.
 * The DynamoDB adapter is `dynamoStore` (lib/store/dynamo.ts); unit tests of the use cases use the
 * in-memory double in test/doubles/store.ts, and one contract suite (test/contract/store.ts) holds both
 * to the same behaviour, conditional writes included.
 */
export interface Store {
  readonly releases: ReleaseStore;
  readonly history: HistoryStore;
  readonly apps: AppStore;
  readonly clusters: ClusterStore;
  readonly environments: EnvironmentStore;
  readonly releaseApprovals: ReleaseApprovalStore;
  readonly heals: HealStore;
  readonly images: ImageHealStore;
  readonly overrides: ScaleOverrideStore;
  readonly leases: LeaseStore;
}

export { isActiveHeal, SETTLED_HEAL_PHASES } from './heal-phases.ts';

export { workloadLease, workloadName } from './workload-names.ts';

/** History of events that reach no app (malformed messages, pushes nobody tracks) lives under this pseudo-app. */
export const UNROUTED_APP = '_unrouted';

/** Healing's history (lib/heal) lives under this pseudo-app, each entry with its `cluster` and `node`. */
export const NODES_APP = '_nodes';

export type ReleaseKey = Pick<Release, 'app' | 'environment' | 'revision'>;

export interface ReleaseStore {
  /** Throws NotFoundError when there is no such release. Consistent. */
  get(app: string, environment: string, revision: number): Promise<Release>;
  /** Newest first, consistent (what the next release builds on). */
  list(app: string, environment: string, limit?: number): Promise<Release[]>;
  /** Once per event id: a redelivered event gets the release it already made (`created: false`). */
  create(input: NewRelease): Promise<{ release: Release; created: boolean }>;
  /** The revision an event made, if it made one. */
  revisionOfEvent(app: string, environment: string, eventId: string): Promise<number | undefined>;
  /** One cluster's part of a release; the other clusters' are untouched. */
  setCluster(release: ReleaseKey, cluster: string, state: ClusterRelease): Promise<void>;
  /**
   * How far one cluster's rollout got (replicas, message, time), only while it is pending or progressing;
   * says whether it wrote (false: settled already, or no such entry). The rest of the entry is untouched.
   */
  setClusterProgress(release: ReleaseKey, cluster: string, progress: ClusterProgress): Promise<boolean>;
  /** Moves the release to `status` only from one of `from`; says whether it did. */
  setStatus(release: ReleaseKey, status: ReleaseStatus, from: readonly ReleaseStatus[], why?: Reason): Promise<boolean>;
  /** Moves the release from wave `from` to the next, once; says whether it did. */
  advanceWave(release: ReleaseKey, from: number): Promise<boolean>;
}

export interface HistoryStore {
  /** Appends one step; a redelivery that ends the same way overwrites its twin (lib/store/history.ts). */
  record(step: NewHistoryEntry): Promise<void>;
}

export interface AppStore {
  find(name: string): Promise<AppRecord | undefined>;
  /** The apps whose containers run `repository` (canonical), with those containers. */
  tracking(repository: string): Promise<{ record: AppRecord; containers: string[] }[]>;
}

export interface ClusterStore {
  /** Throws NotFoundError for a cluster that is not registered. */
  get(name: string): Promise<Cluster>;
  list(): Promise<Cluster[]>;
  /** In wave order. */
  ofEnvironment(environment: string): Promise<Cluster[]>;
  recordHealth(name: string, health: ClusterHealth): Promise<void>;
}

export interface EnvironmentPolicy {
  readonly name: string;
  readonly protected: boolean;
  /** False for an environment nobody set: the defaults apply. */
  readonly configured: boolean;
  /** How its clusters heal lost nodes; absent, the default (lib/heal/decisions/mode.ts). */
  readonly healMode?: HealMode;
  /** The Slack channel id healing and scaling are told in (`capstan env set --notify-channel`). */
  readonly notifyChannel?: string;
}

export interface EnvironmentStore {
  policy(name: string): Promise<EnvironmentPolicy>;
}

/** Deploy requests waiting for N distinct approvers (lib/store/release-approvals.ts, issue 13). */
export interface ReleaseApprovalStore {
  /** Once per request id: a redelivered request gets the approval it opened (`created: false`). */
  open(record: ReleaseApproval): Promise<{ record: ReleaseApproval; created: boolean }>;
  /** Undefined when none was opened. Consistent. */
  get(app: string, environment: string, id: string): Promise<ReleaseApproval | undefined>;
  /** Newest first; only those in `state` when given. Consistent. */
  list(app: string, environment: string, o?: { state?: ApprovalState }): Promise<ReleaseApproval[]>;
  /** Writes `next` as `expectedVersion + 1` only if the stored one is at `expectedVersion`; says whether it did. */
  save(next: ReleaseApproval, expectedVersion: number): Promise<boolean>;
}

/** A lease held: by whom, and until when (ms since the epoch) unless renewed. */
export interface HeldLease {
  readonly name: string;
  readonly holder: string;
  readonly expiresAtMs: number;
}

/** Healing lost nodes (lib/store/heals.ts): one record per node of a cluster, and one lease per node. */
export interface HealStore {
  /** Undefined when the node was never healed. Consistent. */
  get(cluster: string, node: string): Promise<NodeHeal | undefined>;
  /** Every record of the cluster, active or settled, by node name. Consistent. */
  list(cluster: string): Promise<NodeHeal[]>;
  /** Once per active heal: where one is under way for the node, that one (`created: false`). */
  start(input: NewNodeHeal): Promise<{ record: NodeHeal; created: boolean }>;
  /** Moves the heal to `to` only from one of `from`, with the patch; says whether it did. */
  advance(heal: HealKey, from: readonly HealPhase[], to: HealPhase, patch: HealPatch): Promise<boolean>;
  /** One holder at a time per node; the same holder renews. Throws ConflictError while another holds it. */
  acquireLease(heal: HealKey, holder: string, ttlSeconds: number, now?: number): Promise<HeldLease>;
  /** Only a lease we hold; one we no longer hold is left alone. */
  releaseLease(heal: HealKey, holder: string): Promise<void>;
}

/** Freeing RBD images held by lost nodes (lib/store/image-heals.ts): one record per image of a cluster. */
export interface ImageHealStore {
  /** Undefined when the image was never freed. Consistent. */
  get(key: ImageKey): Promise<ImageHeal | undefined>;
  /** Every image record of the cluster, by pool/image. Consistent. */
  list(cluster: string): Promise<ImageHeal[]>;
  /** Once per active record: where one is under way for the image, that one (`created: false`). */
  start(input: NewImageHeal): Promise<{ record: ImageHeal; created: boolean }>;
  /** Moves the record to `to` only from one of `from`, with the patch; says whether it did. */
  advance(key: ImageKey, from: readonly ImagePhase[], to: ImagePhase, patch: ImagePatch): Promise<boolean>;
}

/** Scaling overrides (lib/store/scale-overrides.ts): one record per workload of a cluster. */
export interface ScaleOverrideStore {
  /** Undefined when capstan never overrode the workload. Consistent. */
  get(key: WorkloadKey): Promise<ScaleOverride | undefined>;
  /** Every override record of the cluster, active or reverted. Consistent. */
  list(cluster: string): Promise<ScaleOverride[]>;
  /** Writes it as `expected + 1` only if the stored version is `expected` (undefined: none yet); says whether it did. */
  save(record: Omit<ScaleOverride, 'version'>, expected: number | undefined): Promise<boolean>;
}

/**
 * Leases by name (lib/store/leases.ts), such as a workload's (`workloadLease`): one holder at a time, the
 * same holder renews, an expired one is taken over. acquire throws the retryable ConflictError while
 * another holds it.
 */
export interface LeaseStore {
  acquire(name: string, holder: string, ttlSeconds: number, now?: number): Promise<HeldLease>;
  /** Only a lease we hold; one we no longer hold is left alone. */
  release(name: string, holder: string): Promise<void>;
}
