import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatNotify } from '../../events/chat-notify.ts';
import type { OpsNotify } from '../../events/ops-notify.ts';
import { ChatRefusedError, ChatUnavailableError, ConflictError } from '../../lib/errors.ts';
import { notifyOps } from '../../lib/notify/notify-ops.ts';
import { notifyRequest } from '../../lib/notify/notify-request.ts';
import { opsNotice } from '../../lib/notify/ops-event.ts';
import type { ChatMessage, ChatMessageRecord, NotifyDeps, SlackPort } from '../../lib/notify/ports.ts';
import { slackWebApi } from '../../lib/notify/slack.ts';
import { automaticRollbackId } from '../../lib/notify/state.ts';
import type { ChatOrigin } from '../../lib/store/chat-origins.ts';
import type { Release } from '../../lib/store/releases.ts';
import { aRelease } from '../support/releases.ts';
import { type SlackStandIn, startSlackStandIn } from '../support/slack-api.ts';

const NOW = new Date('2026-12-02T12:00:00.000Z');

/** The table and Slack behind the notifier's ports, in memory, for the test to steer and read. */
const world = () => {
  const releases: Release[] = [];
  const markers = new Map<string, number>();
  const records = new Map<string, ChatMessageRecord>();
  const origins = new Map<string, ChatOrigin>();
  const calls: { kind: 'post' | 'update' | 'respond'; target: string; message?: ChatMessage; text?: string }[] = [];
  let channel: string | undefined = 'C0DEPLOYS';
  let envChannel: string | undefined = 'C0OPS';
  let token: string | undefined = 'xoxb-test-token';
  let mattermost: { url?: string; botToken?: string } = { url: 'https://mm.example.com', botToken: 'mm-bot-token' };
  let onRead = () => {};
  const slack: SlackPort = {
    post: async (_t, ch, message) => {
      calls.push({ kind: 'post', target: ch, message });
      return { channel: ch, ts: `1.${calls.length}` };
    },
    update: async (_t, ch, ts, message) => {
      calls.push({ kind: 'update', target: `${ch}/${ts}`, message });
    },
    respond: async (url, text) => {
      calls.push({ kind: 'respond', target: url, text });
    },
  };
  const deps: NotifyDeps = {
    reads: {
      revisionOfEvent: async (_a, _e, id) => markers.get(id),
      release: async (_a, _e, revision) => {
        const read = structuredClone(releases.find((r) => r.revision === revision) as Release);
        onRead();
        return read;
      },
      recentReleases: async () => [...releases].reverse(),
      approval: async () => undefined,
      refusal: async () => undefined,
      notifyChannel: async () => channel,
      environmentChannel: async () => envChannel,
      origin: async (request) => origins.get(request),
    },
    messages: {
      get: async (request) => structuredClone(records.get(request)),
      claim: async (request, at, over) => {
        const r = records.get(request);
        if (over ? r?.claimedAt !== over || r.ts : r) return false;
        records.set(request, { request, claimedAt: at });
        return true;
      },
      unclaim: async (request, at) => {
        if (records.get(request)?.claimedAt === at && !records.get(request)?.ts) records.delete(request);
      },
      posted: async (request, ch, ts, chat) => {
        records.set(request, { ...(records.get(request) as ChatMessageRecord), channel: ch, ts, chat });
      },
      summarize: async (request, from, to) => {
        const r = records.get(request);
        if (!r || r.summary !== from) return false;
        records.set(request, { ...r, summary: to });
        return true;
      },
    },
    slack,
    botToken: async () => token,
    mattermost: {
      api: (url) => ({
        post: async (t, ch, post) => {
          calls.push({ kind: 'post', target: `${url} ${t} ${ch}`, text: post.props.attachments[0]?.fallback });
          return { channel: ch, ts: `post${calls.length}` };
        },
        update: async (t, id, post) => {
          calls.push({ kind: 'update', target: `${url} ${t} ${id}`, text: post.props.attachments[0]?.fallback });
        },
      }),
      credentials: async () => mattermost,
    },
    now: () => NOW,
    publicUrl: 'https://capstan.example.com',
    log: () => {},
  };
  const release = (r: Partial<Release>) => {
    const made = aRelease({ app: 'api', environment: 'production', ...r });
    const at = releases.findIndex((x) => x.revision === made.revision);
    if (at >= 0) releases[at] = made;
    else releases.push(made);
    markers.set(made.eventId, made.revision);
    return made;
  };
  return {
    deps,
    calls,
    records,
    origins,
    release,
    set channel(c: string | undefined) {
      channel = c;
    },
    set envChannel(c: string | undefined) {
      envChannel = c;
    },
    set token(t: string | undefined) {
      token = t;
    },
    set mattermost(m: { url?: string; botToken?: string }) {
      mattermost = m;
    },
    set onRead(f: () => void) {
      onRead = f;
    },
  };
};

