import { createHash, timingSafeEqual } from 'node:crypto';
import { header } from '../headers.ts';

export type MattermostVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly code: 'unauthorized' | 'bad-signature'; readonly reason: string };

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Mattermost's slash command sends its token as `Authorization: Token <token>`. Mattermost signs nothing and
 * sends no timestamp: there is no replay window to enforce, so a captured request can be sent again (its event
 * id is derived from trigger_id, so a replay is the same event, which the consumers dedupe). The token is
 * compared as SHA-256 digests in constant time: equal lengths whatever was sent. No token configured means
 * capstan serves no Mattermost: every request is refused.
 */
export const verifyMattermostToken = (
  headers: Readonly<Record<string, string | undefined>>,
  commandToken: string | undefined,
): MattermostVerdict => {
  if (!commandToken)
    return {
      ok: false,
      code: 'unauthorized',
      reason: 'Mattermost is not configured: the chat secret has no mattermost.commandToken',
    };
  const given = /^Token\s+(\S+)$/i.exec(header(headers, 'authorization') ?? '')?.[1];
  if (given === undefined)
    return { ok: false, code: 'bad-signature', reason: 'Authorization: Token <token> is required' };
  if (!timingSafeEqual(digest(given), digest(commandToken)))
    return { ok: false, code: 'bad-signature', reason: 'the token is not the slash command token' };
  return { ok: true };
};
