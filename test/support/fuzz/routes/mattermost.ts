import fc from 'fast-check';
import type { CapstanEvent } from '../../../../events/index.ts';
import { eventId } from '../../../../events/index.ts';
import { type ActionContext, approvalButtons } from '../../../../lib/chat/mattermost/actions.ts';
import type { ExpectedEvent } from '../case.ts';
import { almost, type Secrets } from '../credentials.ts';
import { type Breaker, type Credential, inPlace, type Produced, type RouteFuzzSpec } from '../route-spec.ts';
import { app, approvalId, expectOne, formCorresponds, idsInAnswer, image } from './slack.ts';

/**
 * Mattermost's two request URLs (functions/chat.ts): the slash command (a form, `Authorization: Token <token>`)
 * and the Approve/Reject buttons (JSON, capstan's own MAC in `context`: the credential travels in the body). The
 * edge's table lets USER of TEAM request, roll back and approve in `prod` from CHANNEL, so valid commands and
 * clicks are accepted and enqueued; help, status, a person or channel not let in are answered 200 and enqueue
 * nothing. A command's id is derived from its trigger_id, a click's from user, post, approval and vote: the
 * answer names it, and a replay names the same one (Mattermost sends no timestamp, so there is no window).
 */
export const MATTERMOST_FUZZ_ACCESS = {
  workspaces: ['carya1qs77bemjup96ff538snh'],
  user: 'aoa1agao6t8fmx3ikt1j9w5ybw',
  channel: 'jux16pkewjrkfj3ehep1psxyxc',
  environment: 'prod',
} as const;

const TEAM = MATTERMOST_FUZZ_ACCESS.workspaces[0];
const { user: USER, channel: CHANNEL, environment: env } = MATTERMOST_FUZZ_ACCESS;
/** Mattermost's ids: 26 lowercase letters and digits. */
const mmId = fc.stringMatching(/^[a-z0-9]{26}$/);

/**
 * A trigger_id as Mattermost makes one: base64 of `<client id>:<user id>:<millis>:<base64 signature>`, so it
 * carries `+`, `/` and `=`, which the form must encode.
 */
const trigger = fc
  .tuple(
    mmId,
    fc.integer({ min: 1_700_000_000_000, max: 1_800_000_000_000 }),
    fc.uint8Array({ minLength: 64, maxLength: 72 }),
  )
  .map(([client, ms, sig]) =>
    Buffer.from(`${client}:${USER}:${ms}:${Buffer.from(sig).toString('base64')}`).toString('base64'),
  );

/**
 * The form as Mattermost's server encodes it (Go's url.Values.Encode: keys sorted, repeated keys for
 * user_mentions and channel_mentions). A field holding a list of strings is sent once per item; anything else
 * that is not a string is sent as its JSON; a payload that is not an object is sent as text.
 */
const asForm = (json: string): string => {
  const value = JSON.parse(json) as unknown;
  if (!value || typeof value !== 'object' || Array.isArray(value)) return `text=${encodeURIComponent(json)}`;
  const pairs = Object.entries(value)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .flatMap(([k, v]): [string, string][] =>
      Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string')
        ? v.map((x): [string, string] => [k, x])
        : [[k, typeof v === 'string' ? v : JSON.stringify(v)]],
    );
  return new URLSearchParams(pairs).toString();
};

const commandFields = (text: string, triggerId: string, o: { token: string; mentions?: readonly string[] }) => ({
  channel_id: CHANNEL,
  channel_name: 'deploys',
  command: '/capstan',
  response_url: `https://mattermost.acme.example/hooks/commands/${triggerId.slice(0, 26).toLowerCase()}`,
  team_domain: 'acme',
  team_id: TEAM,
  text,
  // Mattermost sends the token in the form too; capstan reads the header only.
  token: o.token,
  trigger_id: triggerId,
  user_id: USER,
  user_name: 'alice',
  ...(o.mentions?.length
    ? { user_mentions: [...o.mentions], user_mentions_ids: o.mentions.map((_, i) => `${'u'.repeat(25)}${i}`) }
    : {}),
});

const requester = { kind: 'mattermost', workspace: TEAM, user: USER, name: 'alice' };