const notice = (request: string, what: ChatNotify['data']['what'], id = `${request}-${what}`): ChatNotify => ({
  specversion: '1.0',
  id,
  type: 'chat.notify',
  source: 'capstan',
  time: NOW.toISOString(),
  subject: 'api/production',
  schemaversion: '1',
  data: { app: 'api', environment: 'production', request, what },
});

const origin = (request: string): ChatOrigin => ({
  request,
  chat: 'slack',
  workspace: 'T1',
  channel: 'C0ASKEDHERE',
  user: 'U1',
  responseUrl: 'https://hooks.slack.example/actions/T1/secret',
  at: NOW.toISOString(),
});

describe('notifyRequest', () => {
  it('posts the message once, then updates that same message on every later notice', async () => {
    const w = world();
    w.release({ eventId: 'req-1', revision: 7, status: 'progressing', waves: [['eu-1']] });
    expect(await notifyRequest(notice('req-1', 'accepted'), w.deps)).toMatchObject({
      outcome: 'posted',
      channel: 'C0DEPLOYS',
      ts: '1.1',
    });
    w.release({ eventId: 'req-1', revision: 7, status: 'succeeded', waves: [['eu-1']] });
    expect(await notifyRequest(notice('req-1', 'succeeded'), w.deps)).toMatchObject({ outcome: 'updated', ts: '1.1' });
    // A duplicate of an earlier notice, late: the same message again, with the table's state, not an older one.
    await notifyRequest(notice('req-1', 'accepted', 'another-id'), w.deps);
    expect(w.calls.map((c) => [c.kind, c.target, c.message?.text])).toEqual([
      ['post', 'C0DEPLOYS', 'api to production: r7 rolling out (wave 1 of 1)'],
      ['update', 'C0DEPLOYS/1.1', 'api to production: r7 succeeded'],
      ['update', 'C0DEPLOYS/1.1', 'api to production: r7 succeeded'],
    ]);
    expect(w.records.get('req-1')).toMatchObject({ channel: 'C0DEPLOYS', ts: '1.1' });
  });

  it('does nothing, without an error, with no bot token or no channel', async () => {
    const w = world();
    w.release({ eventId: 'req-1' });
    w.token = undefined;
    expect(await notifyRequest(notice('req-1', 'accepted'), w.deps)).toMatchObject({ outcome: 'skipped' });
    w.token = 'xoxb-test-token';
    w.channel = undefined;
    expect(await notifyRequest(notice('req-1', 'accepted'), w.deps)).toMatchObject({
      outcome: 'skipped',
      why: expect.stringContaining('no notify.slack.channel'),
    });
    expect(w.calls).toEqual([]);
  });

  it('a request made in Mattermost (no notify.slack.channel) is posted there by the bot, then edited by post id', async () => {
    const w = world();
    w.channel = undefined;
    w.origins.set('req-1', { ...origin('req-1'), chat: 'mattermost', workspace: 'team1', channel: 'chan1' });
    w.release({ eventId: 'req-1', revision: 7, status: 'progressing', waves: [['eu-1']] });
    expect(await notifyRequest(notice('req-1', 'accepted'), w.deps)).toMatchObject({
      outcome: 'posted',
      channel: 'chan1',
      ts: 'post1',
    });
    expect(w.records.get('req-1')).toMatchObject({ chat: 'mattermost', channel: 'chan1', ts: 'post1' });
    w.release({ eventId: 'req-1', revision: 7, status: 'succeeded', waves: [['eu-1']] });
    // The environment gets a Slack channel later: the message stays where it is.
    w.channel = 'C0DEPLOYS';
    expect(await notifyRequest(notice('req-1', 'succeeded'), w.deps)).toMatchObject({ outcome: 'updated' });
    expect(w.calls.filter((c) => c.kind !== 'respond').map((c) => [c.kind, c.target, c.text])).toEqual([
      ['post', 'https://mm.example.com mm-bot-token chan1', 'api to production: r7 rolling out (wave 1 of 1)'],
      ['update', 'https://mm.example.com mm-bot-token post1', 'api to production: r7 succeeded'],
    ]);

    const v = world();
    v.channel = undefined;
    v.mattermost = { url: 'https://mm.example.com' };
    v.origins.set('req-2', { ...origin('req-2'), chat: 'mattermost', workspace: 'team1', channel: 'chan1' });
    v.release({ eventId: 'req-2' });
    expect(await notifyRequest(notice('req-2', 'accepted'), v.deps)).toMatchObject({
      outcome: 'skipped',
      why: 'no Mattermost url and bot token in the chat secret',
    });
    expect(v.calls).toEqual([]);
  });

  it('posts where a chat request was made, and tells a terminal outcome once through its response_url', async () => {
    const w = world();
    w.channel = undefined;
    w.origins.set('req-1', origin('req-1'));
    w.release({ eventId: 'req-0', revision: 1, status: 'succeeded' });
    w.release({
      eventId: 'req-1',
      revision: 2,
      status: 'failed',
      statusReason: { code: 'rollout-failed', reason: 'halted' },
    });
    await notifyRequest(notice('req-1', 'failed'), w.deps);
    await notifyRequest(notice('req-1', 'failed', 'dup'), w.deps);
    // The automatic rollback's notices update the failed release's message: the same request, one message.
    const rollback = w.release({
      eventId: automaticRollbackId('api', 'production', 2),
      revision: 3,
      rollbackOf: 1,
      status: 'succeeded',
    });
    expect(await notifyRequest(notice(rollback.eventId, 'rolled-back'), w.deps)).toMatchObject({
      outcome: 'updated',
      request: 'req-1',
    });
    expect(w.calls.map((c) => [c.kind, c.target, c.message?.text ?? c.text])).toEqual([
      ['post', 'C0ASKEDHERE', 'api to production: r2 failed: halted'],
      ['respond', 'https://hooks.slack.example/actions/T1/secret', 'api to production: r2 failed: halted'],
      ['update', 'C0ASKEDHERE/1.1', 'api to production: r2 failed: halted'],
      ['update', 'C0ASKEDHERE/1.1', 'api to production: r2 failed, rolled back to r1'],
      ['respond', 'https://hooks.slack.example/actions/T1/secret', 'api to production: r2 failed, rolled back to r1'],
    ]);
    // The response_url is a capability: it is in no message.
    expect(JSON.stringify(w.calls.map((c) => c.message))).not.toContain('hooks.slack');
  });

  it('leaves a fresh claim of another notice alone (retryable) and takes over a stale one', async () => {
    const w = world();
    w.release({ eventId: 'req-1' });
    w.records.set('req-1', { request: 'req-1', claimedAt: new Date(NOW.getTime() - 5_000).toISOString() });
    await expect(notifyRequest(notice('req-1', 'accepted'), w.deps)).rejects.toBeInstanceOf(ConflictError);
    expect(w.calls).toEqual([]);
    w.records.set('req-1', { request: 'req-1', claimedAt: new Date(NOW.getTime() - 120_000).toISOString() });
    expect(await notifyRequest(notice('req-1', 'accepted'), w.deps)).toMatchObject({ outcome: 'posted' });
  });

  it('gives its claim up when Slack fails the post, so the retry posts at once', async () => {
    const w = world();
    w.release({ eventId: 'req-1' });
    w.deps.slack.post = async () => {
      throw new ChatUnavailableError('Slack chat.postMessage: ratelimited');
    };
    await expect(notifyRequest(notice('req-1', 'accepted'), w.deps)).rejects.toBeInstanceOf(ChatUnavailableError);
    expect(w.records.has('req-1')).toBe(false);
  });

  it('updates again when the table moved on while it was rendering (a slower, older notice)', async () => {
    const w = world();
    const first = w.release({ eventId: 'req-1', status: 'progressing' });
    let reads = 0;
    w.onRead = () => {
      reads += 1;
      // The table moves on just after the notice read it for rendering (its first read finds the request).
      if (reads === 2) w.release({ ...first, status: 'succeeded' });
    };
    await notifyRequest(notice('req-1', 'accepted'), w.deps);
    expect(w.calls.map((c) => [c.kind, c.message?.text])).toEqual([
      ['post', 'api to production: r1 rolling out (wave 1 of 1)'],
      ['update', 'api to production: r1 succeeded'],
    ]);
  });
});

