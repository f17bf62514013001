import { describe, expect, it } from 'vitest';
import type { CapstanEvent } from '../../events/index.ts';
import type { ChatPorts } from '../../lib/chat/ports.ts';
import { acceptSlackCommand, acceptSlackInteraction } from '../../lib/chat/slack/accept.ts';
import { cachedMembers, groupsGranted } from '../../lib/chat/slack/groups.ts';
import {
  actionRequester,
  commandRequester,
  parseInteraction,
  parseSlashCommand,
} from '../../lib/chat/slack/payloads.ts';
import { slackSignature } from '../../lib/chat/slack/verify.ts';
import type { AccessSnapshot } from '../../lib/roles.ts';
import type { ChatOrigin } from '../../lib/store/chat-origins.ts';

const SECRET = 'signing-secret-for-tests';
const NOW = new Date('2026-12-03T10:00:00Z');
const at = '2026-12-01T00:00:00Z';
const by = 'cli:ops';

const snapshot = (o: Partial<AccessSnapshot> = {}): AccessSnapshot => ({
  workspaces: [{ chat: 'slack', workspace: 'E1', allowedAt: at, allowedBy: by }],
  channels: [{ environment: 'prod', chat: 'slack', workspace: 'E1', channel: 'C1', allowedAt: at, allowedBy: by }],
  grants: [
    {
      environment: 'prod',
      role: 'request',
      subject: { kind: 'principal', principal: 'slack:E1/U1' },
      grantedAt: at,
      grantedBy: by,
    },
    {
      environment: 'prod',
      role: 'approve',
      subject: { kind: 'group', chat: 'slack', workspace: 'E1', group: 'S9' },
      grantedAt: at,
      grantedBy: by,
    },
  ],
  ...o,
});

const fakePorts = (o: { snapshot?: AccessSnapshot; members?: Record<string, string[]> } = {}) => {
  const sent: CapstanEvent[] = [];
  const origins: ChatOrigin[] = [];
  const asked: string[] = [];
  const order: string[] = [];
  const ports: ChatPorts = {
    access: async () => o.snapshot ?? snapshot(),
    workspaceAllowed: async (_, w) => w === 'E1',
    groupMembers: async (w, g) => {
      asked.push(`${w}/${g}`);
      return o.members?.[g] ?? [];
    },
    appSpec: async () => undefined,
    releases: async () => [],
    appReleases: async () => [],
    history: async () => [],
    approvals: async () => [],
    approval: async () => undefined,
    putOrigin: async (origin) => {
      order.push('origin');
      origins.push(origin);
    },
    enqueue: async (e) => {
      order.push('enqueue');
      sent.push(e);
    },
    now: () => NOW,
    warn: () => {},
  };
  return { ports, sent, origins, asked, order };
};

const sign = (body: string, seconds = Math.floor(NOW.getTime() / 1000)) => ({
  rawBody: body,
  headers: {
    'x-slack-request-timestamp': String(seconds),
    'x-slack-signature': slackSignature(SECRET, String(seconds), body),
  },
});

const command = (text: string, o: Record<string, string> = {}) =>
  new URLSearchParams({
    team_id: 'T1',
    enterprise_id: 'E1',
    user_id: 'U1',
    user_name: 'alice',
    channel_id: 'C1',
    command: '/capstan',
    text,
    response_url: 'https://hooks.slack.com/commands/T1/1/x',
    trigger_id: '123.456.abc',
    api_app_id: 'A1',
    is_enterprise_install: 'false',
    ...o,
  }).toString();

const button = (o: { action_id?: string; value?: string; user?: string } = {}) =>
  new URLSearchParams({
    payload: JSON.stringify({
      type: 'block_actions',
      user: { id: o.user ?? 'U2', team_id: 'T1', username: 'bob' },
      team: { id: 'T1', enterprise_id: 'E1' },
      enterprise: { id: 'E1' },
      channel: { id: 'C1' },
      container: { type: 'message', channel_id: 'C1', message_ts: '1.2' },
      response_url: 'https://hooks.slack.com/actions/T1/1/y',
      actions: [
        { action_id: o.action_id ?? 'approval.approve', value: o.value ?? 'shop|prod|req-1', action_ts: '1733.1' },
      ],
    }),
  }).toString();