const commandsOf = (secrets: Secrets) => {
  const token = secrets.mattermost.commandToken;
  const commandOf = (
    text: string,
    triggerId: string,
    events: (id: string) => ExpectedEvent[],
    o: { mentions?: readonly string[]; change?: (fields: Record<string, unknown>) => void; note?: string } = {},
  ): Produced => {
    const payload: Record<string, unknown> = commandFields(text, triggerId, { token, ...o });
    o.change?.(payload);
    return {
      note: `/capstan ${text.slice(0, 60)}${o.note ? ` (${o.note})` : ''}`,
      payload,
      events: events(eventId(['mattermost-command', String(payload.team_id), triggerId])),
      contentType: 'application/x-www-form-urlencoded',
      headers: { accept: 'application/json', 'user-agent': 'Mattermost-Bot/1.1' },
      encode: asForm,
    };
  };

  const valid: fc.Arbitrary<Produced> = fc.oneof(
    fc
      .tuple(app, image, trigger)
      .map(([a, img, t]) =>
        commandOf(`deploy ${a} ${env} ${img}`, t, (id) => [
          expectOne(id, { type: 'deploy.requested', data: { app: a, environment: env, image: img, requester } }),
        ]),
      ),
    fc.tuple(app, fc.option(fc.integer({ min: 1, max: 500 }), { nil: undefined }), trigger).map(([a, to, t]) =>
      commandOf(`rollback ${a} ${env}${to ? ` --to ${to}` : ''}`, t, (id) => [
        expectOne(id, {
          type: 'rollback.requested',
          data: { app: a, environment: env, ...(to ? { toRevision: to } : {}), requester },
        }),
      ]),
    ),
  );

  const none = () => [];
  const ignored: fc.Arbitrary<Produced> = fc.oneof(
    fc
      .tuple(
        fc.constantFrom('help', '', 'dance', 'deploy', 'status shop', 'history shop', 'approve shop prod'),
        trigger,
      )
      .map(([text, t]) => commandOf(text, t, none)),
    // Mattermost repeats user_mentions (and its _ids) once per person named.
    fc
      .tuple(fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9.]{2,10}$/), { minLength: 1, maxLength: 4 }), trigger)
      .map(([names, t]) =>
        commandOf(`help ${names.map((n) => `@${n}`).join(' ')}`, t, none, { mentions: names, note: 'mentions' }),
      ),
    // Verified, but not let act: answered in words, nothing enqueued.
    fc
      .tuple(app, image, trigger, mmId, fc.constantFrom('team_id', 'user_id', 'channel_id'))
      .map(([a, img, t, other, field]) =>
        commandOf(`deploy ${a} ${env} ${img}`, t, none, {
          change: (f) => (f[field] = other),
          note: `${field} not let in`,
        }),
      ),
  );

  const breakers = fc.constantFrom<Breaker>(
    { note: 'no team_id', apply: inPlace((p) => delete p.team_id) },
    { note: 'no user_id', apply: inPlace((p) => delete p.user_id) },
    { note: 'no channel_id', apply: inPlace((p) => delete p.channel_id) },
    { note: 'no command', apply: inPlace((p) => delete p.command) },
    { note: 'no trigger_id', apply: inPlace((p) => delete p.trigger_id) },
    { note: 'user_id empty', apply: inPlace((p) => (p.user_id = '')) },
    { note: 'team_id too long', apply: inPlace((p) => (p.team_id = 't'.repeat(65))) },
    { note: 'trigger_id too long', apply: inPlace((p) => (p.trigger_id = 'A'.repeat(1025))) },
    { note: 'text too long', apply: inPlace((p) => (p.text = `deploy ${'x'.repeat(5000)}`)) },
    { note: 'user_id given twice', apply: inPlace((p) => (p.user_id = [p.user_id, 'zzzzzzzzzzzzzzzzzzzzzzzzzz'])) },
    { note: 'text given twice', apply: inPlace((p) => (p.text = [p.text, 'help'])) },
  );

  const header = (headers: Record<string, string>) => () => ({ headers, path: '/hooks/mattermost/commands' });
  const credential = fc.constantFrom('Token ', 'token ', 'TOKEN ', 'Token   ').map(
    (scheme): Credential => ({
      note: `Authorization "${scheme.trim()}" scheme`,
      apply: header({ authorization: `${scheme}${token}` }),
    }),
  );
  const badCredential: fc.Arbitrary<Credential> = fc.oneof(
    fc.constant({ note: 'no Authorization (the token in the form only)', apply: header({}) }),
    fc.constant({ note: 'token off by one character', apply: header({ authorization: `Token ${almost(token)}` }) }),
    fc.constant({ note: 'token with a suffix', apply: header({ authorization: `Token ${token}x` }) }),
    fc.constant({ note: 'token cut short', apply: header({ authorization: `Token ${token.slice(0, -1)}` }) }),
    fc.constant({ note: 'Bearer scheme', apply: header({ authorization: `Bearer ${token}` }) }),
    fc.constant({ note: 'no scheme', apply: header({ authorization: token }) }),
    fc.constant({ note: 'two tokens', apply: header({ authorization: `Token ${token} ${token}` }) }),
    fc.constantFrom(secrets.slack, secrets.token, secrets.mattermost.actionKey).map((other) => ({
      note: "another secret of capstan's",
      apply: header({ authorization: `Token ${other}` }),
    })),
    fc.constantFrom('Token', 'Token ', '', 'null').map((value) => ({
      note: `Authorization ${JSON.stringify(value)}`,
      apply: header({ authorization: value }),
    })),
    // Past node's 16 KiB header limit: refused before any handler runs (431).
    fc.constant({
      note: 'a 20 KB token',
      apply: header({ authorization: `Token ${'x'.repeat(20_000)}` }),
      expect: [431],
    }),
    fc.stringMatching(/^[a-z0-9]{26}$/).map((random) => ({
      note: 'random token',
      apply: header({ authorization: `Token ${random}` }),
    })),
  );
  return { valid, ignored, breakers, credential, badCredential };
};

