import type { WorkloadRef } from '../../../events/index.ts';
import { opsNotice } from '../../notify/ops-event.ts';
import type { HistoryEntry } from '../../store/history.ts';
import { UNROUTED_APP } from '../../store/ports.ts';
import type { ScaleDeps } from '../ports.ts';
import { scaleNotice } from '../render/notices.ts';

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

/**
 * One step of scaling in the history. A step people are told of (../render/notices.ts) is then sent to the
 * notifier where someone follows it: the app's `notify` for the environment, or the environment's channel.
 */
export const recordScaleStep = async (
  deps: Pick<ScaleDeps, 'store' | 'now' | 'tell'>,
  cause: Cause,
  at: ScaleAt,
  step: ScaleStep,
): Promise<void> => {
  const recordedAt = deps.now().toISOString();
  const workload = at.workload ? workloadText(at.workload) : undefined;
  await deps.store.history.record({
    app: at.app ?? UNROUTED_APP,
    ...(at.environment ? { environment: at.environment } : {}),
    ...(at.cluster ? { cluster: at.cluster } : {}),
    ...(workload ? { workload } : {}),
    eventId: cause.id,
    eventType: cause.type,
    eventTime: cause.time,
    recordedAt,
    ...step,
  });
  const { app, environment, cluster } = at;
  const notice = scaleNotice(step, {
    ...(app ? { app } : {}),
    ...(environment ? { environment } : {}),
    ...(cluster ? { cluster } : {}),
    ...(workload ? { workload } : {}),
    at: recordedAt,
    cause: cause.id,
  });
  if (notice && environment && (await followed(deps, environment, app))) {
    await deps.tell(opsNotice(notice, deps.now()));
  }
};

const followed = async (deps: Pick<ScaleDeps, 'store'>, environment: string, app: string | undefined) => {
  const spec = app === undefined ? undefined : (await deps.store.apps.find(app))?.spec;
  if (spec?.environments[environment]?.notify?.slack) return true;
  return (await deps.store.environments.policy(environment)).notifyChannel !== undefined;
};
