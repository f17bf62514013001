import type { ScaleCheckData } from '../../../events/index.ts';
import { ConflictError } from '../../errors.ts';
import type { ScaleOverride } from '../../store/scale-overrides.ts';
import { type ManualAsk, manualVerdict } from '../decisions/manual.ts';
import { type ScalingSignal, type ScalingVerdict, scalingVerdict } from '../decisions/override.ts';
import { scalingSpecOf } from '../decisions/signal.ts';
import type { ScaleDeps } from '../ports.ts';
import { delayUntil, scaleCheck } from '../render/events.ts';
import { setCeiling } from './ceiling.ts';
import { observe } from './observe.ts';
import { type Cause, recordScaleStep, type ScaleStep } from './record.ts';
import type { WorkloadContext } from './target.ts';

/** What a step is asked: an alert's (or a look's) signal, or a person's ask. `by` is who raises, if it raises. */
export type StepInput =
  | {
      readonly kind: 'signal';
      readonly signal: ScalingSignal;
      readonly by: string;
      /** When the alert episode began (its `startsAt`). */
      readonly startsAt?: string;
      readonly look?: ScaleCheckData;
    }
  | { readonly kind: 'manual'; readonly ask: ManualAsk; readonly by: string };

export type StepResult = { readonly outcome: string; readonly code?: string };

/**
 * One step on one workload, under its lease (./scale.ts): read it fresh, ask the decision, carry the verdict
 * out and record it. The record is written before the cluster, so a redelivery of the step that raised (or
 * reverted) finds its own record and writes the cluster again instead of judging its own raise a cooldown.
 */
export const scaleStep = async (
  deps: ScaleDeps,
  ctx: WorkloadContext,
  cause: Cause,
  input: StepInput,
): Promise<StepResult> => {
  const record = (step: ScaleStep) => recordScaleStep(deps, cause, ctx.at, step);
  const observed = await observe(deps, ctx);
  if ('missing' in observed) {
    await record({ action: 'scale.refuse', outcome: 'refused', code: 'not-found', reason: observed.missing });
    return { outcome: 'refused', code: 'not-found' };
  }
  const { seen, hpa } = observed;
  const current = observed.record;
  if (current?.state === 'active' && current.eventId === cause.id)
    return raised(deps, ctx, cause, current, seen.currentMax);
  if (current?.state === 'reverted' && current.revertEventId === cause.id) {
    return reverted(deps, ctx, cause, current, seen.currentMax);
  }
  const stale = input.kind === 'signal' ? staleness(input, current, hpa) : undefined;
  if (stale) {
    await record({ action: 'scale.ignore', outcome: 'skipped', ...stale });
    return { outcome: 'skipped', code: stale.code };
  }
  const look = input.kind === 'signal' ? input.look : undefined;
  const spec = scalingSpecOf(ctx.autoscaling);
  const verdict: ScalingVerdict =
    input.kind === 'manual' ? manualVerdict(input.ask, seen, spec) : scalingVerdict(input.signal, seen, spec);
  const now = deps.now().toISOString();

  if (verdict.action === 'raise') {
    const next: Omit<ScaleOverride, 'version'> = {
      cluster: ctx.cluster.name,
      workload: ctx.key.workload,
      app: ctx.app.name,
      environment: ctx.environment,
      ...(ctx.autoscaling.hpa ? { hpa: ctx.app.name } : {}),
      specMax: spec.max,
      max: verdict.to,
      state: 'active',
      // The cooldown counts from each raise, a raise on top of one in force included.
      raisedAt: now,
      endsAt: verdict.expiresAt,
      by: input.by,
      eventId: cause.id,
      ...(input.kind === 'signal'
        ? {
            lastSignal: 'firing' as const,
            lastSignalAt: now,
            ...(input.startsAt ? { alertStartsAt: input.startsAt } : {}),
          }
        : {}),
      reason: verdict.reason,
      updatedAt: now,
    };
    await save(deps, next, current);
    return raised(deps, ctx, cause, { ...next, version: 0 }, seen.currentMax, seen.quotaRoom);
  }
  if (verdict.action === 'revert') {
    if (!current) throw new ConflictError('a revert without a record'); // the decision reverts only what is recorded
    const next: Omit<ScaleOverride, 'version'> = {
      ...withoutVersion(current),
      state: 'reverted',
      revertedAt: now,
      revertEventId: cause.id,
      ...(input.kind === 'signal' && input.signal === 'resolved'
        ? { lastSignal: 'resolved' as const, lastSignalAt: now }
        : {}),
      specMax: verdict.to,
      reason: verdict.reason,
      updatedAt: now,
    };
    await save(deps, next, current);
    return reverted(deps, ctx, cause, { ...next, version: 0 }, seen.currentMax);
  }

  const action =
    verdict.code === 'cooldown'
      ? 'scale.hold'
      : ['no-override', 'settled'].includes(verdict.code)
        ? 'scale.ignore'
        : 'scale.refuse';
  const outcome = action === 'scale.refuse' ? 'refused' : 'skipped';
  const later = verdict.lookAgainAfterSeconds;
  if (current && input.kind === 'signal' && (!look || look.waits !== undefined) && input.signal !== 'expired') {
    // The latest word of the alert, so a look held before it knows it has been overtaken.
    await save(
      deps,
      { ...withoutVersion(current), lastSignal: input.signal, lastSignalAt: now, updatedAt: now },
      current,
    );
  }
  await record({ action, outcome, code: verdict.code, reason: verdict.reason, details: { ceiling: seen.currentMax } });
  if (later !== undefined && input.kind === 'signal' && current) {
    // Held through the cooldown: looked at again when it ends (a resolve then reverts, a firing raises).
    const dueAt = new Date(deps.now().getTime() + later * 1000).toISOString();
    const check = scaleCheck(
      {
        cluster: ctx.cluster.name,
        workload: ctx.key.workload,
        signal: input.signal,
        cause: look?.cause ?? cause.id,
        attempt: (look?.attempt ?? 0) + 1,
        dueAt,
        raise: current.eventId,
        ...(input.startsAt ? { startsAt: input.startsAt } : {}),
      },
      deps.now(),
    );
    await deps.enqueue(check, { delaySeconds: delayUntil(dueAt, deps.now()) });
  }
  return { outcome, code: verdict.code };
};

