import { ChatRefusedError, ChatUnavailableError, messageOf } from '../errors.ts';
import type { MattermostPost } from './render-mattermost.ts';

/**
 * Mattermost's REST API v4 (https://api.mattermost.com/): the bot posts the request's message and edits it.
 * Throws ChatUnavailableError (retryable: 429, 5xx, unreachable) or ChatRefusedError (terminal: a bad token,
 * a channel the bot is not in, a post that is gone).
 */
export interface MattermostPort {
  /** POST /api/v4/posts; `ts` is the post id (what the message record keeps). */
  post(token: string, channel: string, post: MattermostPost): Promise<{ channel: string; ts: string }>;
  /** PUT /api/v4/posts/{id}: the message and its attachments replaced. */
  update(token: string, postId: string, post: MattermostPost): Promise<void>;
}

const WHY: Record<number, string> = {
  401: 'the bot token is not valid (check mattermost.botToken in the chat secret)',
  403: 'the bot may not post there (add it to the team and the channel)',
  404: 'the channel or the message does not exist (or the bot cannot see it)',
};

/** The API at `baseUrl` (the server's site URL, e.g. https://chat.example.com), through fetch. */
export const mattermostApi = (baseUrl: string, fetchImpl: typeof fetch = fetch): MattermostPort => {
  const base = baseUrl.replace(/\/+$/, '');
  const call = async (method: string, path: string, token: string, body: unknown) => {
    const what = `Mattermost ${method} ${path.replace(/\/[a-z0-9]{26}$/, '/{id}')}`;
    let response: Response;
    try {
      response = await fetchImpl(`${base}/api/v4${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(5000),
      });
    } catch (error) {
      throw new ChatUnavailableError(`${what} could not be reached: ${messageOf(error).split('\n')[0]}`);
    }
    const text = await response.text();
    if (response.status === 429 || response.status >= 500) {
      throw new ChatUnavailableError(`${what}: HTTP ${response.status}`);
    }
    if (!response.ok) {
      // Mattermost's error body: {id: 'api.post.create_post.channel_not_found.app_error', message, ...}.
      const id = errorId(text);
      const why = WHY[response.status];
      throw new ChatRefusedError(
        `Mattermost refused ${method}: HTTP ${response.status}${id ? ` ${id}` : ''}${why ? ` (${why})` : ''}`,
      );
    }
    return parse(text);
  };
  return {
    post: async (token, channel, post) => {
      const answer = await call('POST', '/posts', token, { channel_id: channel, ...post });
      const id = typeof answer?.id === 'string' ? answer.id : undefined;
      if (!id) throw new ChatUnavailableError('Mattermost POST /posts answered without a post id');
      return { channel: typeof answer?.channel_id === 'string' ? answer.channel_id : channel, ts: id };
    },
    update: async (token, postId, post) => {
      await call('PUT', `/posts/${encodeURIComponent(postId)}`, token, { id: postId, ...post });
    },
  };
};

const parse = (text: string): Record<string, unknown> | undefined => {
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

const errorId = (text: string): string | undefined => {
  const id = parse(text)?.id;
  return typeof id === 'string' && /^[a-z0-9_.]{1,128}$/.test(id) ? id : undefined;
};
