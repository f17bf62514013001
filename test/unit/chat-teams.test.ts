import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ChatSecretSchema } from '../../lib/chat/secret.ts';
import { acceptTeamsMessage } from '../../lib/chat/teams/accept.ts';
import { commandText, parseTeamsActivity, teamsCommand, tenantOf } from '../../lib/chat/teams/activity.ts';
import { teamsMarkdown } from '../../lib/chat/teams/render.ts';
import { verifyTeamsSignature } from '../../lib/chat/teams/verify.ts';
import type { Release } from '../../lib/store/releases.ts';

// Security tokens as Teams shows them when an outgoing webhook is created: base64 of 32 random bytes.
const TOKEN = Buffer.from('capstan-unit-teams-webhook-key-1').toString('base64');
const OTHER = Buffer.from('another-teams-webhook-key-abcdef').toString('base64');
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';

/** Teams' HMAC as Microsoft documents it: the token base64-decoded is the key, over the body's UTF-8 bytes. */
const sign = (body: string, token = TOKEN) =>
  `HMAC ${createHmac('sha256', Buffer.from(token, 'base64')).update(Buffer.from(body, 'utf8')).digest('base64')}`;

/** An outgoing webhook's activity, shaped as Teams posts it (Bot Framework message, mention in `text`). */
const activity = (text: string, o: Record<string, unknown> = {}) =>
  JSON.stringify({
    type: 'message',
    id: '1485983408511',
    timestamp: '2026-12-04T02:00:00.437Z',
    localTimestamp: '2026-12-04T03:00:00.437+01:00',
    serviceUrl: 'https://smba.trafficmanager.net/emea/',
    channelId: 'msteams',
    from: {
      id: '29:1XJKJMvc5GBtc2JwZq0oj8tHZmzrQgFmB39ATiQWA85gQtHieVkHilBZ9XHoq9j7Zaqt7CZ-NJWi7me2kHTL3Bw',
      name: 'Tim Jones',
      aadObjectId: 'c0ffee00-1111-2222-3333-444455556666',
    },
    conversation: {
      isGroup: true,
      id: '19:253b1f341670408fb6fe51050b6e5ceb@thread.tacv2;messageid=1485983194839',
      name: null,
    },
    recipient: null,
    textFormat: 'plain',
    text,
    attachments: [{ contentType: 'text/html', content: `<div>${text}</div>` }],
    entities: [
      {
        type: 'mention',
        mentioned: { id: '28:c9e8c047-2a74-40a2-b28a-b162d5f5327c', name: 'capstan' },
        text: '<at>capstan</at>',
      },
      { type: 'clientInfo', locale: 'en-US', country: 'US', platform: 'Windows' },
    ],
    channelData: {
      teamsChannelId: '19:253b1f341670408fb6fe51050b6e5ceb@thread.tacv2',
      teamsTeamId: '19:712c61d0ef384e5fa681ba90ca943398@thread.tacv2',
      channel: { id: '19:253b1f341670408fb6fe51050b6e5ceb@thread.tacv2' },
      team: { id: '19:712c61d0ef384e5fa681ba90ca943398@thread.tacv2' },
      tenant: { id: TENANT },
    },
    ...o,
  });

describe("Teams' outgoing webhook HMAC", () => {
  const body = activity('<at>capstan</at> status hello');
  const digest = sign(body).slice(5);
  const flipped = `${digest[0] === 'A' ? 'B' : 'A'}${digest.slice(1)}`;
  it.each([
    ['the right HMAC', { authorization: sign(body) }, TOKEN, true],
    ['any case of the header name and scheme', { Authorization: `hmac ${digest}` }, TOKEN, true],
    ['one token of several (one per team)', { authorization: sign(body) }, [OTHER, TOKEN], true],
    ["another webhook's token", { authorization: sign(body, OTHER) }, TOKEN, false],
    ['a forged digest of the right length', { authorization: `HMAC ${flipped}` }, TOKEN, false],
    ['the HMAC of another body', { authorization: sign(`${body} `) }, TOKEN, false],
    ['a digest in hex', { authorization: `HMAC ${Buffer.from(digest, 'base64').toString('hex')}` }, TOKEN, false],
    ['a truncated digest', { authorization: `HMAC ${digest.slice(0, 40)}` }, TOKEN, false],
    ['a Bearer header', { authorization: `Bearer ${digest}` }, TOKEN, false],
    ['no header', {}, TOKEN, false],
  ])('%s', (_n, headers, tokens, ok) => {
    expect(verifyTeamsSignature(headers, body, tokens).ok).toBe(ok);
  });

  it('is computed over the UTF-8 bytes: a non-ASCII body verifies, its Latin-1 reading does not', () => {
    const unicode = activity('<at>capstan</at> status héllo ✓');
    expect(verifyTeamsSignature({ authorization: sign(unicode) }, unicode, TOKEN).ok).toBe(true);
    const latin1 = createHmac('sha256', Buffer.from(TOKEN, 'base64')).update(Buffer.from(unicode, 'latin1'));
    expect(verifyTeamsSignature({ authorization: `HMAC ${latin1.digest('base64')}` }, unicode, TOKEN).ok).toBe(false);
  });

  it.each([
    ['no token', undefined],
    ['an empty list', []],
  ])('%s configured refuses everything, a right-looking HMAC too', (_n, tokens) => {
    expect(verifyTeamsSignature({ authorization: sign(body) }, body, tokens)).toMatchObject({
      ok: false,
      code: 'not-configured',
    });
  });
});

