import { ConflictError } from '../errors.ts';
import type { ChatMessageRecord, NotifyDeps } from './ports.ts';

/** A claim older than this is from a notifier that died between claiming and posting: taken over. */
export const CLAIM_SECONDS = 60;

/**
 * Posts a message under a claim on `key` (lib/store/chat-messages.ts), so two notices never post two: a
 * fresh claim of another notice is a conflict (retried later), a stale one is taken over, and a post that
 * failed gives its claim up so the retry may post at once.
 */
export const postClaimed = async (
  deps: Pick<NotifyDeps, 'messages' | 'now'>,
  key: string,
  record: ChatMessageRecord | undefined,
  chat: 'slack' | 'mattermost',
  post: () => Promise<{ channel: string; ts: string }>,
): Promise<{ channel: string; ts: string }> => {
  const now = deps.now();
  const stale = record && now.getTime() - Date.parse(record.claimedAt) > CLAIM_SECONDS * 1000;
  if (record && !stale) throw new ConflictError(`the message of ${key} is being posted by another notice`);
  const claimedAt = now.toISOString();
  if (!(await deps.messages.claim(key, claimedAt, record?.claimedAt))) {
    throw new ConflictError(`another notice claimed the message of ${key} first`);
  }
  const posted = await post().catch(async (error: unknown) => {
    await deps.messages.unclaim(key, claimedAt);
    throw error;
  });
  await deps.messages.posted(key, posted.channel, posted.ts, chat);
  return posted;
};
