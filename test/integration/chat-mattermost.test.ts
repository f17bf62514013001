import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventId } from '../../events/index.ts';
import sample from '../../events/samples/deploy.requested.json' with { type: 'json' };
import { approvalButtons } from '../../lib/chat/mattermost/actions.ts';
import type { Runtime } from '../../lib/runtime/up.ts';
import { createDb, type Db } from '../../lib/store/db.ts';
import { keys } from '../../lib/store/keys.ts';
import { listReleases } from '../../lib/store/releases.ts';
import { eventually } from '../support/kube.ts';
import { startTestRuntime } from '../support/runtime.ts';

// Mattermost's slash command route of a real runtime (local server, chat function with exactly its grants,
// DynamoDB Local, ElasticMQ, the deploy consumer): requests posted as Mattermost posts them, access in the table.
const TOKEN = 'chat-mattermost-test-command-token';
const ACTION_KEY = 'chat-mattermost-test-action-key';
let runtime: Runtime;
let db: Db;
const at = new Date().toISOString();
const by = 'cli:test';

beforeAll(async () => {
  process.env.CAPSTAN_CHAT_SECRET = JSON.stringify({ mattermost: { commandToken: TOKEN }, actionKey: ACTION_KEY });
  runtime = await startTestRuntime('chat-mattermost');
  db = createDb(runtime.state.table);
  const put = (item: Record<string, unknown>) => db.doc.send(new PutCommand({ TableName: db.table, Item: item }));
  await Promise.all([
    put({
      ...keys.workspace('mattermost', 'team1'),
      chat: 'mattermost',
      workspace: 'team1',
      allowedAt: at,
      allowedBy: by,
    }),
    put({
      ...keys.channel('staging', 'mattermost', 'team1', 'chan1'),
      environment: 'staging',
      chat: 'mattermost',
      workspace: 'team1',
      channel: 'chan1',
      allowedAt: at,
      allowedBy: by,
    }),
    put({
      ...keys.grant('staging', 'request', 'mattermost:team1/user1'),
      environment: 'staging',
      role: 'request',
      subject: { kind: 'principal', principal: 'mattermost:team1/user1' },
      grantedAt: at,
      grantedBy: by,
    }),
  ]);
});
afterAll(async () => {
  delete process.env.CAPSTAN_CHAT_SECRET;
  await runtime?.stop();
});

/** A slash command as Mattermost posts it: form-encoded, the token in `Authorization: Token` and the form. */
const slash = async (text: string, fields: Record<string, string> = {}, token = TOKEN) => {
  const form = new URLSearchParams({
    channel_id: 'chan1',
    channel_name: 'deploys',
    command: '/capstan',
    response_url: 'http://mattermost.local/hooks/commands/secret-part',
    team_domain: 'acme',
    team_id: 'team1',
    text,
    token,
    trigger_id: `${Math.random()}`.slice(2),
    user_id: 'user1',
    user_name: 'alice',
    ...fields,
  });
  const response = await fetch(`${runtime.state.httpUrl}/hooks/mattermost/commands`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Token ${token}`,
      'user-agent': 'Mattermost-Bot/1.1',
    },
    body: form.toString(),
  });
  const id = eventId(['mattermost-command', form.get('team_id') ?? '', form.get('trigger_id') ?? '']);
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, id };
};

const item = async (key: Record<string, string>) =>
  (await db.doc.send(new GetCommand({ TableName: db.table, Key: key, ConsistentRead: true }))).Item;

const IMAGE = sample.data.image;

describe('the Mattermost slash command, through the local runtime', () => {
  it('refuses a wrong token, another team, a person without the role and a channel not allowed; accepts the right one', async () => {
    const refusals = await Promise.all([
      slash(`deploy hello staging ${IMAGE}`, {}, 'not-the-command-token'),
      slash(`deploy hello staging ${IMAGE}`, { team_id: 'team2' }),
      slash(`deploy hello staging ${IMAGE}`, { user_id: 'user2' }),
      slash(`deploy hello staging ${IMAGE}`, { channel_id: 'chan9' }),
    ]);
    const [forged, foreign, unentitled, channel] = refusals;
    expect(forged).toMatchObject({ status: 401, body: { error: 'bad-signature' } });
    expect(foreign).toMatchObject({
      status: 200,
      body: { response_type: 'ephemeral', text: expect.stringContaining('(foreign-workspace)') },
    });
    expect(unentitled).toMatchObject({
      status: 200,
      body: { text: expect.stringContaining('(forbidden): @alice may not request in staging') },
    });
    expect(channel).toMatchObject({ status: 200, body: { text: expect.stringContaining('(channel-not-allowed)') } });

    const accepted = await slash(`deploy hello staging ${IMAGE}`);
    expect(accepted).toMatchObject({
      status: 200,
      body: { response_type: 'ephemeral', text: expect.stringContaining(accepted.id) },
    });
    expect(await item(keys.chatOrigin(accepted.id))).toMatchObject({
      request: accepted.id,
      chat: 'mattermost',
      workspace: 'team1',
      channel: 'chan1',
      user: 'user1',
    });
    await eventually('the deploy function received the request', () => item(keys.receipt(accepted.id)));
    const release = await eventually('a release of hello', async () =>
      (await listReleases(db, 'hello', 'staging')).find((r) => r.eventId === accepted.id),
    );
    expect(release.requestedBy).toBe('@alice (mattermost team1/user1)');

    for (const r of refusals) {
      expect(await item(keys.receipt(r.id))).toBeUndefined();
      expect(await item(keys.chatOrigin(r.id))).toBeUndefined();
    }
  });
});

describe('the Mattermost buttons, through the local runtime', () => {
  const click = async (context: unknown) => {
    const response = await fetch(`${runtime.state.httpUrl}/hooks/mattermost/actions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user_id: 'user1', team_id: 'team1', channel_id: 'chan1', post_id: 'post1', context }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it("a tampered context is 401; a MAC'd one from a person without the approve role is refused, nothing enqueued", async () => {
    const [approve] = approvalButtons(ACTION_KEY, 'unused', { app: 'hello', environment: 'staging', id: 'a1' });
    const context = approve?.integration.context;
    expect(await click({ ...context, approval: { ...context?.approval, id: 'a2' } })).toMatchObject({ status: 401 });
    const id = eventId(['mattermost-action', 'team1', 'user1', 'post1', 'a1', 'approve']);
    expect(await click(context)).toMatchObject({
      status: 200,
      body: { ephemeral_text: expect.stringContaining('(forbidden)') },
    });
    expect(await item(keys.chatOrigin(id))).toBeUndefined();
  });
});

describe('Teams on a runtime whose chat secret has no teams part', () => {
  it('POST /hooks/teams is 401 not-configured, never 5xx, whatever it carries', async () => {
    const body = JSON.stringify({ type: 'message', text: '<at>capstan</at> status hello', from: { id: '29:1' } });
    const response = await fetch(`${runtime.state.httpUrl}/hooks/teams`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `HMAC ${Buffer.alloc(32).toString('base64')}` },
      body,
    });
    expect({ status: response.status, body: await response.json() }).toEqual({
      status: 401,
      body: {
        error: 'not-configured',
        reason: 'Microsoft Teams is not configured: the chat secret has no teams.securityToken',
      },
    });
  });
});