const opsEvent = (data: Partial<OpsNotify['data']> = {}): OpsNotify =>
  opsNotice(
    {
      what: 'node-fenced',
      environment: 'production',
      cluster: 'eu-1',
      node: 'worker-3',
      reason: 'node worker-3 is fenced: cordoned, out-of-service, no pod or VolumeAttachment left',
      at: NOW.toISOString(),
      cause: 'look-1',
      ...data,
    },
    NOW,
  );

describe('notifyOps', () => {
  it("posts a healing step once to the environment's channel; its redelivery posts nothing", async () => {
    const w = world();
    const event = opsEvent();
    expect(await notifyOps(event, w.deps)).toMatchObject({ outcome: 'posted', channel: 'C0OPS' });
    expect(await notifyOps(event, w.deps)).toMatchObject({ outcome: 'skipped', why: 'already posted' });
    expect(w.calls.map((c) => [c.kind, c.target])).toEqual([['post', 'C0OPS']]);
    expect(w.calls[0]?.message?.text).toBe(
      'Fenced: node worker-3 of eu-1 (production) (cordoned, out-of-service), its pods free to start elsewhere',
    );
  });

  it("tells an app's scaling in the app's own channel, else the environment's", async () => {
    const w = world();
    const raised = {
      what: 'scale-raised',
      node: undefined,
      app: 'api',
      workload: 'api/Deployment/web',
      from: 4,
      to: 8,
    } as const;
    await notifyOps(opsEvent({ ...raised, cause: 'alert-1' }), w.deps);
    w.channel = undefined;
    await notifyOps(opsEvent({ ...raised, cause: 'alert-2' }), w.deps);
    expect(w.calls.map((c) => c.target)).toEqual(['C0DEPLOYS', 'C0OPS']);
  });

  it('does nothing, without an error, with no channel, no bot token or no environment', async () => {
    const w = world();
    w.envChannel = undefined;
    expect(await notifyOps(opsEvent(), w.deps)).toMatchObject({
      outcome: 'skipped',
      why: 'no notify channel for production',
    });
    w.envChannel = 'C0OPS';
    w.token = undefined;
    expect(await notifyOps(opsEvent(), w.deps)).toMatchObject({ why: 'no Slack bot token in the chat secret' });
    expect(await notifyOps(opsEvent({ environment: undefined }), w.deps)).toMatchObject({ outcome: 'skipped' });
    expect(w.calls).toEqual([]);
  });

  it('leaves a fresh claim of another notice alone (retryable) and gives its claim up when Slack fails', async () => {
    const w = world();
    const event = opsEvent();
    w.records.set(event.id, { request: event.id, claimedAt: NOW.toISOString() });
    await expect(notifyOps(event, w.deps)).rejects.toThrow(ConflictError);
    w.records.clear();
    const failing = {
      ...w.deps,
      slack: { ...w.deps.slack, post: async () => Promise.reject(new ChatUnavailableError('slack is down')) },
    };
    await expect(notifyOps(event, failing)).rejects.toThrow(ChatUnavailableError);
    expect(w.records.has(event.id)).toBe(false);
    expect(await notifyOps(event, w.deps)).toMatchObject({ outcome: 'posted' });
  });
});

