import { ErrorCode, WebClient } from '@slack/web-api';
import { ChatRefusedError, ChatUnavailableError, messageOf } from '../errors.ts';
import type { ChatMessage, SlackPort } from './ports.ts';

// Slack errors that heal by waiting; every other `ok: false` is a refusal retrying cannot change.
const TRANSIENT = new Set([
  'ratelimited',
  'rate_limited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

const WHY: Record<string, string> = {
  invalid_auth: 'the bot token is not valid (check slack.botToken in the chat secret)',
  not_authed: 'no bot token was sent',
  account_inactive: "the bot token's app or workspace was deactivated",
  token_revoked: 'the bot token was revoked',
  channel_not_found: 'the channel does not exist or the bot cannot see it (check notify.slack.channel)',
  not_in_channel: 'the bot is not a member of the channel (invite it)',
  is_archived: 'the channel is archived',
  message_not_found: 'the message to update is gone (deleted in Slack)',
  cant_update_message: 'the message was not posted by this bot',
  invalid_blocks: 'Slack refused the message blocks',
};

/**
 * Slack's Web API through `@slack/web-api`, at `apiUrl` (CAPSTAN_SLACK_API_URL, for a local stand-in) or
 * slack.com. The client's own retries are off: a retryable failure is thrown, and the queue retries the
 * notice, so no function waits out a rate limit.
 */
export const slackWebApi = (apiUrl?: string, fetchImpl: typeof fetch = fetch): SlackPort => {
  const clients = new Map<string, WebClient>();
  const client = (token: string) => {
    let c = clients.get(token);
    if (!c) {
      c = new WebClient(token, {
        ...(apiUrl ? { slackApiUrl: apiUrl } : {}),
        retryConfig: { retries: 0 },
        rejectRateLimitedCalls: true,
        timeout: 5000,
      });
      clients.set(token, c);
    }
    return c;
  };
  const call = async <T>(method: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw translate(method, error);
    }
  };
  return {
    post: (token, channel, m) =>
      call('chat.postMessage', async () => {
        const answer = await client(token).chat.postMessage({ channel, ...body(m) });
        return { channel: answer.channel ?? channel, ts: answer.ts as string };
      }),
    update: (token, channel, ts, m) =>
      call('chat.update', async () => {
        await client(token).chat.update({ channel, ts, ...body(m) });
      }),
    respond: async (responseUrl, text) => {
      let response: Response;
      try {
        response = await fetchImpl(responseUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ response_type: 'ephemeral', replace_original: false, text }),
          signal: AbortSignal.timeout(5000),
        });
      } catch (error) {
        // The URL is a capability: the error's words never include it.
        // Not the error's own words: a URL that fails to parse is quoted in them.
        const code = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
        throw new ChatUnavailableError(`the response_url could not be reached (${code})`);
      }
      if (response.status === 429 || response.status >= 500) {
        throw new ChatUnavailableError(`the response_url answered ${response.status}`);
      }
      // Used up or expired (Slack allows five uses in 30 minutes): the summary is lost, not retried.
      if (!response.ok) throw new ChatRefusedError(`the response_url answered ${response.status}`);
    },
  };
};

// `blocks` typed loosely on purpose: they are rendered as plain JSON (lib/notify/render.ts).
const body = (m: ChatMessage) => ({ text: m.text, blocks: m.blocks as never[] });

const translate = (method: string, error: unknown): Error => {
  const e = error as { code?: string; data?: { error?: string }; statusCode?: number; retryAfter?: number };
  switch (e.code) {
    case ErrorCode.PlatformError: {
      const code = e.data?.error ?? 'unknown';
      if (TRANSIENT.has(code)) return new ChatUnavailableError(`Slack ${method}: ${code}`);
      return new ChatRefusedError(`Slack refused ${method}: ${code}${WHY[code] ? ` (${WHY[code]})` : ''}`);
    }
    case ErrorCode.RateLimitedError:
      return new ChatUnavailableError(`Slack ${method}: rate limited, retry after ${e.retryAfter} s`);
    case ErrorCode.HTTPError:
      return (e.statusCode ?? 500) >= 500
        ? new ChatUnavailableError(`Slack ${method}: HTTP ${e.statusCode}`)
        : new ChatRefusedError(`Slack refused ${method}: HTTP ${e.statusCode}`);
    default:
      return new ChatUnavailableError(`Slack ${method} could not be reached: ${messageOf(error).split('\n')[0]}`);
  }
};
