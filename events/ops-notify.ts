import { z } from 'zod';
import { envelope, NameSchema } from './envelope.ts';
import { DateTimeSchema, SubdomainSchema, text } from './fields.ts';

/**
 * What healing and scaling did that people want to hear of (internal): a node proven lost and fenced, one
 * waiting for a person, one restored or deleted; an RBD image freed or not; a workload's ceiling raised, put
 * back or left as it was (a raise or a put-back refused). Unlike chat.notify it tells one step, not a request's whole story: the step is a fact of the
 * history (the healing and scaling domains send it right after recording that step), and it is posted once,
 * to the app's `notify.slack.channel` (scaling of an app's workload) or the environment's
 * (`capstan env set <env> --notify-channel`).
 */
export const OpsNotifyWhatSchema = z.enum([
  'node-lost',
  'node-awaiting-approval',
  'node-fenced',
  'node-fence-failed',
  'node-returned',
  'node-restored',
  'node-deleted',
  'image-freed',
  'image-not-freed',
  'scale-raised',
  'scale-reverted',
  'scale-refused',
]);
export type OpsNotifyWhat = z.infer<typeof OpsNotifyWhatSchema>;

export const OpsNotifyDataSchema = z.strictObject({
  what: OpsNotifyWhatSchema,
  environment: NameSchema.optional(),
  cluster: NameSchema,
  node: SubdomainSchema.optional(),
  /** `pool/image`. */
  image: text(300).optional(),
  /** The app whose workload was scaled, when one runs it. */
  app: NameSchema.optional(),
  /** `namespace/Kind/name`. */
  workload: text(600).optional(),
  /** The step's reason code (lib/reasons.ts) and words, as the history has them. */
  code: text(64).optional(),
  reason: text(2000),
  /** A ceiling's change: from, to, until when, and who asked (`alert:…`, `person:…`). */
  from: z.int().min(0).optional(),
  to: z.int().min(0).optional(),
  until: DateTimeSchema.optional(),
  by: text(300).optional(),
  /** When the step was taken, and the event it answered (the history entry's eventId). */
  at: DateTimeSchema,
  cause: text(256),
});

export const OpsNotifyEventSchema = envelope('ops.notify', OpsNotifyDataSchema);
export type OpsNotifyData = z.infer<typeof OpsNotifyDataSchema>;
export type OpsNotify = z.infer<typeof OpsNotifyEventSchema>;