describe('the Slack adapter, against the Web API stand-in', () => {
  let slack: SlackStandIn;
  beforeAll(async () => {
    slack = await startSlackStandIn({ botToken: 'xoxb-right', channels: ['C0DEPLOYS'] });
  });
  afterAll(() => slack.close());
  const m: ChatMessage = { text: 'hi', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'hi' } }] };

  it('posts and updates; refusals for good and passing trouble are told apart', async () => {
    const api = slackWebApi(slack.apiUrl);
    const posted = await api.post('xoxb-right', 'C0DEPLOYS', m);
    await api.update('xoxb-right', posted.channel, posted.ts, { ...m, text: 'again' });
    expect(slack.messages()[0]?.versions.map((v) => v.text)).toEqual(['hi', 'again']);

    await expect(api.post('xoxb-wrong', 'C0DEPLOYS', m)).rejects.toThrow(ChatRefusedError);
    await expect(api.post('xoxb-wrong', 'C0DEPLOYS', m)).rejects.toThrow(/invalid_auth \(the bot token is not valid/);
    await expect(api.post('xoxb-right', 'C0ELSEWHERE', m)).rejects.toThrow(/channel_not_found/);
    slack.failNext('chat.update', { status: 429, retryAfter: 30 });
    await expect(api.update('xoxb-right', posted.channel, posted.ts, m)).rejects.toThrow(ChatUnavailableError);
    slack.failNext('chat.postMessage', { status: 503 });
    await expect(api.post('xoxb-right', 'C0DEPLOYS', m)).rejects.toThrow(ChatUnavailableError);
    slack.failNext('chat.postMessage', { error: 'ratelimited' });
    await expect(api.post('xoxb-right', 'C0DEPLOYS', m)).rejects.toThrow(ChatUnavailableError);
    // Never the token in an error's words.
    await expect(api.post('xoxb-wrong', 'C0DEPLOYS', m)).rejects.not.toThrow(/xoxb/);
  });

  it('answers through a response_url ephemerally, without replacing the original', async () => {
    const api = slackWebApi(slack.apiUrl);
    await api.respond(slack.responseUrl('cmd-9'), 'api to production: r7 succeeded');
    expect(slack.responses('cmd-9')).toEqual([
      { response_type: 'ephemeral', replace_original: false, text: 'api to production: r7 succeeded' },
    ]);
  });
});
