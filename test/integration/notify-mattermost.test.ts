import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatRefusedError } from '../../lib/errors.ts';
import { type LocalMattermost, startMattermost } from '../../lib/local/mattermost.ts';
import { freePort } from '../../lib/local/ports.ts';
import { mattermostApi } from '../../lib/notify/mattermost.ts';
import { renderMattermostPost } from '../../lib/notify/render-mattermost.ts';
import type { Runtime } from '../../lib/runtime/up.ts';
import { putApp } from '../../lib/store/apps.ts';
import { createDb, type Db } from '../../lib/store/db.ts';
import { keys } from '../../lib/store/keys.ts';
import { getApproval, listApprovals, openApproval, type ReleaseApproval } from '../../lib/store/release-approvals.ts';
import { registryApp } from '../support/apps.ts';
import { uniqueName } from '../support/aws.ts';
import { eventually } from '../support/kube.ts';
import { digestOf } from '../support/registry.ts';
import { startTestRuntime } from '../support/runtime.ts';

// The notifier on a real Mattermost server (lib/local/mattermost.ts: v6.7.2 with its own PostgreSQL) and a
// real capstan runtime. End to end: alice types `/capstan deploy` in Mattermost (its server POSTs the slash
// command to capstan), the approval opens, the runtime's notifier posts the message with Approve/Reject
// buttons as the bot, bob clicks Approve through Mattermost's own API (its server POSTs the button's context
// to /hooks/mattermost/actions), the vote is counted and the notifier edits the message to show it. Then the
// port and the renderer alone, and the port's refusals.
const ACTION_KEY = 'notify-mattermost-test-action-key';
const REGISTRY = 'registry.local:5000';
const app = uniqueName('mmnotify');
let runtime: Runtime;
let mm: LocalMattermost;
let db: Db;
const at = new Date().toISOString();
const by = 'cli:test';

let bob: { id: string; token: string };
let commandToken: string;

beforeAll(async () => {
  mm = await startMattermost({ dir: join(tmpdir(), `capstan-mattermost-${process.pid}`), log: (l) => console.log(l) });
  // capstan's URL before it starts: Mattermost's slash command calls it, and the notifier's buttons name it.
  const port = await freePort();
  const capstanUrl = `http://127.0.0.1:${port}`;
  const command = await mm.api<{ token: string }>(mm.admin.token, 'POST', '/commands', {
    team_id: mm.team.id,
    trigger: 'capstan',
    method: 'P',
    url: `${capstanUrl}/hooks/mattermost/commands`,
    display_name: 'capstan',
  });
  commandToken = command.token;
  bob = await person('bob');
  process.env.CAPSTAN_PUBLIC_URL = capstanUrl;
  process.env.CAPSTAN_CHAT_SECRET = JSON.stringify({
    mattermost: { commandToken, url: mm.url, botToken: mm.bot.token },
    actionKey: ACTION_KEY,
  });
  runtime = await startTestRuntime('notify-mattermost', { port });
  db = createDb(runtime.state.table);
  const put = (item: Record<string, unknown>) => db.doc.send(new PutCommand({ TableName: db.table, Item: item }));
  const principal = `mattermost:${mm.team.id}/${mm.admin.id}`;
  const grant = (role: string, who: string) =>
    put({
      ...keys.grant('staging', role, `mattermost:${mm.team.id}/${who}`),
      environment: 'staging',
      role,
      subject: { kind: 'principal', principal: `mattermost:${mm.team.id}/${who}` },
      grantedAt: at,
      grantedBy: by,
    });
  await Promise.all([
    grant('request', mm.admin.id),
    grant('approve', bob.id),
    putApp(db, registryApp(app, { staging: { approval: { required: 2 } } }), new Date()),
    put({
      ...keys.workspace('mattermost', mm.team.id),
      chat: 'mattermost',
      workspace: mm.team.id,
      allowedAt: at,
      allowedBy: by,
    }),
    put({
      ...keys.channel('staging', 'mattermost', mm.team.id, mm.channel.id),
      environment: 'staging',
      chat: 'mattermost',
      workspace: mm.team.id,
      channel: mm.channel.id,
      allowedAt: at,
      allowedBy: by,
    }),
    put({
      ...keys.grant('staging', 'approve', principal),
      environment: 'staging',
      role: 'approve',
      subject: { kind: 'principal', principal },
      grantedAt: at,
      grantedBy: by,
    }),
  ]);
}, 600_000);
afterAll(async () => {
  delete process.env.CAPSTAN_CHAT_SECRET;
  delete process.env.CAPSTAN_PUBLIC_URL;
  await Promise.all([runtime?.stop(), mm?.stop()]);
});