export const mattermostCommandsRoute = (secrets: Secrets): RouteFuzzSpec => ({
  name: 'mattermost-commands',
  acceptedStatus: 200,
  acceptedIdsOf: idsInAnswer('text'),
  queue: 'deploy',
  bareForm: true,
  ...commandsOf(secrets),
  credentialHeader: 'authorization',
  contentTypes: ['application/x-www-form-urlencoded'],
  // Mattermost always sends a form; the body is read as one whatever the header says.
  checksContentType: false,
  mutationExpect: [200, 400],
  corresponds: formCorresponds,
});

const ACTIONS = '/hooks/mattermost/actions';
type Approval = ActionContext['approval'];

/**
 * The context as capstan posts it on its buttons, as Mattermost sends it back: Go marshals the map with its
 * keys sorted, so the order may differ from capstan's; the MAC is over a canonical array, not the JSON.
 */
const contextOf = (key: string, approval: Approval, vote: 'approve' | 'reject', sorted: boolean) => {
  const [approve, reject] = approvalButtons(key, `https://capstan.example${ACTIONS}`, approval);
  const c = (vote === 'approve' ? approve : reject)?.integration.context as ActionContext;
  if (!sorted) return c;
  const { app: a, environment, id } = c.approval;
  return { approval: { app: a, environment, id }, mac: c.mac, vote: c.vote };
};

/** A click as Mattermost posts it (PostActionIntegrationRequest: every field present, empty when unknown). */
const clickOf = (
  context: unknown,
  o: { user?: string; team?: string; channel?: string; post: string; trigger: string; type: string },
) => ({
  user_id: o.user ?? USER,
  user_name: 'alice',
  channel_id: o.channel ?? CHANNEL,
  channel_name: 'deploys',
  team_id: o.team ?? TEAM,
  team_domain: 'acme',
  post_id: o.post,
  trigger_id: o.trigger,
  type: o.type,
  data_source: '',
  context,
});

