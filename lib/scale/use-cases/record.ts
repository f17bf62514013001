import type { WorkloadRef } from '../../../events/index.ts';
import type { HistoryEntry } from '../../store/history.ts';
import { UNROUTED_APP } from '../../store/ports.ts';
import type { ScaleDeps } from '../ports.ts';

/** The event a step answers: its id keys the history entry, filed by when capstan received it. */
export interface Cause {
  readonly id: string;
  readonly type: string;
  readonly time: string;
}

/** Where a scaling step's history goes: the app when one runs the workload, else the unrouted pseudo-app. */
export interface ScaleAt {
  readonly app?: string;
  readonly environment?: string;
  readonly cluster?: string;
  readonly workload?: WorkloadRef;
}

/**
 * Scaling's history actions: a raise, a resolve or raise held through the cooldown, a refusal (quota,
 * ceiling, a person's ask out of bounds, an unknown workload), a revert, a wait for the workload's lease,
 * and what was left alone (nothing to put back, a look about an override since replaced).
 */
export type ScaleAction =
  | 'scale.raise'
  | 'scale.hold'
  | 'scale.refuse'
  | 'scale.revert'
  | 'scale.wait'
  | 'scale.ignore';

export type ScaleStep = Pick<HistoryEntry, 'outcome' | 'code' | 'reason' | 'details'> & { action: ScaleAction };

export const workloadText = (w: WorkloadRef) => `${w.namespace}/${w.kind}/${w.name}`;

export const recordScaleStep = (deps: Pick<ScaleDeps, 'store' | 'now'>, cause: Cause, at: ScaleAt, step: ScaleStep) =>
  deps.store.history.record({
    app: at.app ?? UNROUTED_APP,
    ...(at.environment ? { environment: at.environment } : {}),
    ...(at.cluster ? { cluster: at.cluster } : {}),
    ...(at.workload ? { workload: workloadText(at.workload) } : {}),
    eventId: cause.id,
    eventType: cause.type,
    eventTime: cause.time,
    recordedAt: deps.now().toISOString(),
    ...step,
  });
