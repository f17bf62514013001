import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sample from '../../events/samples/deploy.requested.json' with { type: 'json' };
import type { Runtime } from '../../lib/runtime/up.ts';
import { createDb, type Db } from '../../lib/store/db.ts';
import { queryHistory } from '../../lib/store/history.ts';
import { listAppReleases } from '../../lib/store/releases.ts';
import { uniqueName } from '../support/aws.ts';
import { eventually } from '../support/kube.ts';
import { startTestRuntime } from '../support/runtime.ts';

// Teams' outgoing webhook route of a real runtime (local server, chat function with exactly its grants,
// DynamoDB Local, ElasticMQ, the deploy consumer): activities posted as Teams posts them, signed as
// Microsoft documents (HMAC-SHA256 keyed by the base64-decoded security token, over the raw body), a release
// made through POST /events first, so the answers are the app's real state.
const TOKEN = Buffer.from('capstan-integration-teams-key-01').toString('base64');
const OTHER_WEBHOOK = Buffer.from('capstan-integration-teams-key-02').toString('base64');
const TENANT = '6f1c2a3b-4d5e-4f60-8a71-92b3c4d5e6f7';
const APP = 'teamsdemo';
const CLI = join(import.meta.dirname, '../../lib/cli/bin.js');
let runtime: Runtime;
let db: Db;

beforeAll(async () => {
  process.env.CAPSTAN_CHAT_SECRET = JSON.stringify({ teams: { securityToken: TOKEN } });
  runtime = await startTestRuntime('chat-teams');
  db = createDb(runtime.state.table);
  // The operator lets the tenant in with the real CLI (a process of its own), against this runtime.
  const state = join(mkdtempSync(join(tmpdir(), 'capstan-chat-teams-')), 'runtime.json');
  writeFileSync(state, JSON.stringify(runtime.state));
  const env = { ...process.env, CAPSTAN_STATE: state, CAPSTAN_ACTOR: 'ops', CAPSTAN_TABLE: '' };
  const capstan = (...args: string[]) => promisify(execFile)('node', [CLI, 'access', ...args], { env });
  const allowed = await capstan('workspace', 'allow', 'teams', TENANT, '--name', 'Contoso', '--json');
  expect(JSON.parse(allowed.stdout)).toMatchObject({ outcome: 'created', item: { chat: 'teams', workspace: TENANT } });
  // Teams only reads: none of its channels is one commands may come from.
  await expect(capstan('channel', 'allow', 'staging', 'teams', TENANT, 'chan')).rejects.toMatchObject({
    code: 2,
    stderr: expect.stringContaining('chat "teams" is not one of slack, mattermost'),
  });
});
afterAll(async () => {
  delete process.env.CAPSTAN_CHAT_SECRET;
  await runtime?.stop();
});

const sign = (body: string, token = TOKEN) =>
  `HMAC ${createHmac('sha256', Buffer.from(token, 'base64')).update(Buffer.from(body, 'utf8')).digest('base64')}`;

/** The activity Teams posts when `@capstan <words>` is written in a channel of the team. */
const activity = (words: string, tenant = TENANT) =>
  JSON.stringify({
    type: 'message',
    id: `${Date.now()}`,
    timestamp: new Date().toISOString(),
    serviceUrl: 'https://smba.trafficmanager.net/emea/',
    channelId: 'msteams',
    from: { id: '29:1abcDEFghi', name: 'Ana Lima', aadObjectId: '0b5c1d2e-3f40-4a51-b627-38c9d0e1f2a3' },
    conversation: { isGroup: true, id: '19:chan@thread.tacv2;messageid=1733280000000', name: null },
    recipient: null,
    textFormat: 'plain',
    text: `<at>capstan</at>&nbsp;${words}`,
    attachments: [
      {
        contentType: 'text/html',
        content: `<div><span itemtype="http://schema.skype.com/Mention" itemid="0">capstan</span> ${words}</div>`,
      },
    ],
    entities: [
      {
        type: 'mention',
        mentioned: { id: '28:9e8c047a-2a74-40a2-b28a-b162d5f5327c', name: 'capstan' },
        text: '<at>capstan</at>',
      },
    ],
    channelData: {
      teamsChannelId: '19:chan@thread.tacv2',
      teamsTeamId: '19:team@thread.tacv2',
      channel: { id: '19:chan@thread.tacv2' },
      team: { id: '19:team@thread.tacv2' },
      tenant: { id: tenant },
    },
  });