describe('Slack payloads', () => {
  it('a slash command: the person is the Grid org (enterprise_id) before the workspace', () => {
    const c = parseSlashCommand(command('status shop'));
    expect(c.ok && commandRequester(c.value)).toEqual({ kind: 'slack', workspace: 'E1', user: 'U1', name: 'alice' });
    const plain = parseSlashCommand(command('status shop').replace('enterprise_id=E1&', ''));
    expect(plain.ok && commandRequester(plain.value)).toMatchObject({ workspace: 'T1' });
  });

  it('refuses a form without its fields, or with one twice', () => {
    expect(parseSlashCommand('text=hi')).toMatchObject({ ok: false });
    expect(parseSlashCommand(`${command('x')}&user_id=U2`)).toMatchObject({
      ok: false,
      reason: 'user_id is given 2 times',
    });
  });

  it('an interaction: block_actions read, other types ignored, bad payloads refused', () => {
    const p = parseInteraction(button());
    expect(p.ok && p.value.kind === 'block_actions' && actionRequester(p.value.payload)).toEqual({
      kind: 'slack',
      workspace: 'E1',
      user: 'U2',
      name: 'bob',
    });
    expect(parseInteraction(`payload=${encodeURIComponent('{"type":"view_submission"}')}`)).toMatchObject({
      ok: true,
      value: { kind: 'ignored' },
    });
    expect(parseInteraction('payload=nope')).toMatchObject({ ok: false });
    expect(parseInteraction(`payload=${encodeURIComponent('{"type":"block_actions","x":"\\ud800"}')}`)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('lone surrogate'),
    });
    expect(parseInteraction(`\ufeff${button()}`)).toMatchObject({ ok: false });
    expect(parseSlashCommand(`\ufeff${command('help')}`)).toMatchObject({ ok: false });
    expect(parseInteraction('x=1')).toMatchObject({ ok: false });
  });
});

describe('user groups', () => {
  it('asks Slack only about the groups an environment grants in the workspace', () => {
    expect(groupsGranted(snapshot(), 'prod', 'approve', 'E1')).toEqual(['S9']);
    expect(groupsGranted(snapshot(), 'prod', 'request', 'E1')).toEqual([]);
    expect(groupsGranted(snapshot(), 'prod', 'approve', 'T7')).toEqual([]);
    expect(groupsGranted(snapshot(), 'staging', 'approve', 'E1')).toEqual([]);
  });

  it('keeps a list a minute, and a failure not at all', async () => {
    let calls = 0;
    let clock = 0;
    const members = cachedMembers(
      async () => {
        calls++;
        if (calls === 2) throw new Error('ratelimited');
        return ['U1'];
      },
      60_000,
      () => clock,
    );
    await members('E1', 'S9');
    await members('E1', 'S9');
    expect(calls).toBe(1);
    clock = 61_000;
    await expect(members('E1', 'S9')).rejects.toThrow();
    expect(await members('E1', 'S9')).toEqual(['U1']);
    expect(calls).toBe(3);
  });
});