describe('the chat secret of Teams', () => {
  it.each([
    ['one token', { teams: { securityToken: TOKEN } }, true],
    ['one per team', { teams: { securityToken: [TOKEN, OTHER] } }, true],
    ['no Teams at all', {}, true],
    ['a token that is not base64', { teams: { securityToken: 'not base64 at all!!!!!!!!' } }, false],
    ['a token too short to be one', { teams: { securityToken: 'c2hvcnQ=' } }, false],
    ['an empty list', { teams: { securityToken: [] } }, false],
  ])('%s', (_n, secret, ok) => {
    expect(ChatSecretSchema.safeParse(secret).success).toBe(ok);
  });
});

describe('the words after the mention', () => {
  it.each([
    ['<at>capstan</at> status hello', 'status hello'],
    ['<at>Capstan Bot</at>&nbsp;history hello', 'history hello'],
    ['<at>capstan</at> status hello <at>Larry Brown</at>', 'status hello'],
    ['<p><at>capstan</at> status&#32;hello</p>', 'status hello'],
    [
      '<at>capstan</at> deploy hello prod ghcr.io/acme/hello:1 --tag=a&amp;b',
      'deploy hello prod ghcr.io/acme/hello:1 --tag=a&b',
    ],
    ['decoded once: &amp;lt;x&amp;gt;', 'decoded once: &lt;x&gt;'],
    ['an entity left as it is: &bogus; &#0; &#xD800;', 'an entity left as it is: &bogus; &#0; &#xD800;'],
    ['&lt;at&gt;not a mention&lt;/at&gt; help', '<at>not a mention</at> help'],
    ['hex &#x41;&#X42; and decimal &#67;', 'hex AB and decimal C'],
    ['  <at>capstan</at>  ', ''],
  ])('%j -> %j', (text, words) => {
    expect(commandText(text)).toBe(words);
  });
});

describe('what a Teams message may ask', () => {
  it.each([
    ['status hello', { kind: 'status', app: 'hello' }],
    ['history hello', { kind: 'history', app: 'hello' }],
    ['help', { kind: 'help' }],
    ['', { kind: 'help' }],
    ['status', { kind: 'help', problem: '<app> is missing' }],
    ['status Hello_World', { kind: 'help', problem: expect.stringContaining('app "Hello_World"') }],
    ['frobnicate hello', { kind: 'help', problem: 'unknown command "frobnicate"' }],
    ['deploy hello prod ghcr.io/acme/hello:1', { kind: 'read-only', verb: 'deploy' }],
    ['Rollback hello prod', { kind: 'read-only', verb: 'rollback' }],
    ['promote hello --from staging --to prod', { kind: 'read-only', verb: 'promote' }],
    ['approve hello prod', { kind: 'read-only', verb: 'approve' }],
    ['scale hello prod --cluster c1 --max 9', { kind: 'read-only', verb: 'scale' }],
    ['deploy', { kind: 'read-only', verb: 'deploy' }],
  ])('%j', (text, cmd) => {
    expect(teamsCommand(text)).toEqual(cmd);
  });
});

describe('answers as Teams markdown', () => {
  it.each([
    ['*hello*\n• prod: #3 Succeeded img', '**hello**\n\n• prod: #3 Succeeded img'],
    [':no_entry: refused (read-only): x', '⛔ refused (read-only): x'],
    [':white_check_mark: done', '✅ done'],
    ['an image <script>x</script>', 'an image &lt;script&gt;x&lt;/script&gt;'],
    ['`capstan history hello` stays code', '`capstan history hello` stays code'],
    ['2*3*4 is not bold', '2*3*4 is not bold'],
    [':unknown_code: stays', ':unknown_code: stays'],
    ['a problem\n\nthe usage', 'a problem\n\nthe usage'],
  ])('%j', (text, markdown) => {
    expect(teamsMarkdown(text)).toBe(markdown);
  });
});

