import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import type { Secrets } from '../credentials.ts';
import { type Breaker, type Credential, inPlace, type Produced, type RouteFuzzSpec } from '../route-spec.ts';
import { app } from './slack.ts';

/**
 * Teams' outgoing webhook (lib/chat/teams): an activity POSTed when someone @mentions capstan in a channel,
 * signed `Authorization: HMAC <base64 HMAC-SHA256>` with the base64-decoded security token of the team's
 * webhook (the edge holds two: two teams). Teams only reads: help, status and history from the tenant let in
 * (TEAMS_FUZZ_TENANT) are answered with the read; a write, another tenant or none is refused in words; every
 * one is a 200 message activity, and nothing is ever enqueued (the ledger holds the queues to that).
 */
export const TEAMS_FUZZ_TENANT = '6f1c2a3b-4d5e-4f60-8a71-92b3c4d5e6f7';
const OTHER_TENANT = '0a0a0a0a-0000-4000-8000-000000000000';
const PATH = '/hooks/teams';

/** Where an activity says its tenant: channelData (today's), conversation.tenantId (older ones), or nowhere. */
type TenantAt = 'channelData' | 'conversation' | 'none';

/** `<at>capstan</at>` then the words as the Teams client writes them: a non-breaking space, or a plain one. */
const mention = fc.constantFrom('<at>capstan</at>&nbsp;', '<at>capstan</at> ', '<at>Capstan</at>&nbsp; ');
const trailer = fc.constantFrom('', '&nbsp;', '\n', ' <at>Ana Lima</at>');

/** The activity Teams posts, as chat-teams.test.ts has it; its ids and mention vary with the case. */
const activityOf = (
  words: string,
  o: { tenant: string; at: TenantAt; prefix: string; suffix: string; id: number },
) => ({
  type: 'message',
  id: String(o.id),
  timestamp: new Date(o.id).toISOString(),
  serviceUrl: 'https://smba.trafficmanager.net/emea/',
  channelId: 'msteams',
  from: { id: '29:1abcDEFghi', name: 'Ana Lima', aadObjectId: '0b5c1d2e-3f40-4a51-b627-38c9d0e1f2a3' },
  conversation: {
    isGroup: true,
    id: `19:chan@thread.tacv2;messageid=${o.id}`,
    name: null,
    ...(o.at === 'conversation' ? { tenantId: o.tenant } : {}),
  },
  recipient: null,
  textFormat: 'plain',
  text: `${o.prefix}${words}${o.suffix}`,
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
    ...(o.at === 'channelData' ? { tenant: { id: o.tenant } } : {}),
  },
});

/** The text of a 200, which must be a message activity (the only answer an outgoing webhook may give). */
const textOf = (answerBody: string): string | undefined => {
  const a = JSON.parse(answerBody) as { type?: unknown; text?: unknown };
  return a.type === 'message' && typeof a.text === 'string' ? a.text : undefined;
};

/** The answer is a message activity whose text holds `want` (and, for a read, no refusal). */
const saying =
  (want: string, read: boolean) =>
  (answerBody: string): string | undefined => {
    const text = textOf(answerBody);
    if (text === undefined) return 'not a message activity';
    if (read && text.includes('refused')) return `a read refused: ${text.slice(0, 200)}`;
    return text.includes(want) ? undefined : `the text does not say ${JSON.stringify(want)}`;
  };

const messageId = fc.integer({ min: 1_700_000_000_000, max: 1_800_000_000_000 });
const shape = fc.record({ prefix: mention, suffix: trailer, id: messageId });

const produced = (words: string, o: Parameters<typeof activityOf>[1], says: Produced['says'], note = words) => ({
  note: `@capstan ${note.slice(0, 60)}${o.at === 'conversation' ? ' (tenant in conversation)' : ''}`,
  payload: activityOf(words, o),
  // Nothing, whatever Teams asks: the route has no port to enqueue with.
  events: [],
  contentType: 'application/json',
  headers: { 'user-agent': 'Microsoft-SkypeBotApi (Microsoft-BotFramework/3.0)' },
  says,
});

