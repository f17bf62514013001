import { ErrorCode, WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SlackStandIn, startSlackStandIn } from '../support/slack-api.ts';

// The stand-in is only worth something if Slack's own client talks to it unchanged: these drive it with the
// real WebClient (retries off, as capstan's notify function runs it).

const botToken = 'xoxb-stand-in-test';
let slack: SlackStandIn;
const client = (token = botToken) =>
  new WebClient(token, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });

beforeAll(async () => {
  slack = await startSlackStandIn({ botToken, channels: ['deploys', 'C0000000099'] });
});
afterAll(() => slack.close());

const platformError = async (p: Promise<unknown>) => {
  const e = (await p.then(
    () => undefined,
    (err: unknown) => err,
  )) as { code?: string; data?: { ok: boolean; error: string } };
  expect(e?.code).toBe(ErrorCode.PlatformError);
  return e.data?.error;
};

describe('Slack Web API stand-in', () => {
  it('refuses a wrong token with invalid_auth and records nothing', async () => {
    expect(await platformError(client('xoxb-wrong').chat.postMessage({ channel: 'deploys', text: 'hi' }))).toBe(
      'invalid_auth',
    );
    expect(slack.messages()).toEqual([]);
  });

  it('posts a message with JSON-encoded blocks, then updates that same message', async () => {
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*web* to prod' } }];
    const posted = await client().chat.postMessage({ channel: '#deploys', text: 'web to prod', blocks });
    expect(posted.ok).toBe(true);
    expect(posted.channel).toMatch(/^C/);
    expect(posted.message?.text).toBe('web to prod');
    const ts = posted.ts as string;

    const second = await client().chat.postMessage({ channel: 'deploys', text: 'another' });
    expect(second.ts).not.toBe(ts);
    expect(second.channel).toBe(posted.channel);

    const updated = await client().chat.update({ channel: posted.channel as string, ts, text: 'web is Ready' });
    expect(updated).toMatchObject({ ok: true, channel: posted.channel, ts, text: 'web is Ready' });

    const [first] = slack.messages().filter((m) => m.ts === ts);
    expect(first).toMatchObject({ channel: posted.channel, channelName: 'deploys', ts, text: 'web is Ready' });
    expect(first?.versions).toEqual([{ text: 'web to prod', blocks }, { text: 'web is Ready' }]);
    expect(slack.calls().every((c) => !('token' in c.args))).toBe(true);
  });

  it('answers the documented errors: unknown channel, unknown message, bad blocks', async () => {
    expect(await platformError(client().chat.postMessage({ channel: 'elsewhere', text: 'x' }))).toBe(
      'channel_not_found',
    );
    expect(await platformError(client().chat.update({ channel: 'C0000000099', ts: '1.000001', text: 'x' }))).toBe(
      'message_not_found',
    );
    expect(
      await platformError(
        client().apiCall('chat.postMessage', { channel: 'deploys', text: 'x', blocks: '[{"text":1}]' }),
      ),
    ).toBe('invalid_blocks');
  });

  it('lists a user group the test configured, and no_such_subteam for another', async () => {
    slack.setUsergroup('S0RELEASERS', ['U1', 'W2']);
    expect((await client().usergroups.users.list({ usergroup: 'S0RELEASERS' })).users).toEqual(['U1', 'W2']);
    expect(await platformError(client().usergroups.users.list({ usergroup: 'S0OTHER' }))).toBe('no_such_subteam');
  });

  it('plays scripted faults: a Slack error, then 429 and 503 as HTTP errors', async () => {
    slack.failNext('chat.postMessage', { error: 'ratelimited' });
    slack.failNext('chat.postMessage', { status: 429, retryAfter: 3 });
    slack.failNext('chat.postMessage', { status: 503 });
    const post = () => client().chat.postMessage({ channel: 'deploys', text: 'x' });
    expect(await platformError(post())).toBe('ratelimited');
    await expect(post()).rejects.toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 3 });
    await expect(post()).rejects.toMatchObject({ code: ErrorCode.HTTPError, statusCode: 503 });
    expect((await post()).ok).toBe(true);
  });

  it('records JSON posted to a response_url, five uses at most', async () => {
    const url = slack.responseUrl('cmd-1');
    const post = (body: unknown) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post({ response_type: 'ephemeral', replace_original: false, text: 'done' })).status).toBe(200);
    expect(slack.responses('cmd-1')).toEqual([{ response_type: 'ephemeral', replace_original: false, text: 'done' }]);
    expect((await fetch(url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' })).status).toBe(
      400,
    );
    for (let i = 0; i < 4; i++) await post({ text: `n${i}` });
    expect((await post({ text: 'sixth' })).status).toBe(404);
    expect(slack.responses('cmd-1')).toHaveLength(5);
    expect(slack.responses('other')).toEqual([]);
  });
});
