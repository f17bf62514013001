import type { HistoryEntry } from '../../store/history.ts';
import { NODES_APP } from '../../store/ports.ts';
import type { HealDeps } from '../ports.ts';

/** The event a step answers: its id keys the history entry, filed by when capstan received it. */
export interface Cause {
  readonly id: string;
  readonly type: string;
  readonly time: string;
}

/** One look at a node: the event it answers, the event that started its chain of looks, and its number. */
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
}

export type HealStep = Pick<HistoryEntry, 'action' | 'outcome' | 'code' | 'reason' | 'details'>;

/** One step of healing in the history: under the `_nodes` pseudo-app, with its cluster and node. */
export const recordHealStep = (deps: Pick<HealDeps, 'store' | 'now'>, cause: Cause, at: NodeAt, step: HealStep) =>
  deps.store.history.record({
    app: NODES_APP,
    ...(at.environment ? { environment: at.environment } : {}),
    cluster: at.cluster,
    node: at.node,
    eventId: cause.id,
    eventType: cause.type,
    eventTime: cause.time,
    recordedAt: deps.now().toISOString(),
    ...step,
  });
