import type { Autoscaling } from '../apps/autoscaling.ts';
import { InvalidInputError } from '../errors.ts';

// The flags' reading is shared with the chat edge's `/capstan scale` (lib/requests/scale-mode.ts).
export { forSeconds, type ScaleFlags, type ScaleMode, scaleMode } from '../requests/scale-mode.ts';

/** The spec's scaling with its defaults made explicit: what the override decision works with. */
export interface EffectiveScaling {
  readonly hpa: boolean;
  readonly min: number;
  readonly max: number;
  readonly cpuTarget: number;
  readonly cooldownSeconds: number;
  /** The highest ceiling an override may set: the spec's burstMax, else its max. */
  readonly burstMax: number;
  /** How far one raise goes: the spec's burstStep, else half of max (at least one). */
  readonly burstStep: number;
  readonly burstForSeconds: number;
}

export const effectiveScaling = (a: Autoscaling): EffectiveScaling => ({
  hpa: a.hpa,
  min: a.min,
  max: a.max,
  cpuTarget: a.cpuTarget,
  cooldownSeconds: a.cooldown,
  burstMax: a.burstMax ?? a.max,
  burstStep: Math.max(1, a.burstStep ?? Math.ceil(a.max / 2)),
  burstForSeconds: a.burstFor,
});

/**
 * A manual ceiling within the spec's bounds, as the scaling use case also checks (lib/scale/decisions/
 * manual.ts): the spec's max to burstMax. Said here with the bound so a person does not wait for a refusal
 * in the history.
 */
export const checkManualMax = (max: number, spec: EffectiveScaling, where: string): void => {
  if (max >= spec.max && max <= spec.burstMax) return;
  throw new InvalidInputError('cannot scale', [
    `--max ${max} is outside ${spec.max}..${spec.burstMax} (${where}: max ${spec.max}, burstMax ${spec.burstMax}${spec.burstMax === spec.max ? ', the spec sets no burstMax above max' : ''}; a lower ceiling is a change to the app spec)`,
  ]);
};