const valid: fc.Arbitrary<Produced> = fc
  .tuple(
    fc.oneof(
      app.map((a) => ({ words: `status ${a}`, want: `${a}: no releases yet` })),
      app.map((a) => ({ words: `history ${a}`, want: `${a}: no history yet` })),
      fc.constantFrom('help', '').map((words) => ({ words, want: 'In Microsoft Teams capstan only reads' })),
    ),
    fc.constantFrom<TenantAt>('channelData', 'conversation'),
    shape,
  )
  .map(([r, at, s]) => produced(r.words, { tenant: TEAMS_FUZZ_TENANT, at, ...s }, saying(r.want, true)));

const ignored: fc.Arbitrary<Produced> = fc.oneof(
  // Every write is refused, the tenant let in or not, whatever follows the verb.
  fc
    .tuple(fc.constantFrom('deploy', 'rollback', 'promote', 'approve', 'scale', 'DEPLOY'), app, shape)
    .map(([verb, a, s]) =>
      produced(
        `${verb} ${a} prod ghcr.io/acme/${a}:1`,
        { tenant: TEAMS_FUZZ_TENANT, at: 'channelData', ...s },
        saying('refused (read-only)', false),
      ),
    ),
  // A read from another tenant, or one that names none, learns nothing.
  fc
    .tuple(app, fc.constantFrom<TenantAt>('channelData', 'conversation', 'none'), shape)
    .map(([a, at, s]) =>
      produced(
        `status ${a}`,
        { tenant: OTHER_TENANT, at, ...s },
        saying('refused (foreign-workspace)', false),
        `status ${a}, ${at === 'none' ? 'no tenant' : 'another tenant'}`,
      ),
    ),
);

const breakers = fc.constantFrom<Breaker>(
  { note: 'no type', apply: inPlace((p) => delete p.type) },
  { note: 'a conversationUpdate', apply: inPlace((p) => (p.type = 'conversationUpdate')) },
  { note: 'no from', apply: inPlace((p) => delete p.from) },
  { note: 'from.id empty', apply: inPlace((p) => (p.from.id = '')) },
  { note: 'from a string', apply: inPlace((p) => (p.from = 'Ana Lima')) },
  { note: 'text a number', apply: inPlace((p) => (p.text = 7)) },
  { note: 'text too long', apply: inPlace((p) => (p.text = `<at>capstan</at> status ${'x'.repeat(100_000)}`)) },
  { note: 'id too long', apply: inPlace((p) => (p.id = '1'.repeat(257))) },
  { note: 'tenant id empty', apply: inPlace((p) => (p.channelData.tenant = { id: '' })) },
  { note: 'tenant id too long', apply: inPlace((p) => (p.channelData.tenant = { id: 't'.repeat(65) })) },
  { note: 'conversation a string', apply: inPlace((p) => (p.conversation = '19:chan@thread.tacv2')) },
  { note: 'the activity an array', apply: (p) => [p] },
  { note: 'a JSON string', apply: () => 'status shop' },
);

/** `HMAC <digest>` of the body's bytes: keyed with the token's bytes, as Teams does, unless told otherwise. */
const digestOf = (key: Buffer | string, body: Buffer, algorithm = 'sha256') =>
  createHmac(algorithm, key).update(body).digest();
const keyOf = (token: string) => Buffer.from(token, 'base64');

const signed = (note: string, sign: (body: Buffer) => string, expect?: readonly number[]): Credential => ({
  note,
  apply: (body) => ({ headers: { authorization: sign(body) }, path: PATH }),
  ...(expect ? { expect } : {}),
});

const credential = (secrets: Secrets): fc.Arbitrary<Credential> =>
  fc
    .tuple(fc.constantFrom(0, 1), fc.constantFrom('HMAC ', 'hmac ', 'Hmac ', 'HMAC   ', 'HMAC\t'))
    .map(([team, scheme]) =>
      signed(
        `team ${team + 1}'s token, "${scheme.trim()}" scheme`,
        (body) => `${scheme}${digestOf(keyOf(secrets.teams[team] as string), body).toString('base64')}`,
      ),
    );