/** A second person of the team and channel, signed in. */
const person = async (username: string) => {
  const password = 'Capstan-local-2!';
  const user = await mm.api<{ id: string }>(mm.admin.token, 'POST', '/users', {
    email: `${username}@example.com`,
    username,
    password,
  });
  await mm.api(mm.admin.token, 'POST', `/teams/${mm.team.id}/members`, { team_id: mm.team.id, user_id: user.id });
  await mm.api(mm.admin.token, 'POST', `/channels/${mm.channel.id}/members`, { user_id: user.id });
  const login = await fetch(`${mm.url}/api/v4/users/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login_id: username, password }),
  });
  return { id: user.id, token: login.headers.get('token') ?? '' };
};

const approval = (id: string): ReleaseApproval => ({
  app: 'hello',
  environment: 'staging',
  id,
  request: {
    app: 'hello',
    environment: 'staging',
    image: 'registry.local:5000/acme/hello:1.0.0',
    namespace: 'default',
    replicas: 1,
    ports: [],
    env: {},
    dryRun: false,
  },
  requester: { kind: 'cli', user: 'ana' },
  required: 2,
  role: 'approve',
  selfApproval: false,
  openedAt: at,
  dueAt: new Date(Date.now() + 3_600_000).toISOString(),
  state: 'open',
  votes: [],
  version: 1,
});

interface Post {
  id: string;
  user_id: string;
  channel_id: string;
  props: { attachments: { text: string; color: string; actions?: { id: string; name: string }[] }[] };
}

describe('the request message on a real Mattermost', () => {
  it('/capstan deploy in Mattermost opens an approval; the notifier posts it with buttons; Approve by bob is counted and shown', async () => {
    const image = `${REGISTRY}/acme/${app}:1.0.0@${digestOf(`${app}:1.0.0`)}`;
    // alice types the command in the channel: Mattermost's server POSTs it to capstan with the command token.
    const typed = await mm.api<{ text?: string }>(mm.admin.token, 'POST', '/commands/execute', {
      channel_id: mm.channel.id,
      team_id: mm.team.id,
      command: `/capstan deploy ${app} staging ${image}`,
    });
    expect(typed).toBeDefined();
    const message = await eventually('the bot posted the approval message', async () => {
      const page = await mm.api<{ order: string[]; posts: Record<string, Post> }>(
        mm.admin.token,
        'GET',
        `/channels/${mm.channel.id}/posts?per_page=20`,
      );
      return page.order
        .map((id) => page.posts[id] as Post)
        .find((p) => p.user_id === mm.bot.id && p.props.attachments?.[0]?.text.includes(`**${app}**`));
    });
    const [attachment] = message.props.attachments;
    expect(attachment?.text).toContain('waiting for approval (0/2)');
    expect(attachment?.actions?.map((a) => a.id)).toEqual(['approve', 'reject']);

    const clicked = await mm.api<{ status: string }>(bob.token, 'POST', `/posts/${message.id}/actions/approve`, {});
    expect(clicked.status).toBe('OK');
    await eventually('the message shows the vote', async () => {
      const p = await mm.api<Post>(mm.admin.token, 'GET', `/posts/${message.id}`);
      return p.props.attachments[0]?.text.includes('waiting for approval (1/2)') ? p : undefined;
    });
    const [opened] = await listApprovals(db, app, 'staging');
    expect(opened?.votes).toMatchObject([
      { principal: `mattermost:${mm.team.id}/${bob.id}`, decision: 'approve', via: 'mattermost', counted: true },
    ]);
    const { Item } = await db.doc.send(
      new GetCommand({ TableName: db.table, Key: keys.chatMessage(opened?.id ?? ''), ConsistentRead: true }),
    );
    expect(Item).toMatchObject({ chat: 'mattermost', channel: mm.channel.id, ts: message.id });
  });

  it('posts the approval with buttons; Approve clicked in Mattermost is counted by capstan, and the edit shows it', async () => {
    const id = `mm-${Date.now()}`;
    const { record } = await openApproval(db, approval(id));
    const state = { app: 'hello', environment: 'staging', request: id, approval: record };
    const options = { actionKey: ACTION_KEY, actionsUrl: `${runtime.state.httpUrl}/hooks/mattermost/actions` };
    const port = mattermostApi(mm.url);

    const posted = await port.post(mm.bot.token, mm.channel.id, renderMattermostPost(state, options));
    expect(posted.channel).toBe(mm.channel.id);
    const seen = await mm.api<Post>(mm.admin.token, 'GET', `/posts/${posted.ts}`);
    expect(seen.user_id).toBe(mm.bot.id);
    const [attachment] = seen.props.attachments;
    expect(attachment?.text).toContain('**hello** to **staging**: waiting for approval (0/2)');
    // Mattermost keeps the integration (URL and context) to itself: the readers see the buttons only.
    expect(attachment?.actions?.map((a) => [a.id, a.name])).toEqual([
      ['approve', 'Approve'],
      ['reject', 'Reject'],
    ]);
    expect(JSON.stringify(seen)).not.toContain('integration');

    // alice clicks Approve: Mattermost's server POSTs the stripped context to capstan and relays its answer.
    const clicked = await mm.api<{ status: string }>(mm.admin.token, 'POST', `/posts/${posted.ts}/actions/approve`, {});
    expect(clicked.status).toBe('OK');
    const voted = await eventually('the vote through Mattermost counted', async () => {
      const a = await getApproval(db, 'hello', 'staging', id);
      return a?.votes.length === 1 ? a : undefined;
    });
    expect(voted.votes[0]).toMatchObject({
      principal: `mattermost:${mm.team.id}/${mm.admin.id}`,
      decision: 'approve',
      via: 'mattermost',
      counted: true,
    });

    await port.update(mm.bot.token, posted.ts, renderMattermostPost({ ...state, approval: voted }, options));
    const edited = await mm.api<Post>(mm.admin.token, 'GET', `/posts/${posted.ts}`);
    expect(edited.props.attachments[0]?.text).toContain('waiting for approval (1/2)');
    expect(edited.props.attachments[0]?.text).toContain('approved by @alice');
  });

  it('a bad token and a post that is gone are refusals with the reason, not retries', async () => {
    const port = mattermostApi(mm.url);
    const post = renderMattermostPost({ app: 'hello', environment: 'staging', request: 'r' });
    const bad = await port.post('not-a-token', mm.channel.id, post).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(ChatRefusedError);
    expect((bad as Error).message).toContain('HTTP 401');
    const gone = await port.update(mm.bot.token, 'aaaaaaaaaaaaaaaaaaaaaaaaaa', post).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(ChatRefusedError);
    expect((gone as Error).message).not.toContain(mm.bot.token);
  });
});
