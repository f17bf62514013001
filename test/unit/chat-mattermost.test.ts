import { describe, expect, it } from 'vitest';
import type { CapstanEvent } from '../../events/index.ts';
import { acceptMattermostAction, acceptMattermostCommand } from '../../lib/chat/mattermost/accept.ts';
import { approvalButtons } from '../../lib/chat/mattermost/actions.ts';
import { verifyMattermostToken } from '../../lib/chat/mattermost/verify.ts';
import type { ChatPorts } from '../../lib/chat/ports.ts';
import type { AccessSnapshot } from '../../lib/roles.ts';
import type { ChatOrigin } from '../../lib/store/chat-origins.ts';

const TOKEN = 'mattermost-slash-token-26ch';
const NOW = new Date('2026-12-03T10:00:00Z');
const at = '2026-12-01T00:00:00Z';
const by = 'cli:ops';
const IMAGE = 'ghcr.io/acme/shop:1.2.3';

const snapshot: AccessSnapshot = {
  workspaces: [{ chat: 'mattermost', workspace: 'team1', allowedAt: at, allowedBy: by }],
  channels: [
    { environment: 'prod', chat: 'mattermost', workspace: 'team1', channel: 'chan1', allowedAt: at, allowedBy: by },
  ],
  grants: [
    {
      environment: 'prod',
      role: 'approve',
      subject: { kind: 'principal', principal: 'mattermost:team1/user1' },
      grantedAt: at,
      grantedBy: by,
    },
    {
      environment: 'prod',
      role: 'request',
      subject: { kind: 'principal', principal: 'mattermost:team1/user1' },
      grantedAt: at,
      grantedBy: by,
    },
  ],
};

const fakePorts = () => {
  const sent: CapstanEvent[] = [];
  const origins: ChatOrigin[] = [];
  const ports: ChatPorts = {
    access: async () => snapshot,
    workspaceAllowed: async (chat, w) => chat === 'mattermost' && w === 'team1',
    appSpec: async () => undefined,
    releases: async () => [],
    appReleases: async () => [],
    history: async () => [],
    approvals: async () => [],
    approval: async () => undefined,
    putOrigin: async (o) => {
      origins.push(o);
    },
    enqueue: async (e) => {
      sent.push(e);
    },
    now: () => NOW,
    warn: () => {},
  };
  return { ports, sent, origins };
};

const form = (text: string, o: Record<string, string> = {}) =>
  new URLSearchParams({
    channel_id: 'chan1',
    channel_name: 'deploys',
    command: '/capstan',
    response_url: 'https://mm.example/hooks/commands/abc',
    team_domain: 'acme',
    team_id: 'team1',
    text,
    token: TOKEN,
    trigger_id: 'dHJpZ2dlcjp1c2VyMToxNzMz',
    user_id: 'user1',
    user_name: 'alice',
    ...o,
  }).toString();

describe("Mattermost's slash command token", () => {
  it.each([
    ['the right token', { authorization: `Token ${TOKEN}` }, true],
    ['any case of the scheme and header', { Authorization: `token ${TOKEN}` }, true],
    ['a forged token of the same length', { authorization: `Token ${TOKEN.replace(/.$/, 'x')}` }, false],
    ['a shorter token', { authorization: 'Token short' }, false],
    ['a longer token', { authorization: `Token ${TOKEN}x` }, false],
    ['no header', {}, false],
    ['a Bearer header', { authorization: `Bearer ${TOKEN}` }, false],
  ])('%s', (_n, headers, ok) => {
    expect(verifyMattermostToken(headers, TOKEN).ok).toBe(ok);
  });

  it('no token configured refuses everything, the right-looking one too', () => {
    expect(verifyMattermostToken({ authorization: `Token ${TOKEN}` }, undefined)).toMatchObject({
      ok: false,
      code: 'unauthorized',
    });
  });
});

