import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatRefusedError } from '../../lib/errors.ts';
import { type LocalMattermost, startMattermost } from '../../lib/local/mattermost.ts';
import { mattermostApi } from '../../lib/notify/mattermost.ts';
import { renderMattermostPost } from '../../lib/notify/render-mattermost.ts';
import type { Runtime } from '../../lib/runtime/up.ts';
import { createDb, type Db } from '../../lib/store/db.ts';
import { keys } from '../../lib/store/keys.ts';
import { getApproval, openApproval, type ReleaseApproval } from '../../lib/store/release-approvals.ts';
import { eventually } from '../support/kube.ts';
import { startTestRuntime } from '../support/runtime.ts';

// The notifier's Mattermost message on a real Mattermost server (lib/local/mattermost.ts: v6.7.2 with its own
// PostgreSQL) and a real capstan runtime: the bot posts the approval message with its buttons, a person
// clicks Approve through Mattermost's own API, and Mattermost's server calls capstan's /hooks/mattermost/actions
// with the button's context; the vote is counted in the table and the message edited to show it.
const ACTION_KEY = 'notify-mattermost-test-action-key';
let runtime: Runtime;
let mm: LocalMattermost;
let db: Db;
const at = new Date().toISOString();
const by = 'cli:test';

beforeAll(async () => {
  process.env.CAPSTAN_CHAT_SECRET = JSON.stringify({
    mattermost: { commandToken: 'notify-mattermost-test-command-token' },
    actionKey: ACTION_KEY,
  });
  [runtime, mm] = await Promise.all([
    startTestRuntime('notify-mattermost'),
    startMattermost({ dir: join(tmpdir(), `capstan-mattermost-${process.pid}`), log: (l) => console.log(l) }),
  ]);
  db = createDb(runtime.state.table);
  const put = (item: Record<string, unknown>) => db.doc.send(new PutCommand({ TableName: db.table, Item: item }));
  const principal = `mattermost:${mm.team.id}/${mm.admin.id}`;
  await Promise.all([
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
  await Promise.all([runtime?.stop(), mm?.stop()]);
});

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