describe('the activity', () => {
  it('reads the tenant from channelData, else from the conversation', () => {
    const a = parseTeamsActivity(activity('x'));
    expect(a.ok && tenantOf(a.activity)).toBe(TENANT);
    const old = parseTeamsActivity(activity('x', { channelData: {}, conversation: { id: 'c', tenantId: 't2' } }));
    expect(old.ok && tenantOf(old.activity)).toBe('t2');
    const none = parseTeamsActivity(activity('x', { channelData: { teamsTeamId: 'team' } }));
    expect(none.ok && tenantOf(none.activity)).toBeUndefined();
  });

  it.each([
    ['not JSON', '{"type": "message",', 'the body is not JSON'],
    ['a JSON array', '[]', 'not a Teams message activity'],
    ['another kind of activity', activity('x', { type: 'conversationUpdate' }), 'not a Teams message activity: type'],
    ['no sender', activity('x', { from: undefined }), 'not a Teams message activity: from'],
    ['a text that is not a string', activity('x', { text: 42 }), 'not a Teams message activity: text'],
  ])('refuses %s', (_n, body, reason) => {
    const parsed = parseTeamsActivity(body);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.reason).toContain(reason);
  });
});

describe('POST /hooks/teams', () => {
  const release: Release = {
    app: 'hello',
    environment: 'prod',
    revision: 3,
    image: 'ghcr.io/acme/hello:1.2.3',
    status: 'succeeded',
    requestedBy: '@alice (slack T1/U1)',
  } as Release;
  const asked: string[] = [];
  const ports = {
    workspaceAllowed: async (chat: string, w: string) => {
      asked.push(`${chat}:${w}`);
      return chat === 'teams' && w === TENANT;
    },
    appReleases: async () => [release],
    history: async () => [],
  };
  const post = (body: string, headers: Record<string, string> = { authorization: sign(body) }, tokens = TOKEN) =>
    acceptTeamsMessage({ rawBody: body, headers }, tokens, ports);

  it('answers status with the release, as a Teams message activity', async () => {
    expect(await post(activity('<at>capstan</at> status hello'))).toEqual({
      status: 200,
      body: {
        type: 'message',
        text: '**hello**\n\n• prod: #3 succeeded ghcr.io/acme/hello:1.2.3 (by @alice (slack T1/U1))',
      },
    });
    expect(asked).toContain(`teams:${TENANT}`);
  });

  it('answers history, help, and a problem with the usage of Teams (reads only)', async () => {
    expect((await post(activity('<at>capstan</at> history hello'))).body.text).toBe('hello: no history yet');
    expect((await post(activity('<at>capstan</at> help'))).body.text).toContain('capstan only reads');
    const problem = await post(activity('<at>capstan</at> status'));
    expect(problem.body.text).toMatch(/^&lt;app&gt; is missing\n\nIn Microsoft Teams capstan only reads/);
  });

  it('refuses a write in the thread, saying where to ask', async () => {
    const r = await post(activity('<at>capstan</at> deploy hello prod ghcr.io/acme/hello:2'));
    expect(r).toMatchObject({ status: 200, body: { type: 'message' } });
    expect(r.body.text).toBe(
      '⛔ refused (read-only): Microsoft Teams only reads (status, history): ask for deploy in Slack, Mattermost or with the capstan CLI',
    );
  });

  it('refuses reads from a tenant not let in, or from a message naming none', async () => {
    const foreign = await post(activity('<at>capstan</at> status hello', { channelData: { tenant: { id: 'other' } } }));
    expect(foreign.body.text).toContain('refused (foreign-workspace): teams tenant other is not allowed in');
    const none = await post(activity('<at>capstan</at> status hello', { channelData: {} }));
    expect(none.body.text).toContain('refused (foreign-workspace)');
  });

  it.each([
    ['a forged HMAC', { authorization: `HMAC ${'A'.repeat(43)}=` }, TOKEN, 401, 'bad-signature'],
    ["another webhook's token", undefined, OTHER, 401, 'bad-signature'],
    ['no Authorization header', {}, TOKEN, 401, 'bad-signature'],
    ['no token configured', undefined, undefined, 401, 'not-configured'],
  ])('%s is %i', async (_n, headers, tokens, status, error) => {
    const body = activity('<at>capstan</at> status hello');
    const r = await acceptTeamsMessage(
      { rawBody: body, headers: headers ?? { authorization: sign(body) } },
      tokens,
      ports,
    );
    expect(r).toMatchObject({ status, body: { error, reason: expect.any(String) } });
  });

  it('a signed body that is not an activity is 400', async () => {
    expect(await post('{"type": "message"')).toMatchObject({
      status: 400,
      body: { error: 'invalid-body', reason: 'the body is not JSON' },
    });
  });
});
