import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventId } from '../../events/index.ts';
import sample from '../../events/samples/deploy.requested.json' with { type: 'json' };
import { slackSignature } from '../../lib/chat/slack/verify.ts';
import type { Runtime } from '../../lib/runtime/up.ts';
import { createDb, type Db } from '../../lib/store/db.ts';
import { keys } from '../../lib/store/keys.ts';
import { listReleases } from '../../lib/store/releases.ts';
import { eventually } from '../support/kube.ts';
import { startTestRuntime } from '../support/runtime.ts';
import { type SlackStandIn, startSlackStandIn } from '../support/slack-api.ts';

// The Slack slash command route of a real runtime (local server, chat function with exactly its grants,
// DynamoDB Local, ElasticMQ, the deploy consumer): requests signed as Slack signs them, access in the table.
const SIGNING_SECRET = 'chat-slack-test-signing-secret';
const BOT_TOKEN = 'xoxb-chat-slack-test-token';
let runtime: Runtime;
let db: Db;
let slack: SlackStandIn;
const at = new Date().toISOString();
const by = 'cli:test';

beforeAll(async () => {
  // Slack's Web API is the one stand-in: user groups are asked of it as of Slack (usergroups.users.list).
  slack = await startSlackStandIn({ botToken: BOT_TOKEN });
  slack.setUsergroup('S1', ['U7']);
  process.env.CAPSTAN_SLACK_API_URL = slack.apiUrl;
  process.env.CAPSTAN_CHAT_SECRET = JSON.stringify({ slack: { signingSecret: SIGNING_SECRET, botToken: BOT_TOKEN } });
  runtime = await startTestRuntime('chat-slack');
  db = createDb(runtime.state.table);
  const put = (item: Record<string, unknown>) => db.doc.send(new PutCommand({ TableName: db.table, Item: item }));
  await Promise.all([
    put({ ...keys.workspace('slack', 'E1'), chat: 'slack', workspace: 'E1', allowedAt: at, allowedBy: by }),
    put({
      ...keys.channel('staging', 'slack', 'E1', 'C1'),
      environment: 'staging',
      chat: 'slack',
      workspace: 'E1',
      channel: 'C1',
      allowedAt: at,
      allowedBy: by,
    }),
    put({
      ...keys.grant('staging', 'request', 'slack:E1/U1'),
      environment: 'staging',
      role: 'request',
      subject: { kind: 'principal', principal: 'slack:E1/U1' },
      grantedAt: at,
      grantedBy: by,
    }),
    // Rolling back in staging: the members of user group S1 of E1.
    put({
      ...keys.grant('staging', 'rollback', 'group:slack:E1/S1'),
      environment: 'staging',
      role: 'rollback',
      subject: { kind: 'group', chat: 'slack', workspace: 'E1', group: 'S1' },
      grantedAt: at,
      grantedBy: by,
    }),
  ]);
});
afterAll(async () => {
  delete process.env.CAPSTAN_CHAT_SECRET;
  delete process.env.CAPSTAN_SLACK_API_URL;
  await runtime?.stop();
  await slack?.close();
});

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A slash command as Slack posts it: form-encoded, signed v0 over `v0:<timestamp>:<body>`. */
const slash = async (
  text: string,
  fields: Record<string, string> = {},
  o: { timestamp?: number; secret?: string } = {},
) => {
  const body = new URLSearchParams({
    team_id: 'T1',
    enterprise_id: 'E1',
    user_id: 'U1',
    user_name: 'alice',
    channel_id: 'C1',
    command: '/capstan',
    text,
    response_url: 'https://hooks.slack.com/commands/T1/1/secret-part',
    trigger_id: `${Math.random()}.trigger`,
    api_app_id: 'A1',
    is_enterprise_install: 'false',
    ...fields,
  }).toString();
  const timestamp = String(o.timestamp ?? nowSeconds());
  const response = await fetch(`${runtime.state.httpUrl}/hooks/slack/commands`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': slackSignature(o.secret ?? SIGNING_SECRET, timestamp, body),
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
    },
    body,
  });
  const id = eventId([
    'slack-command',
    fields.enterprise_id ?? 'E1',
    new URLSearchParams(body).get('trigger_id') ?? '',
  ]);
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, id };
};

const item = async (key: Record<string, string>) =>
  (await db.doc.send(new GetCommand({ TableName: db.table, Key: key, ConsistentRead: true }))).Item;

const IMAGE = sample.data.image;

describe('the Slack slash command, through the local runtime', () => {
  it('refuses a forged, a replayed, a foreign, an unentitled and a wrong-channel request; accepts the right one', async () => {
    const refusals = await Promise.all([
      slash(`deploy hello staging ${IMAGE}`, {}, { secret: 'not-the-signing-secret' }),
      slash(`deploy hello staging ${IMAGE}`, {}, { timestamp: nowSeconds() - 301 }),
      slash(`deploy hello staging ${IMAGE}`, { enterprise_id: 'E2' }),
      slash(`deploy hello staging ${IMAGE}`, { user_id: 'U2' }),
      slash(`deploy hello staging ${IMAGE}`, { channel_id: 'C9' }),
    ]);
    const [forged, replayed, foreign, unentitled, channel] = refusals;
    expect(forged).toMatchObject({ status: 401, body: { error: 'bad-signature' } });
    expect(replayed).toMatchObject({ status: 401, body: { error: 'replayed' } });
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
      chat: 'slack',
      workspace: 'E1',
      channel: 'C1',
      user: 'U1',
      responseUrl: 'https://hooks.slack.com/commands/T1/1/secret-part',
    });
    // The deploy consumer took it off the queue, and released it as the person's request.
    await eventually('the deploy function received the request', () => item(keys.receipt(accepted.id)));
    const release = await eventually('a release of hello', async () =>
      (await listReleases(db, 'hello', 'staging')).find((r) => r.eventId === accepted.id),
    );
    expect(release.requestedBy).toBe('@alice (slack E1/U1)');

    // The refused ones, asked before it on the same FIFO group, reached nothing and left no origin.
    for (const r of refusals) {
      expect(await item(keys.receipt(r.id))).toBeUndefined();
      expect(await item(keys.chatOrigin(r.id))).toBeUndefined();
    }
  });

  it('answers help and read-only status ephemerally, enqueueing nothing', async () => {
    const help = await slash('dance');
    expect(help).toMatchObject({ status: 200, body: { text: expect.stringContaining('unknown command "dance"') } });
    const status = await slash('status hello');
    expect(status).toMatchObject({ status: 200, body: { text: expect.stringContaining('staging: #') } });
    expect(await item(keys.chatOrigin(status.id))).toBeUndefined();
  });

  it('a role granted to a user group: its member is let in, someone else is not (Slack asked once, the list kept)', async () => {
    const outsider = await slash('rollback hello staging', { user_id: 'U8', user_name: 'mallory' });
    expect(outsider).toMatchObject({ status: 200, body: { text: expect.stringContaining('(forbidden)') } });
    const member = await slash('rollback hello staging', { user_id: 'U7', user_name: 'carol' });
    expect(member).toMatchObject({
      status: 200,
      body: { text: expect.stringContaining('rollback of hello in staging requested') },
    });
    await eventually('the deploy function received the rollback', () => item(keys.receipt(member.id)));
    expect(await item(keys.receipt(outsider.id))).toBeUndefined();
    // Kept a minute: the second command did not ask again.
    expect(slack.calls().filter((c) => c.method === 'usergroups.users.list')).toEqual([
      { method: 'usergroups.users.list', args: expect.objectContaining({ usergroup: 'S1' }) },
    ]);
  });
});