/** POSTed as Teams does; `null`: without an Authorization header. */
const post = async (body: string, authorization: string | null = sign(body)) => {
  const response = await fetch(`${runtime.state.httpUrl}/hooks/teams`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json; charset=utf-8',
      ...(authorization ? { authorization } : {}),
    },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe("Teams' outgoing webhook, through the local runtime", () => {
  it("answers status and history with the app's state after a release", async () => {
    const response = await fetch(`${runtime.state.httpUrl}/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${runtime.state.ingestToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        ...sample,
        id: uniqueName('req'),
        subject: `${APP}/staging`,
        time: new Date().toISOString(),
        data: { ...sample.data, app: APP, requester: { kind: 'cli', user: 'ana' }, requestedBy: undefined },
      }),
    });
    expect(response.status).toBe(202);
    const release = await eventually('a release of the app', async () => (await listAppReleases(db, APP, 5))[0]);

    const status = await post(activity(`status ${APP}`));
    expect(status.status).toBe(200);
    expect(status.body.type).toBe('message');
    expect(status.body.text).toContain(`**${APP}**\n\n• staging: #${release.revision} `);
    expect(status.body.text).toContain(release.image);

    await eventually('a step in its history', async () => (await queryHistory(db, { app: APP, limit: 8 }))[0]);
    const history = await post(activity(`history ${APP}`));
    expect(history).toMatchObject({ status: 200, body: { type: 'message' } });
    expect(history.body.text).toContain(`**${APP}** latest steps`);
    expect(history.body.text).toContain('staging deploy.requested');
  });

  it('refuses what is not a signed Teams message with a 4xx and a reason, and a write or another tenant in the thread; nothing is sent', async () => {
    const before = (await listAppReleases(db, APP, 50)).length;
    const body = activity(`status ${APP}`);
    const digest = sign(body).slice(5);
    const forged = await post(body, `HMAC ${digest[0] === 'A' ? 'B' : 'A'}${digest.slice(1)}`);
    const otherWebhook = await post(body, sign(body, OTHER_WEBHOOK));
    const unsigned = await post(body, null);
    const tampered = await post(body.replace(APP, 'secrets'), sign(body));
    const malformed = '{"type": "message", "text": "<at>capstan</at> status';
    const notJson = await post(malformed, sign(malformed));
    for (const r of [forged, otherWebhook, unsigned, tampered]) {
      expect(r).toMatchObject({ status: 401, body: { error: 'bad-signature', reason: expect.any(String) } });
    }
    expect(unsigned.body.reason).toContain('Authorization: HMAC');
    expect(notJson).toEqual({ status: 400, body: { error: 'invalid-body', reason: 'the body is not JSON' } });

    const write = await post(activity(`deploy ${APP} staging ${sample.data.image}`));
    expect(write).toMatchObject({ status: 200, body: { type: 'message' } });
    expect(write.body.text).toContain('⛔ refused (read-only): Microsoft Teams only reads');
    const foreign = await post(activity(`status ${APP}`, '0a0a0a0a-0000-4000-8000-000000000000'));
    expect(foreign.body.text).toContain('refused (foreign-workspace)');
    expect(foreign.body.text).not.toContain(APP);

    // Give a wrongly enqueued request time to become a release: none does.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(await listAppReleases(db, APP, 50)).toHaveLength(before);
  });
});
