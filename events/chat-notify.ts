import { z } from 'zod';
import { envelope, NameSchema } from './envelope.ts';
import { text } from './fields.ts';

/**
 * Something people follow changed (internal): a release was accepted or refused, a wave became Ready, it
 * succeeded, failed or was rolled back; an approval was opened, voted on, granted, rejected or expired. The
 * notifier (lib/notify) reads the current state from the table and renders the one message of that request
 * again, so a late or duplicated notice never shows an older state than the table's.
 *
 * `request` is the id of the deploy request (or rollback) the message follows: releases and approvals keep
 * it as their `eventId`.
 */
export const ChatNotifyDataSchema = z.strictObject({
  app: NameSchema,
  environment: NameSchema,
  request: text(256),
  /** The release, once there is one. */
  revision: z.int().min(1).optional(),
  /** What happened, for the notice's own line; the message itself is rendered from the table. */
  what: z.enum([
    'accepted',
    'refused',
    'approval-opened',
    'approval-voted',
    'approval-granted',
    'approval-rejected',
    'approval-expired',
    'approval-superseded',
    'wave-ready',
    'succeeded',
    'failed',
    'rolled-back',
  ]),
  wave: z.int().min(0).optional(),
});

export const ChatNotifyEventSchema = envelope('chat.notify', ChatNotifyDataSchema);
export type ChatNotifyData = z.infer<typeof ChatNotifyDataSchema>;
export type ChatNotify = z.infer<typeof ChatNotifyEventSchema>;
