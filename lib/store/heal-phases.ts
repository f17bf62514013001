import { z } from 'zod';

// Pure vocabulary of heal records (./heals.ts), which the healing domain may use through ./ports.ts.

/**
 * Where healing a lost node stands (issue 10): suspected, perhaps waiting for a person, fenced the
 * Kubernetes way (lib/heal/decisions/fencing.ts), then recovered (lib/heal/decisions/recovery.ts).
 * `restored` and `cancelled` end it; any other phase is active, and a node has at most one active record.
 */
export const HealPhaseSchema = z.enum([
  'suspected',
  'awaiting-approval',
  'fencing',
  'fenced',
  'recovering',
  'restored',
  'cancelled',
]);
export type HealPhase = z.infer<typeof HealPhaseSchema>;

/** The phases that end a heal: a node in one of them may be suspected afresh. */
export const SETTLED_HEAL_PHASES: readonly HealPhase[] = ['restored', 'cancelled'];

export const isActiveHeal = (phase: HealPhase): boolean => !SETTLED_HEAL_PHASES.includes(phase);

/** observe: only say so; approve: wait for a person before fencing; auto: fence on its own. */
export const HealModeSchema = z.enum(['observe', 'approve', 'auto']);
export type HealMode = z.infer<typeof HealModeSchema>;