describe('POST /hooks/mattermost/commands', () => {
  const req = (body: string, token = TOKEN) => ({ rawBody: body, headers: { authorization: `Token ${token}` } });

  it('a deploy from an entitled person in an allowed channel is enqueued with a mattermost requester', async () => {
    const { ports, sent, origins } = fakePorts();
    const answer = await acceptMattermostCommand(req(form(`deploy shop prod ${IMAGE}`)), TOKEN, ports);
    expect(answer).toMatchObject({ status: 200, body: { response_type: 'ephemeral' } });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      type: 'deploy.requested',
      source: 'capstan/mattermost',
      data: {
        requester: { kind: 'mattermost', workspace: 'team1', user: 'user1', name: 'alice' },
        reason: 'asked in Mattermost',
      },
    });
    expect(origins[0]).toMatchObject({ chat: 'mattermost', workspace: 'team1', channel: 'chan1', user: 'user1' });
    expect(answer.body.text).toContain(sent[0]?.id);
  });

  it.each([
    ['another team', form(`deploy shop prod ${IMAGE}`, { team_id: 'team2' }), '(foreign-workspace)'],
    ['a person without the role', form(`deploy shop prod ${IMAGE}`, { user_id: 'user2' }), '(forbidden)'],
    ['a channel not allowed', form(`deploy shop prod ${IMAGE}`, { channel_id: 'chan9' }), '(channel-not-allowed)'],
  ])('%s is refused, nothing enqueued', async (_n, body, code) => {
    const { ports, sent, origins } = fakePorts();
    const answer = await acceptMattermostCommand(req(body), TOKEN, ports);
    expect(answer).toMatchObject({ status: 200, body: { text: expect.stringContaining(code) } });
    expect(sent).toEqual([]);
    expect(origins).toEqual([]);
  });

  it('a wrong token is 401 and a form without trigger_id 400, nothing enqueued', async () => {
    const { ports, sent } = fakePorts();
    expect(await acceptMattermostCommand(req(form('help'), 'not-the-token-at-all'), TOKEN, ports)).toMatchObject({
      status: 401,
      body: { error: 'bad-signature' },
    });
    const noTrigger = new URLSearchParams(form(`deploy shop prod ${IMAGE}`));
    noTrigger.delete('trigger_id');
    expect(await acceptMattermostCommand(req(noTrigger.toString()), TOKEN, ports)).toMatchObject({ status: 400 });
    expect(sent).toEqual([]);
  });

  it('a command naming two people is read: Mattermost repeats user_mentions once per mention', async () => {
    const { ports } = fakePorts();
    const mentions = 'user_mentions=bob&user_mentions=carol&user_mentions_ids=u2&user_mentions_ids=u3';
    const body = `${form('help @bob @carol')}&${mentions}`;
    expect(await acceptMattermostCommand(req(body), TOKEN, ports)).toMatchObject({
      status: 200,
      body: { text: expect.stringContaining('/capstan deploy') },
    });
    const twice = `${form(`deploy shop prod ${IMAGE}`)}&user_id=user2`;
    expect(await acceptMattermostCommand(req(twice), TOKEN, ports)).toMatchObject({
      status: 400,
      body: { reason: 'user_id is given 2 times' },
    });
  });

  it('the same trigger_id twice is the same event id (a replay is deduped downstream)', async () => {
    const { ports, sent } = fakePorts();
    await acceptMattermostCommand(req(form(`deploy shop prod ${IMAGE}`)), TOKEN, ports);
    await acceptMattermostCommand(req(form(`deploy shop prod ${IMAGE}`)), TOKEN, ports);
    expect(sent[0]?.id).toBe(sent[1]?.id);
  });
});

describe('POST /hooks/mattermost/actions', () => {
  const KEY = 'action-key-for-tests-0123456789';
  const [approve] = approvalButtons(KEY, 'https://capstan.example/hooks/mattermost/actions', {
    app: 'shop',
    environment: 'prod',
    id: 'a1b2c3d4',
  });
  const click = (context: unknown, o: Record<string, string> = {}) => ({
    rawBody: JSON.stringify({
      user_id: 'user1',
      user_name: 'alice',
      team_id: 'team1',
      channel_id: 'chan1',
      post_id: 'post1',
      trigger_id: 'trig',
      type: 'button',
      context,
      ...o,
    }),
  });

  it("a MAC'd Approve from an entitled person becomes an approval.vote by the POSTing user", async () => {
    const { ports, sent } = fakePorts();
    const answer = await acceptMattermostAction(click(approve?.integration.context), KEY, ports);
    expect(answer).toMatchObject({
      status: 200,
      body: { ephemeral_text: expect.stringContaining('approval of shop') },
    });
    expect(sent[0]).toMatchObject({
      type: 'approval.vote',
      data: {
        approval: 'a1b2c3d4',
        decision: 'approve',
        via: 'mattermost',
        voter: { kind: 'mattermost', workspace: 'team1', user: 'user1' },
      },
    });
  });

  it.each([
    ['a tampered context', { ...approve?.integration.context, vote: 'reject' }],
    ['no context', undefined],
    ['a context without MAC', { approval: approve?.integration.context.approval, vote: 'approve' }],
  ])('%s is 401, nothing enqueued', async (_n, context) => {
    const { ports, sent } = fakePorts();
    expect(await acceptMattermostAction(click(context), KEY, ports)).toMatchObject({ status: 401 });
    expect(sent).toEqual([]);
  });

  it('a right context in a body Mattermost would not send is 400 and says why, nothing enqueued', async () => {
    const { ports, sent } = fakePorts();
    const answer = await acceptMattermostAction(click(approve?.integration.context, { user_id: '' }), KEY, ports);
    expect(answer).toMatchObject({
      status: 400,
      body: { error: 'invalid-body', reason: expect.stringContaining('user_id') },
    });
    expect(await acceptMattermostAction({ rawBody: '[1]' }, KEY, ports)).toMatchObject({ status: 401 });
    expect(sent).toEqual([]);
  });

  it('a right context from a person without the role is refused, nothing enqueued', async () => {
    const { ports, sent } = fakePorts();
    const answer = await acceptMattermostAction(click(approve?.integration.context, { user_id: 'user2' }), KEY, ports);
    expect(answer).toMatchObject({ status: 200, body: { ephemeral_text: expect.stringContaining('(forbidden)') } });
    expect(sent).toEqual([]);
  });
});
