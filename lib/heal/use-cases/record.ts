import type { KubeGateway } from '../../kube/gateway.ts';
import { opsNotice } from '../../notify/ops-event.ts';
import type { Cluster } from '../../store/clusters.ts';
import type { HistoryEntry } from '../../store/history.ts';
import { NODES_APP } from '../../store/ports.ts';
import type { HealDeps } from '../ports.ts';
import { healNotice } from '../render/notices.ts';

/** How a step ended, for the consumer's log. */
export type StepResult = { readonly outcome: string; readonly phase?: string; readonly code?: string };

/** The event a step answers: its id keys the history entry, filed by when capstan received it. */
export interface Cause {
  readonly id: string;
  readonly type: string;
  readonly time: string;
}

/** One look at a node: the event it answers, the key of its chain of looks, and its number in the chain. */
export interface Look {
  readonly cause: Cause;
  readonly origin: string;
  readonly attempt: number;
}

/** The node a step is about, and its cluster's environment (history by cluster and environment). */
export interface NodeAt {
  readonly cluster: string;
  readonly environment?: string;
  readonly node: string;
  /** The RBD image (`pool/image`) a step of freeing it is about. */
  readonly image?: string;
  /**
   * The heal the step belongs to (its record's eventId), for a step that repeats through one heal with a
   * new cause each time (a stalled fence, looked at again every few minutes): told once for the heal.
   */
  readonly heal?: string;
}

/** The node a step works on: its registered cluster, that cluster's gateway, and where its history goes. */
export interface NodeContext {
  readonly cluster: Cluster;
  readonly gateway: KubeGateway;
  readonly node: string;
  readonly at: NodeAt;
}

export const nodeContext = (cluster: Cluster, gateway: KubeGateway, node: string): NodeContext => ({
  cluster,
  gateway,
  node,
  at: { cluster: cluster.name, environment: cluster.environment, node },
});

export type HealStep = Pick<HistoryEntry, 'action' | 'outcome' | 'code' | 'reason' | 'details'>;

/**
 * One step of healing in the history: under the `_nodes` pseudo-app, with its cluster and node. A step
 * people are told of (../render/notices.ts) is then sent to the notifier, where the environment has a
 * channel for it: recorded first, so a notice never tells what the history lacks, and told best effort
 * (../../notify/tell.ts).
 */
export const recordHealStep = async (
  deps: Pick<HealDeps, 'store' | 'now' | 'tell'>,
  cause: Cause,
  at: NodeAt,
  step: HealStep,
): Promise<void> => {
  const recordedAt = deps.now().toISOString();
  const { heal, ...place } = at;
  await deps.store.history.record({
    app: NODES_APP,
    ...(at.environment ? { environment: at.environment } : {}),
    cluster: at.cluster,
    node: at.node,
    ...(at.image ? { image: at.image } : {}),
    eventId: cause.id,
    eventType: cause.type,
    eventTime: cause.time,
    recordedAt,
    ...step,
  });
  const notice = healNotice(step, { ...place, at: recordedAt, cause: cause.id });
  if (!notice || !at.environment) return;
  if (!(await deps.store.environments.policy(at.environment)).notifyChannel) return;
  await deps.tell(opsNotice(notice, deps.now(), heal));
};

/** Seconds from `from` to `to`, never negative; undefined without a `from`. */
export const secondsSince = (from: string | undefined, to: Date): number | undefined =>
  from === undefined ? undefined : Math.max(0, Math.round((to.getTime() - Date.parse(from)) / 1000));

/** What a step's changes amount to in the history: `configured` if any of them changed something. */
export const outcomeOfChanges = (changes: readonly string[]): 'configured' | 'unchanged' =>
  changes.includes('changed') ? 'configured' : 'unchanged';