const actionsOf = (secrets: Secrets) => {
  const key = secrets.mattermost.actionKey;
  const click = fc.record({
    a: app,
    approval: approvalId,
    vote: fc.constantFrom('approve' as const, 'reject' as const),
    post: mmId,
    trigger,
    type: fc.constantFrom('button', ''),
    sorted: fc.boolean(),
  });
  const produced = (payload: ReturnType<typeof clickOf>, note: string, events: ExpectedEvent[]): Produced => ({
    note,
    payload,
    events,
    contentType: 'application/json',
    headers: { accept: 'application/json', 'user-agent': 'Go-http-client/1.1' },
  });

  const valid: fc.Arbitrary<Produced> = click.map((c) => {
    const approval = { app: c.a, environment: env, id: c.approval };
    const payload = clickOf(contextOf(key, approval, c.vote, c.sorted), c);
    const id = eventId(['mattermost-action', TEAM, USER, c.post, c.approval, c.vote]);
    return produced(payload, `${c.vote} ${c.a}`, [
      expectOne(id, {
        type: 'approval.vote',
        data: {
          app: c.a,
          environment: env,
          approval: c.approval,
          decision: c.vote,
          voter: requester,
          via: 'mattermost',
        },
      }),
    ]);
  });

  // MAC'd, but from a person, team or channel not let in: refused in words, nothing enqueued.
  const ignored: fc.Arbitrary<Produced> = fc
    .tuple(click, mmId, fc.constantFrom('team', 'user', 'channel'))
    .map(([c, other, field]) => {
      const approval = { app: c.a, environment: env, id: c.approval };
      const payload = clickOf(contextOf(key, approval, c.vote, c.sorted), { ...c, [field]: other });
      return produced(payload, `${c.vote} ${c.a}, ${field} not let in`, []);
    });

  const breakers = fc.constantFrom<Breaker>(
    { note: 'no user_id', apply: inPlace((p) => delete p.user_id) },
    { note: 'no team_id', apply: inPlace((p) => delete p.team_id) },
    { note: 'no channel_id', apply: inPlace((p) => delete p.channel_id) },
    { note: 'no post_id', apply: inPlace((p) => delete p.post_id) },
    { note: 'user_id empty', apply: inPlace((p) => (p.user_id = '')) },
    { note: 'user_id a number', apply: inPlace((p) => (p.user_id = 7)) },
    { note: 'team_id too long', apply: inPlace((p) => (p.team_id = 't'.repeat(65))) },
    { note: 'user_name too long', apply: inPlace((p) => (p.user_name = 'a'.repeat(129))) },
    { note: 'post_id an object', apply: inPlace((p) => (p.post_id = { id: p.post_id })) },
  );

  /** A click whose context is changed: not one capstan made, so 401 whatever the rest says. */
  const forged = (note: string, change: (context: Record<string, any>) => unknown): Credential => ({
    note,
    apply: (body) => {
      const payload = JSON.parse(body.toString('utf8')) as Record<string, any>;
      const context = change(structuredClone(payload.context));
      const { context: _, ...rest } = payload;
      return {
        headers: {},
        path: ACTIONS,
        body: Buffer.from(JSON.stringify(context === undefined ? rest : { ...rest, context })),
      };
    },
  });
  const other = (c: Record<string, any>) => (c.vote === 'approve' ? 'reject' : 'approve');
  const badCredential: fc.Arbitrary<Credential> = fc.oneof(
    fc.constantFrom(
      forged('no context', () => undefined),
      forged('context null', () => null),
      forged('context without mac', ({ mac: _, ...c }) => c),
      forged('mac off by one character', (c) => ({
        ...c,
        mac: `${c.mac.slice(0, -1)}${c.mac.endsWith('0') ? '1' : '0'}`,
      })),
      forged('mac in upper case', (c) => ({ ...c, mac: c.mac.toUpperCase() })),
      forged('mac cut short', (c) => ({ ...c, mac: c.mac.slice(0, -2) })),
      forged('mac of another key', (c) => ({
        ...c,
        mac: contextOf(`${key}-other`, c.approval, c.vote, false).mac,
      })),
      forged('the other vote, same mac', (c) => ({ ...c, vote: other(c) })),
      forged('another approval, same mac', (c) => ({ ...c, approval: { ...c.approval, id: `${c.approval.id}0` } })),
      forged('another app, same mac', (c) => ({ ...c, approval: { ...c.approval, app: `${c.approval.app}x` } })),
      forged('another environment, same mac', (c) => ({ ...c, approval: { ...c.approval, environment: 'staging' } })),
      forged('an extra field', (c) => ({ ...c, voter: 'someone-else' })),
      forged('selected_option added (a menu, not a button)', (c) => ({ ...c, selected_option: 'approve' })),
      forged('context as a JSON string', (c) => JSON.stringify(c)),
      forged('context an array', (c) => [c]),
    ),
    fc.string({ maxLength: 64 }).map((mac) => forged('a random mac', (c) => ({ ...c, mac }))),
  );
  const credential = fc.constant<Credential>({
    note: "capstan's MAC in the context",
    apply: () => ({ headers: {}, path: ACTIONS }),
  });
  return { valid, ignored, breakers, credential, badCredential };
};

/** For a 200 to a mutated click: its app and its voter are in the JSON sent. */
const actionCorresponds = (body: Buffer, event: CapstanEvent): string | undefined => {
  if (event.type !== 'approval.vote') return `a ${event.type}, not an approval.vote`;
  const text = body.toString('utf8');
  const { app: a, voter } = event.data as { app: string; voter: { user: string } };
  return text.includes(a) && text.includes(voter.user) ? undefined : `${a} by ${voter.user} is not in the body sent`;
};

export const mattermostActionsRoute = (secrets: Secrets): RouteFuzzSpec => ({
  name: 'mattermost-actions',
  acceptedStatus: 200,
  acceptedIdsOf: idsInAnswer('ephemeral_text'),
  queue: 'approvals',
  ...actionsOf(secrets),
  contentTypes: ['application/json'],
  checksContentType: false,
  // A mutation of the context is a forged MAC: 401.
  mutationExpect: [200, 400, 401],
  corresponds: actionCorresponds,
});
