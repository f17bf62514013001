import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventId } from '../../events/index.ts';
import { slackSignature } from '../../lib/chat/slack/verify.ts';
import type { Runtime } from '../../lib/runtime/up.ts';
import { putApp } from '../../lib/store/apps.ts';
import { createDb, type Db } from '../../lib/store/db.ts';
import { keys } from '../../lib/store/keys.ts';
import { getApproval, type ReleaseApproval } from '../../lib/store/release-approvals.ts';
import { listReleases } from '../../lib/store/releases.ts';
import { registryApp } from '../support/apps.ts';
import { uniqueName } from '../support/aws.ts';
import { connect, eventually, localClusters } from '../support/kube.ts';
import { digestOf } from '../support/registry.ts';
import { startTestRuntime } from '../support/runtime.ts';
import { type SlackStandIn, type StandInMessage, startSlackStandIn } from '../support/slack-api.ts';

// Issue 13's acceptance, end to end on real parts: a `/capstan deploy` signed as Slack signs it, into an
// environment needing 2 distinct approvers; Approve clicks by the requester (does not count), by one person
// twice (counts once) and by a second person; then the release really runs on the run's two local clusters, and
// the one Slack message (the local Web API stand-in, through the real @slack/web-api) follows it to Ready.
const SIGNING_SECRET = 'chat-ops-test-signing-secret';
const BOT_TOKEN = 'xoxb-chat-ops-test-token';
const CHANNEL = 'C0DEPLOYS';
const environment = 'staging';
const REGISTRY = 'registry.local:5000';
const app = uniqueName('chatops');
let runtime: Runtime;
let db: Db;
let slack: SlackStandIn;

const at = new Date().toISOString();
const by = 'cli:test';
const nowSeconds = () => Math.floor(Date.now() / 1000);