/**
 * Why a signal is no longer the one to act on, if it is not: a person's override in force (only its expiry
 * or a person's revert ends it); a resolve of an alert episode older than the one that made the raise (a
 * late or out-of-order delivery); a held look overtaken by a later word of the alert, or about a raise no
 * longer in force; a firing look that finds the HPA below its ceiling.
 */
const staleness = (
  input: Extract<StepInput, { kind: 'signal' }>,
  current: ScaleOverride | undefined,
  hpa: { currentReplicas: number; maxReplicas: number } | undefined,
): { code: 'settled' | 'not-at-ceiling'; reason: string } | undefined => {
  const { signal, look } = input;
  const active = current?.state === 'active' ? current : undefined;
  if (active?.by.startsWith('person:') && signal !== 'expired') {
    return { code: 'settled', reason: `${active.by}'s override is in force until ${active.endsAt}: alerts leave it` };
  }
  if (signal === 'resolved' && input.startsAt && active?.alertStartsAt && input.startsAt < active.alertStartsAt) {
    return {
      code: 'settled',
      reason: `a resolve of an alert that began ${input.startsAt}, before the one that raised`,
    };
  }
  // A hold's look (a wait for the lease carries `waits`, and is the signal itself, late).
  const held = look !== undefined && look.waits === undefined;
  if (held && signal !== 'expired' && current?.lastSignal && current.lastSignal !== signal) {
    return {
      code: 'settled',
      reason: `the alert said ${current.lastSignal} since this look was held: it is overtaken`,
    };
  }
  if (look?.raise && signal !== 'firing' && current?.eventId !== look.raise) {
    return { code: 'settled', reason: `the override this look is about (${look.raise}) is no longer in force` };
  }
  if (look?.raise && signal !== 'firing' && current?.state !== 'active') {
    return { code: 'settled', reason: `the override this look is about (${look.raise}) has been put back` };
  }
  if (look && signal === 'firing' && hpa && hpa.currentReplicas < hpa.maxReplicas) {
    return {
      code: 'not-at-ceiling',
      reason: `looked at again: ${hpa.currentReplicas} replicas, below the ceiling ${hpa.maxReplicas}`,
    };
  }
  return undefined;
};

const withoutVersion = ({ version: _, ...rest }: ScaleOverride): Omit<ScaleOverride, 'version'> => rest;

const save = async (deps: ScaleDeps, next: Omit<ScaleOverride, 'version'>, current: ScaleOverride | undefined) => {
  if (!(await deps.store.overrides.save(next, current?.version))) {
    throw new ConflictError(`the override of ${next.cluster}/${next.workload.name} changed meanwhile`);
  }
};

/** The raise carried out (again, on a redelivery): the ceiling set, the step recorded, its expiry sent. */
const raised = async (
  deps: ScaleDeps,
  ctx: WorkloadContext,
  cause: Cause,
  override: ScaleOverride,
  from: number,
  quotaRoom?: number,
): Promise<StepResult> => {
  const change = await setCeiling(ctx, override.max);
  const outcome = change === 'changed' ? 'configured' : 'unchanged';
  await recordScaleStep(deps, cause, ctx.at, {
    action: 'scale.raise',
    outcome,
    reason: override.reason,
    details: {
      from,
      to: override.max,
      endsAt: override.endsAt,
      by: override.by,
      ...(quotaRoom !== undefined ? { quotaRoom } : {}),
    },
  });
  const look = { cluster: ctx.cluster.name, workload: ctx.key.workload, signal: 'expired' as const };
  const check = scaleCheck(
    { ...look, cause: override.eventId, attempt: 0, dueAt: override.endsAt, raise: override.eventId },
    deps.now(),
  );
  await deps.enqueue(check, { delaySeconds: delayUntil(override.endsAt, deps.now()) });
  return { outcome };
};

/** The revert carried out (again, on a redelivery): the spec's ceiling back, the step recorded. */
const reverted = async (
  deps: ScaleDeps,
  ctx: WorkloadContext,
  cause: Cause,
  override: ScaleOverride,
  from: number,
): Promise<StepResult> => {
  const change = await setCeiling(ctx, override.specMax);
  const outcome = change === 'changed' ? 'configured' : 'unchanged';
  await recordScaleStep(deps, cause, ctx.at, {
    action: 'scale.revert',
    outcome,
    reason: override.reason,
    details: { from, to: override.specMax, raisedAt: override.raisedAt, by: override.by },
  });
  return { outcome };
};
