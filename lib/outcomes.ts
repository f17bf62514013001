import { z } from 'zod';

/** How a step of the history ended: the vocabulary the history, its readers and their filters share. */
export const OutcomeSchema = z.enum([
  'accepted',
  'pending',
  'created',
  'configured',
  'unchanged',
  'skipped',
  'progressing',
  'succeeded',
  'failed',
  'refused',
  'superseded',
]);
export type Outcome = z.infer<typeof OutcomeSchema>;
