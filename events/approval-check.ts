import { z } from 'zod';
import { envelope, NameSchema } from './envelope.ts';
import { DateTimeSchema, text } from './fields.ts';

/**
 * capstan's own delayed look at an open approval (internal): when it is due it expires the approval if no
 * quorum or reject ended it first. SQS delays at most 15 minutes, so a 24 h expiry is a chain of looks, each
 * sent again until `dueAt` (as lib/scale/render/events.ts does for an override's end).
 */
export const ApprovalCheckDataSchema = z.strictObject({
  app: NameSchema,
  environment: NameSchema,
  approval: text(256),
  dueAt: DateTimeSchema,
});

export const ApprovalCheckEventSchema = envelope('approval.check', ApprovalCheckDataSchema);
export type ApprovalCheckData = z.infer<typeof ApprovalCheckDataSchema>;
export type ApprovalCheck = z.infer<typeof ApprovalCheckEventSchema>;
