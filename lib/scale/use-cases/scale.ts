import type { HpaThresholdHit, ScaleCheck, ScaleRequested } from '../../../events/index.ts';
import { ConflictError } from '../../errors.ts';
import { workloadLease } from '../../store/ports.ts';
import type { ScalingSignal } from '../decisions/override.ts';
import { signalOf } from '../decisions/signal.ts';
import type { ScaleDeps } from '../ports.ts';
import { delayUntil, scaleCheck } from '../render/events.ts';
import { type Cause, recordScaleStep } from './record.ts';
import { type StepInput, type StepResult, scaleStep } from './scale-step.ts';
import { targetOf, type WorkloadContext } from './target.ts';

export type ScaleEvent = HpaThresholdHit | ScaleCheck | ScaleRequested;

/**
 * One scaling step on one workload (issue 12): an alert firing or resolved, a person's override, or
 * scaling's own look (an expiry, a hold through the cooldown, a wait for the lease). Run under the
 * workload's lease, which a release holds from its apply until that cluster's rollout settles, so the two
 * never act on one workload at once; a signal that finds it held waits by a delayed look.
 */
export const scale = async (event: ScaleEvent, deps: ScaleDeps): Promise<StepResult> => {
  const cause: Cause = { id: event.id, type: event.type, time: event.time };
  if (event.type === 'scale.check' && Date.parse(event.data.dueAt) > deps.now().getTime() + 1000) {
    // Not due yet (SQS delays at most 15 minutes): the next hop, nothing recorded.
    const check = scaleCheck({ ...event.data, attempt: event.data.attempt + 1 }, deps.now());
    await deps.enqueue(check, { delaySeconds: delayUntil(event.data.dueAt, deps.now()) });
    return { outcome: 'waiting' };
  }
  const input = inputOf(event);
  const target = await targetOf(deps, event);
  if ('unknown' in target) {
    const { code, reason } = target;
    if (event.type === 'scale.check') await retire(deps, event, reason);
    await recordScaleStep(deps, cause, target.at, { action: 'scale.ignore', outcome: 'skipped', code, reason });
    return { outcome: 'skipped', code };
  }
  if ('ignore' in input) {
    const step = { action: 'scale.ignore', outcome: 'skipped', code: 'not-at-ceiling', reason: input.ignore } as const;
    await recordScaleStep(deps, cause, target.at, step);
    return { outcome: 'skipped', code: 'not-at-ceiling' };
  }
  const lease = workloadLease(target.key);
  const holder = `scale/${event.id}`;
  try {
    await deps.store.leases.acquire(lease, holder, deps.settings.leaseSeconds, deps.now().getTime());
  } catch (error) {
    if (!(error instanceof ConflictError) || input.kind === 'manual') throw error;
    return waitForLease(deps, target, event as HpaThresholdHit | ScaleCheck, cause, input.signal);
  }
  try {
    return await scaleStep(deps, target, cause, input);
  } finally {
    await deps.store.leases.release(lease, holder);
  }
};

/**
 * A look about a workload capstan no longer scales (its app's autoscaling removed, the app gone): the
 * override record is put to rest, so neither the sweep nor `capstan scale` treat it as in force. The
 * ceiling itself is the releases' again.
 */
const retire = async (deps: ScaleDeps, event: ScaleCheck, why: string) => {
  const key = { cluster: event.data.cluster, workload: event.data.workload };
  const current = await deps.store.overrides.get(key);
  if (current?.state !== 'active') return;
  const now = deps.now().toISOString();
  const { version, ...rest } = current;
  const next = {
    ...rest,
    state: 'reverted' as const,
    revertedAt: now,
    revertEventId: event.id,
    reason: why,
    updatedAt: now,
  };
  await deps.store.overrides.save(next, version);
};

const inputOf = (event: ScaleEvent): StepInput | { ignore: string } => {
  if (event.type === 'scale.requested') {
    const { max, forSeconds, revert, requestedBy } = event.data;
    const by = `person:${requestedBy ?? 'unknown'}`;
    return {
      kind: 'manual',
      by,
      ask: revert ? { revert } : { max: max as number, ...(forSeconds ? { forSeconds } : {}) },
    };
  }
  if (event.type === 'scale.check') {
    const { signal, startsAt } = event.data;
    return { kind: 'signal', signal, by: 'alert', look: event.data, ...(startsAt ? { startsAt } : {}) };
  }
  const signal = signalOf(event.data);
  if ('ignore' in signal) return signal;
  const by = `${event.data.producer === 'cloudwatch' ? 'alarm' : 'alert'}:${event.data.alertName ?? event.data.signal}`;
  return { kind: 'signal', signal: signal.signal, by, startsAt: event.data.startsAt };
};

/**
 * The workload's lease is held (a release in flight, another step): look again in a while, up to a bound,
 * each wait in the history. A person's ask is retried by the queue instead (its message carries the ask).
 */
const waitForLease = async (
  deps: ScaleDeps,
  ctx: WorkloadContext,
  event: HpaThresholdHit | ScaleCheck,
  cause: Cause,
  signal: ScalingSignal,
): Promise<StepResult> => {
  const look = event.type === 'scale.check' ? event.data : undefined;
  const waits = (look?.waits ?? 0) + 1;
  const { leaseWaitSeconds, maxLeaseWaits } = deps.settings;
  if (waits > maxLeaseWaits) {
    const reason = `the workload's lease stayed held through ${maxLeaseWaits} looks: given up`;
    await recordScaleStep(deps, cause, ctx.at, {
      action: 'scale.refuse',
      outcome: 'refused',
      code: 'lease-held',
      reason,
    });
    return { outcome: 'refused', code: 'lease-held' };
  }
  const now = deps.now();
  const dueAt = new Date(now.getTime() + leaseWaitSeconds * 1000).toISOString();
  const check = scaleCheck(
    {
      cluster: ctx.cluster.name,
      workload: ctx.key.workload,
      signal,
      cause: look?.cause ?? cause.id,
      attempt: (look?.attempt ?? 0) + 1,
      waits,
      dueAt,
      ...(look?.raise ? { raise: look.raise } : {}),
      ...(look?.startsAt || event.type === 'hpa.threshold.hit'
        ? { startsAt: look?.startsAt ?? (event as HpaThresholdHit).data.startsAt }
        : {}),
    },
    now,
  );
  await deps.enqueue(check, { delaySeconds: leaseWaitSeconds });
  const reason = `the workload's lease is held (a release in flight, or another step): looked at again in ${leaseWaitSeconds}s`;
  await recordScaleStep(deps, cause, ctx.at, { action: 'scale.wait', outcome: 'pending', code: 'lease-held', reason });
  return { outcome: 'pending', code: 'lease-held' };
};
