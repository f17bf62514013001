import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { NameSchema } from '../../../events/envelope.ts';

/**
 * Mattermost's integration actions carry no signature: the button's `integration.context` comes back in the
 * POST as it was posted. capstan therefore puts its own MAC in the context, over the approval and the vote,
 * keyed by a key derived from the chat secret's `actionKey` (one key per purpose). The MAC proves capstan made
 * the button; the voter is the POSTing user (user_id + team_id), never anything from the context.
 */
export const ActionContextSchema = z.strictObject({
  approval: z.strictObject({ app: NameSchema, environment: NameSchema, id: z.string().min(1).max(256) }),
  vote: z.enum(['approve', 'reject']),
  mac: z.string().regex(/^[0-9a-f]{64}$/),
});
export type ActionContext = z.infer<typeof ActionContextSchema>;
type Unsigned = Omit<ActionContext, 'mac'>;

const derived = (actionKey: string) => createHmac('sha256', actionKey).update('capstan/mattermost-actions/v1').digest();

/** The canonical string: a JSON array, so no field can run into the next. */
const canonical = (c: Unsigned) => JSON.stringify([c.approval.app, c.approval.environment, c.approval.id, c.vote]);

export const actionMac = (actionKey: string, c: Unsigned): string =>
  createHmac('sha256', derived(actionKey)).update(canonical(c)).digest('hex');

export type ContextVerdict =
  | { readonly ok: true; readonly context: ActionContext }
  | { readonly ok: false; readonly reason: string };

/** The context as Mattermost echoes it: its shape, then its MAC compared in constant time. */
export const verifyActionContext = (actionKey: string | undefined, context: unknown): ContextVerdict => {
  if (!actionKey)
    return { ok: false, reason: 'Mattermost buttons are not configured: the chat secret has no actionKey' };
  const parsed = ActionContextSchema.safeParse(context);
  if (!parsed.success) return { ok: false, reason: 'the button context is not one capstan made' };
  const expected = Buffer.from(actionMac(actionKey, parsed.data), 'hex');
  const given = Buffer.from(parsed.data.mac, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: "the button context does not carry capstan's MAC" };
  return { ok: true, context: parsed.data };
};

/** The Approve and Reject buttons of an approval message (a Mattermost attachment's `actions`), MAC'd. */
export const approvalButtons = (
  actionKey: string,
  actionsUrl: string,
  approval: ActionContext['approval'],
): { id: string; name: string; style: string; integration: { url: string; context: ActionContext } }[] =>
  (['approve', 'reject'] as const).map((vote) => ({
    id: vote,
    name: vote === 'approve' ? 'Approve' : 'Reject',
    style: vote === 'approve' ? 'success' : 'danger',
    integration: { url: actionsUrl, context: { approval, vote, mac: actionMac(actionKey, { approval, vote }) } },
  }));
