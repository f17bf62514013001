import type { OpsNotify } from '../../events/index.ts';
import { OpsNotifyEventSchema } from '../../events/ops-notify.ts';
import { messageOf } from '../errors.ts';
import type { Enqueue } from '../queue/send.ts';

/**
 * Tells people of a step of healing or scaling, best effort: the step has been taken and recorded, and its
 * state change is what keeps a redelivery from taking it twice, so a notice that cannot be sent must not
 * fail the message (the retry would find the step done and tell nothing anyway, and would hold up the
 * look that follows). A notice not sent is logged with its id; the history has the step.
 */
export type Tell = (notice: OpsNotify) => Promise<void>;

export type Warn = (message: string, fields: Record<string, unknown>) => void;

export const tellVia =
  (enqueue: Enqueue, warn: Warn): Tell =>
  async (notice) => {
    const checked = OpsNotifyEventSchema.safeParse(notice);
    if (!checked.success) {
      warn('notice not sent: it does not fit ops.notify', { id: notice.id, issue: checked.error.issues[0]?.message });
      return;
    }
    try {
      await enqueue(checked.data);
    } catch (error) {
      warn('notice not sent', { id: notice.id, what: notice.data.what, error: messageOf(error) });
    }
  };