describe('the slash command route', () => {
  it('a deploy by an allowed person: origin first, then the event, answered ephemerally', async () => {
    const f = fakePorts();
    const answer = await acceptSlackCommand(sign(command('deploy shop prod ghcr.io/acme/shop:1.2')), SECRET, f.ports);
    expect(answer).toMatchObject({ status: 200, body: { response_type: 'ephemeral' } });
    expect(f.order).toEqual(['origin', 'enqueue']);
    expect(f.sent[0]).toMatchObject({
      type: 'deploy.requested',
      source: 'capstan/slack',
      data: {
        app: 'shop',
        environment: 'prod',
        image: 'ghcr.io/acme/shop:1.2',
        requester: { kind: 'slack', workspace: 'E1', user: 'U1' },
      },
    });
    expect(f.origins[0]).toMatchObject({
      request: f.sent[0]?.id,
      channel: 'C1',
      responseUrl: expect.stringContaining('hooks.slack.com'),
    });
    // No group grants the request role: Slack is not asked.
    expect(f.asked).toEqual([]);
  });

  it('a retry of the same command (same trigger_id) makes the same event id', async () => {
    const f = fakePorts();
    await acceptSlackCommand(sign(command('deploy shop prod nginx:1')), SECRET, f.ports);
    await acceptSlackCommand(
      sign(command('deploy shop prod nginx:1'), Math.floor(NOW.getTime() / 1000) - 5),
      SECRET,
      f.ports,
    );
    expect(f.sent[0]?.id).toBe(f.sent[1]?.id);
    await acceptSlackCommand(sign(command('deploy shop prod nginx:1', { trigger_id: 'other' })), SECRET, f.ports);
    expect(f.sent[2]?.id).not.toBe(f.sent[0]?.id);
  });

  it.each([
    ['another workspace', { enterprise_id: 'E2' }, 'foreign-workspace'],
    ['a channel not allowed', { channel_id: 'C2' }, 'channel-not-allowed'],
    ['a person without the role', { user_id: 'U3' }, 'forbidden'],
  ])('refuses %s ephemerally, enqueueing nothing', async (_, fields, code) => {
    const f = fakePorts();
    const answer = await acceptSlackCommand(sign(command('rollback shop prod', fields)), SECRET, f.ports);
    expect(answer.status).toBe(200);
    expect(String(answer.body.text)).toContain(`(${code})`);
    expect(f.sent).toEqual([]);
    expect(f.origins).toEqual([]);
  });

  it('a bad signature is a 401, help is help, a bad form a 400', async () => {
    const f = fakePorts();
    const forged = { ...sign(command('deploy shop prod nginx:1')), rawBody: command('deploy shop prod evil:1') };
    expect(await acceptSlackCommand(forged, SECRET, f.ports)).toMatchObject({
      status: 401,
      body: { error: 'bad-signature' },
    });
    expect(await acceptSlackCommand(sign(command('dance')), SECRET, f.ports)).toMatchObject({
      status: 200,
      body: { text: expect.stringContaining('/capstan deploy') },
    });
    expect((await acceptSlackCommand(sign('text=x'), SECRET, f.ports)).status).toBe(400);
    expect(f.sent).toEqual([]);
  });
});

describe('the interactivity route', () => {
  it('Approve by a member of a granted group becomes an approval.vote via slack', async () => {
    const f = fakePorts({ members: { S9: ['U2'] } });
    const answer = await acceptSlackInteraction(sign(button()), SECRET, f.ports);
    expect(answer.status).toBe(200);
    expect(f.asked).toEqual(['E1/S9']);
    expect(f.sent[0]).toMatchObject({
      type: 'approval.vote',
      data: {
        app: 'shop',
        environment: 'prod',
        approval: 'req-1',
        decision: 'approve',
        via: 'slack',
        voter: { workspace: 'E1', user: 'U2' },
      },
    });
    // The same click retried: the same vote id.
    await acceptSlackInteraction(sign(button()), SECRET, f.ports);
    expect(f.sent[1]?.id).toBe(f.sent[0]?.id);
  });

  it('refuses a person outside the group, and leaves other actions alone', async () => {
    const f = fakePorts({ members: { S9: ['U2'] } });
    const outsider = await acceptSlackInteraction(
      sign(button({ user: 'U5', action_id: 'approval.reject' })),
      SECRET,
      f.ports,
    );
    expect(String(outsider.body.text)).toContain('(forbidden)');
    expect(await acceptSlackInteraction(sign(button({ action_id: 'other.thing' })), SECRET, f.ports)).toEqual({
      status: 200,
      body: {},
    });
    expect((await acceptSlackInteraction(sign(button({ value: 'Shop|prod' })), SECRET, f.ports)).status).toBe(400);
    expect(f.sent).toEqual([]);
  });
  it('tells a refused click through its response_url (Slack shows nothing of the answer); a failure to tell is only logged', async () => {
    const told: [string, string][] = [];
    const warned: string[] = [];
    const f = fakePorts({ members: { S9: ['U2'] } });
    const ports: ChatPorts = {
      ...f.ports,
      respond: async (url, text) => void told.push([url, text]),
      warn: (m, extra) => void warned.push(`${m} ${JSON.stringify(extra)}`),
    };
    await acceptSlackInteraction(sign(button({ user: 'U5' })), SECRET, ports);
    expect(told).toEqual([['https://hooks.slack.com/actions/T1/1/y', expect.stringContaining('(forbidden)')]]);
    // An accepted click is answered by the message's update, not by a response.
    await acceptSlackInteraction(sign(button()), SECRET, ports);
    expect(told).toHaveLength(1);

    const failing = { ...ports, respond: async () => Promise.reject(new Error('response_url answered 500')) };
    expect((await acceptSlackInteraction(sign(button({ user: 'U5' })), SECRET, failing)).status).toBe(200);
    expect(warned).toEqual([expect.stringContaining('cannot tell a refused click')]);
    expect(warned.join()).not.toContain('hooks.slack.com');
  });
});