/** The token's key with one bit of its last byte changed: as close to right as a wrong key gets. */
const nearKey = (token: string) => {
  const key = keyOf(token);
  key[key.length - 1] = (key[key.length - 1] ?? 0) ^ 1;
  return key;
};

const badCredential = (secrets: Secrets): fc.Arbitrary<Credential> => {
  const [token] = secrets.teams;
  const right = (body: Buffer) => digestOf(keyOf(token), body).toString('base64');
  return fc.oneof(
    fc.constantFrom<Credential>(
      { note: 'no Authorization', apply: () => ({ headers: {}, path: PATH }) },
      signed('a key one bit off', (body) => `HMAC ${digestOf(nearKey(token), body).toString('base64')}`),
      // The usual mistake: the token's text as the key, not the bytes it encodes.
      signed('keyed with the token text', (body) => `HMAC ${digestOf(token, body).toString('base64')}`),
      signed("a team's token the edge does not hold", (body) => {
        const other = createHmac('sha256', token).update('another team').digest();
        return `HMAC ${digestOf(other, body).toString('base64')}`;
      }),
      signed("Slack's signing secret as the key", (body) => `HMAC ${digestOf(secrets.slack, body).toString('base64')}`),
      signed('the digest of the body and a newline', (body) => {
        return `HMAC ${digestOf(keyOf(token), Buffer.concat([body, Buffer.from('\n')])).toString('base64')}`;
      }),
      signed('digest off by one character', (body) => {
        const d = right(body);
        return `HMAC ${d[0] === 'A' ? 'B' : 'A'}${d.slice(1)}`;
      }),
      signed('digest in hex', (body) => `HMAC ${digestOf(keyOf(token), body).toString('hex')}`),
      signed('digest base64url, unpadded', (body) => `HMAC ${digestOf(keyOf(token), body).toString('base64url')}`),
      signed('HMAC-SHA1', (body) => `HMAC ${digestOf(keyOf(token), body, 'sha1').toString('base64')}`),
      signed('HMAC-SHA512', (body) => `HMAC ${digestOf(keyOf(token), body, 'sha512').toString('base64')}`),
      signed('digest cut short', (body) => `HMAC ${right(body).slice(0, -2)}=`),
      signed('Bearer scheme', (body) => `Bearer ${right(body)}`),
      signed('no scheme', (body) => right(body)),
      signed('two digests', (body) => `HMAC ${right(body)} HMAC ${right(body)}`),
      signed('the token itself', () => `HMAC ${token}`),
      // Past node's 16 KiB header limit: refused before any handler runs (431).
      signed('a 20 KB digest', () => `HMAC ${'A'.repeat(20_000)}`, [431]),
    ),
    fc
      .constantFrom('HMAC', 'HMAC ', '', 'null')
      .map((value) => signed(`Authorization ${JSON.stringify(value)}`, () => value)),
    fc
      .uint8Array({ minLength: 32, maxLength: 32 })
      .map((bytes) => signed('a random digest', () => `HMAC ${Buffer.from(bytes).toString('base64')}`)),
  );
};

export const teamsRoute = (secrets: Secrets): RouteFuzzSpec => ({
  name: 'teams',
  acceptedStatus: 200,
  // A 200 names no event: the ledger holds any message on a queue that no 202 named against the route.
  acceptedIdsOf: () => [],
  valid,
  ignored,
  breakers,
  credential: credential(secrets),
  badCredential: badCredential(secrets),
  credentialHeader: 'authorization',
  contentTypes: ['application/json'],
  // The body is verified and read as JSON whatever the header says.
  checksContentType: false,
  mutationExpect: [200, 400],
  corresponds: () => 'Teams only reads: no event may come of it',
});