const post = async (route: string, body: string) => {
  const timestamp = String(nowSeconds());
  const response = await fetch(`${runtime.state.httpUrl}${route}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': slackSignature(SIGNING_SECRET, timestamp, body),
    },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

/** A slash command; its event id is the one the edge derives from the request (lib/chat/slack/accept.ts). */
const slash = async (user: string, text: string) => {
  const trigger = `${Math.random()}.trigger`;
  const answer = await post(
    '/hooks/slack/commands',
    new URLSearchParams({
      team_id: 'T1',
      enterprise_id: 'E1',
      user_id: user,
      user_name: user.toLowerCase(),
      channel_id: CHANNEL,
      command: '/capstan',
      text,
      response_url: slack.responseUrl('deploy'),
      trigger_id: trigger,
    }).toString(),
  );
  return { ...answer, id: eventId(['slack-command', 'E1', trigger]) };
};

let clicks = 0;
/** An Approve click as Slack posts it: `payload=<block_actions JSON>`, signed like every request. */
const click = (user: string, value: string) =>
  post(
    '/hooks/slack/interactivity',
    new URLSearchParams({
      payload: JSON.stringify({
        type: 'block_actions',
        user: { id: user, team_id: 'T1', username: user.toLowerCase() },
        team: { id: 'T1', enterprise_id: 'E1' },
        enterprise: { id: 'E1' },
        channel: { id: CHANNEL },
        actions: [{ action_id: 'approval.approve', value, action_ts: `${nowSeconds()}.${++clicks}`, type: 'button' }],
        response_url: slack.responseUrl(`click-${clicks}`),
      }),
    }).toString(),
  );

const messageIn = (channel: string): StandInMessage | undefined =>
  slack.messages().find((m) => m.channel === channel || m.channelName === channel);
const textOf = (m: StandInMessage | undefined) => JSON.stringify(m?.blocks ?? []) + (m?.text ?? '');

beforeAll(async () => {
  slack = await startSlackStandIn({ botToken: BOT_TOKEN });
  // The approvers: user group S1 of E1 (the requester U1 is in it too, so only the rule stops a self-approval).
  slack.setUsergroup('S1', ['U1', 'U2', 'U3']);
  process.env.CAPSTAN_SLACK_API_URL = slack.apiUrl;
  process.env.CAPSTAN_CHAT_SECRET = JSON.stringify({ slack: { signingSecret: SIGNING_SECRET, botToken: BOT_TOKEN } });
  runtime = await startTestRuntime('chat-ops');
  db = createDb(runtime.state.table);
  const put = (item: Record<string, unknown>) => db.doc.send(new PutCommand({ TableName: db.table, Item: item }));
  const grant = (role: string, subject: Record<string, string>, key: string) =>
    put({ ...keys.grant(environment, role, key), environment, role, subject, grantedAt: at, grantedBy: by });
  await Promise.all([
    put({ ...keys.workspace('slack', 'E1'), chat: 'slack', workspace: 'E1', allowedAt: at, allowedBy: by }),
    put({
      ...keys.channel(environment, 'slack', 'E1', CHANNEL),
      environment,
      chat: 'slack',
      workspace: 'E1',
      channel: CHANNEL,
      allowedAt: at,
      allowedBy: by,
    }),
    grant('request', { kind: 'principal', principal: 'slack:E1/U1' }, 'slack:E1/U1'),
    grant('approve', { kind: 'group', chat: 'slack', workspace: 'E1', group: 'S1' }, 'group:slack:E1/S1'),
    putApp(
      db,
      registryApp(app, { [environment]: { approval: { required: 2 }, notify: { slack: { channel: CHANNEL } } } }),
      new Date(),
    ),
  ]);
});
afterAll(async () => {
  delete process.env.CAPSTAN_CHAT_SECRET;
  delete process.env.CAPSTAN_SLACK_API_URL;
  for (const c of localClusters()) {
    const kube = await connect(c);
    await kube.core.deleteNamespace({ name: app }).catch(() => undefined);
  }
  await runtime?.stop();
  await slack?.close();
});

describe('chat-ops end to end', () => {
  it('2 distinct approvers in Slack, then a real release that one message follows to Ready', async () => {
    const image = `${REGISTRY}/acme/${app}:1.0.0@${digestOf(`${app}:1.0.0`)}`;
    const asked = await slash('U1', `deploy ${app} ${environment} ${image}`);
    expect(asked).toMatchObject({ status: 200, body: { response_type: 'ephemeral' } });
    const { id } = asked;
    expect(String(asked.body.text)).toContain(id);
    const approval = (what: string, until: (a: ReleaseApproval) => boolean) =>
      eventually(`approval: ${what}`, async () => {
        const a = await getApproval(db, app, environment, id);
        return a && until(a) ? a : undefined;
      });
    await approval('opened', (a) => a.state === 'open');
    const opened = await eventually('the message with its buttons', async () => {
      const m = messageIn(CHANNEL);
      return textOf(m).includes('approval.approve') ? m : undefined;
    });
    expect(await listReleases(db, app, environment)).toEqual([]);

    const value = `${app}|${environment}|${id}`;
    expect(await click('U1', value)).toMatchObject({ status: 200 });
    await approval('the requester voted', (a) => a.votes.length === 1);
    expect(await click('U2', value)).toMatchObject({ status: 200 });
    await approval('U2 voted', (a) => a.votes.length === 2);
    expect(await click('U2', value)).toMatchObject({ status: 200 });
    const open = await approval('U2 voted again', (a) => a.votes.length === 3);
    expect(open.state).toBe('open');
    expect(open.votes.map((v) => `${v.principal} ${v.counted} ${v.why ?? ''}`.trim())).toEqual([
      expect.stringMatching(/^slack:E1\/U1 false self-approval/),
      'slack:E1/U2 true',
      expect.stringMatching(/^slack:E1\/U2 false repeat-vote/),
    ]);
    // Someone without the role: Slack shows nothing of the click's answer, so the refusal comes by its
    // response_url, and nothing is counted.
    expect(await click('U9', value)).toMatchObject({
      status: 200,
      body: { text: expect.stringContaining('forbidden') },
    });
    const refusal = await eventually(
      'the refused click told by its response_url',
      async () => slack.responses(`click-${clicks}`)[0],
    );
    expect(refusal).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(String(refusal.text)).toContain('(forbidden)');
    expect((await getApproval(db, app, environment, id))?.votes).toHaveLength(3);
    expect(await click('U3', value)).toMatchObject({ status: 200 });

    const released = await approval('released', (a) => a.state === 'released');
    const release = await eventually('the release succeeded', async () => {
      const r = (await listReleases(db, app, environment)).find((x) => x.revision === released.revision);
      return r?.status === 'succeeded' ? r : undefined;
    });
    expect(Object.keys(release.clusters).sort()).toEqual(
      localClusters()
        .map((c) => c.name)
        .sort(),
    );

    // One message, updated from requested through every wave to the end, never a second one.
    const final = await eventually('the message says succeeded', async () => {
      const m = messageIn(CHANNEL);
      return /succeeded/i.test(textOf(m)) ? m : undefined;
    });
    expect(final.ts).toBe(opened.ts);
    expect(slack.messages().filter((m) => m.channel === final.channel)).toHaveLength(1);
    const text = textOf(final);
    for (const c of localClusters()) expect(text).toContain(c.name);
    expect(text).toContain('Ready');
    expect(text).not.toContain('approval.approve');
    expect(final.versions.length).toBeGreaterThan(2);
    // Never a secret in a message.
    expect(JSON.stringify(final.versions)).not.toMatch(/xoxb-|response|signing/i);
    // The requester hears the end where they asked.
    await eventually('the outcome through response_url', async () =>
      slack.responses('deploy').length > 0 ? true : undefined,
    );
  });
});
