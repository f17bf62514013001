import fc from 'fast-check';
import type { CapstanEvent } from '../../../../events/index.ts';
import { eventId } from '../../../../events/index.ts';
import { slackSignature } from '../../../../lib/chat/slack/verify.ts';
import type { ExpectedEvent, FuzzCase } from '../case.ts';
import { almost, type Secrets } from '../credentials.ts';
import { type Breaker, type Credential, inPlace, type Produced, type RouteFuzzSpec } from '../route-spec.ts';
import { repository, tag } from '../values.ts';

/**
 * Slack's two request URLs (functions/chat.ts), signed v0 with the fuzz edge's signing secret. The edge's table
 * lets U1 of T1 (or of the Grid org E1) request, roll back and approve in `prod` from channel C1
 * (SLACK_FUZZ_ACCESS), so valid commands and buttons are accepted and enqueued; help, status and other
 * interactions are answered 200 and enqueue nothing. An accepted request's id is derived from trigger_id (a
 * command) or action_ts + user (a button): the answer names it, and a replay names the same one.
 */
export const SLACK_FUZZ_ACCESS = { workspaces: ['T1', 'E1'], user: 'U1', channel: 'C1', environment: 'prod' } as const;

export const app = fc.stringMatching(/^[a-z]([a-z0-9-]{0,10}[a-z0-9])?$/);
const trigger = fc.stringMatching(/^[0-9]{6,12}\.[0-9]{6,12}\.[0-9a-f]{32}$/);
export const image = fc.tuple(repository, tag).map(([r, t]) => `ghcr.io/${r}:${t}`);
const grid = fc.boolean();

/** A form body from its fields (JSON text, as the mutations hand it over): anything but an object is sent as text. */
const asForm = (json: string): string => {
  const value = JSON.parse(json) as unknown;
  if (!value || typeof value !== 'object' || Array.isArray(value)) return `text=${encodeURIComponent(json)}`;
  return new URLSearchParams(
    Object.entries(value).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
  ).toString();
};
const asPayload = (json: string): string => `payload=${encodeURIComponent(json)}`;

const commandFields = (text: string, triggerId: string, inGrid: boolean) => ({
  token: 'deprecated-verification-token',
  team_id: 'T1',
  team_domain: 'acme',
  ...(inGrid ? { enterprise_id: 'E1', enterprise_name: 'Acme' } : {}),
  channel_id: SLACK_FUZZ_ACCESS.channel,
  channel_name: 'deploys',
  user_id: SLACK_FUZZ_ACCESS.user,
  user_name: 'alice',
  command: '/capstan',
  text,
  api_app_id: 'A0123',
  is_enterprise_install: 'false',
  response_url: `https://hooks.slack.com/commands/T1/${triggerId.split('.')[0]}/x`,
  trigger_id: triggerId,
});

export const expectOne = (id: string, want: { type: string; data: Record<string, unknown> }): ExpectedEvent => ({
  id,
  differs: (event) => {
    const data = event.data as Record<string, unknown>;
    const got = { type: event.type, ...Object.fromEntries(Object.keys(want.data).map((k) => [k, data[k]])) };
    const meant = { type: want.type, ...want.data };
    return JSON.stringify(got) === JSON.stringify(meant) ? undefined : `got ${JSON.stringify(got).slice(0, 300)}`;
  },
});

const commandOf = (
  text: string,
  triggerId: string,
  inGrid: boolean,
  events: (id: string) => ExpectedEvent[],
): Produced => {
  const id = eventId(['slack-command', inGrid ? 'E1' : 'T1', triggerId]);
  return {
    note: `/capstan ${text.slice(0, 60)}${inGrid ? ' (Grid)' : ''}`,
    payload: commandFields(text, triggerId, inGrid),
    events: events(id),
    contentType: 'application/x-www-form-urlencoded',
    encode: asForm,
  };
};

const requester = (inGrid: boolean) => ({ kind: 'slack', workspace: inGrid ? 'E1' : 'T1', user: 'U1', name: 'alice' });
const env = SLACK_FUZZ_ACCESS.environment;

const validCommand: fc.Arbitrary<Produced> = fc.oneof(
  fc.tuple(app, image, trigger, grid).map(([a, img, t, g]) =>
    commandOf(`deploy ${a} ${env} ${img}`, t, g, (id) => [
      expectOne(id, {
        type: 'deploy.requested',
        data: { app: a, environment: env, image: img, requester: requester(g) },
      }),
    ]),
  ),
  fc.tuple(app, fc.option(fc.integer({ min: 1, max: 500 }), { nil: undefined }), trigger, grid).map(([a, to, t, g]) =>
    commandOf(`rollback ${a} ${env}${to ? ` --to ${to}` : ''}`, t, g, (id) => [
      expectOne(id, {
        type: 'rollback.requested',
        data: { app: a, environment: env, ...(to ? { toRevision: to } : {}), requester: requester(g) },
      }),
    ]),
  ),
);

const ignoredCommand: fc.Arbitrary<Produced> = fc
  .tuple(
    fc.constantFrom('help', '', 'dance', 'deploy', 'status shop', 'history shop', 'approve shop prod'),
    trigger,
    grid,
  )
  .map(([text, t, g]) => commandOf(text, t, g, () => []));

const commandBreakers = fc.constantFrom<Breaker>(
  { note: 'no team_id', apply: inPlace((p) => delete p.team_id) },
  { note: 'no user_id', apply: inPlace((p) => delete p.user_id) },
  { note: 'no channel_id', apply: inPlace((p) => delete p.channel_id) },
  { note: 'no command', apply: inPlace((p) => delete p.command) },
  { note: 'user_id empty', apply: inPlace((p) => (p.user_id = '')) },
  { note: 'team_id too long', apply: inPlace((p) => (p.team_id = 'T'.repeat(65))) },
  { note: 'text too long', apply: inPlace((p) => (p.text = `deploy ${'x'.repeat(5000)}`)) },
);

const buttonPayload = (a: string, approval: string, actionId: string, actionTs: string, inGrid: boolean) => ({
  type: 'block_actions',
  user: { id: SLACK_FUZZ_ACCESS.user, username: 'alice', name: 'alice', team_id: 'T1' },
  api_app_id: 'A0123',
  token: 'deprecated-verification-token',
  container: {
    type: 'message',
    message_ts: '1733220000.000100',
    channel_id: SLACK_FUZZ_ACCESS.channel,
    is_ephemeral: false,
  },
  trigger_id: '1234.5678.abcd',
  team: { id: 'T1', domain: 'acme', ...(inGrid ? { enterprise_id: 'E1' } : {}) },
  enterprise: inGrid ? { id: 'E1', name: 'Acme' } : null,
  is_enterprise_install: false,
  channel: { id: SLACK_FUZZ_ACCESS.channel, name: 'deploys' },
  message: { type: 'message', text: 'shop waits for approval', ts: '1733220000.000100', blocks: [] },
  response_url: 'https://hooks.slack.com/actions/T1/1/x',
  actions: [
    {
      type: 'button',
      block_id: 'approval',
      action_id: actionId,
      text: { type: 'plain_text', text: actionId === 'approval.reject' ? 'Reject' : 'Approve' },
      value: `${a}|${env}|${approval}`,
      action_ts: actionTs,
    },
  ],
});

const actionTs = fc
  .integer({ min: 1_700_000_000, max: 1_800_000_000 })
  .chain((s) => fc.integer({ min: 0, max: 999_999 }).map((f) => `${s}.${String(f).padStart(6, '0')}`));
export const approvalId = fc.stringMatching(/^[0-9a-f]{8,32}$/);

const validButton: fc.Arbitrary<Produced> = fc
  .tuple(app, approvalId, fc.constantFrom('approval.approve', 'approval.reject'), actionTs, grid)
  .map(([a, approval, actionId, ts, g]) => {
    const payload = buttonPayload(a, approval, actionId, ts, g);
    const action = payload.actions[0] as { value: string };
    const id = eventId(['slack-action', g ? 'E1' : 'T1', 'U1', ts, actionId, action.value]);
    return {
      note: `${actionId} ${a}${g ? ' (Grid)' : ''}`,
      payload,
      events: [
        expectOne(id, {
          type: 'approval.vote',
          data: {
            app: a,
            environment: env,
            approval,
            decision: actionId === 'approval.reject' ? 'reject' : 'approve',
            via: 'slack',
          },
        }),
      ],
      contentType: 'application/x-www-form-urlencoded',
      encode: asPayload,
    };
  });

const ignoredInteraction: fc.Arbitrary<Produced> = fc.oneof(
  fc.tuple(app, approvalId, actionTs, grid).map(([a, approval, ts, g]) => ({
    note: 'a button capstan does not know',
    payload: buttonPayload(a, approval, 'overflow.menu', ts, g),
    events: [],
    contentType: 'application/x-www-form-urlencoded',
    encode: asPayload,
  })),
  fc.constantFrom('view_submission', 'shortcut', 'message_action', 'view_closed').map((type) => ({
    note: `a ${type}`,
    payload: { type, user: { id: 'U1', team_id: 'T1' }, team: { id: 'T1' }, trigger_id: '1.2.3' },
    events: [],
    contentType: 'application/x-www-form-urlencoded',
    encode: asPayload,
  })),
);

const interactionBreakers = fc.constantFrom<Breaker>(
  { note: 'no actions', apply: inPlace((p) => (p.actions = [])) },
  { note: 'actions an object', apply: inPlace((p) => (p.actions = { 0: p.actions[0] })) },
  { note: 'no user', apply: inPlace((p) => delete p.user) },
  { note: 'user id a number', apply: inPlace((p) => (p.user.id = 7)) },
  { note: 'no type', apply: inPlace((p) => delete p.type) },
  { note: 'button value without an approval', apply: inPlace((p) => (p.actions[0].value = 'shop|prod')) },
  { note: 'button value not names', apply: inPlace((p) => (p.actions[0].value = 'Shop|PROD|x')) },
  {
    note: 'no channel anywhere',
    apply: inPlace((p) => {
      delete p.channel;
      delete p.container;
    }),
  },
  { note: 'the payload an array', apply: (p) => [p] },
);

const signed =
  (path: string, secret: string, o: { note: string; skew?: number; upper?: boolean } = { note: 'signed v0' }) =>
  (): Credential => ({
    note: o.note,
    apply: (body, now) => {
      const timestamp = String(now + (o.skew ?? 0));
      return {
        path,
        headers: {
          [o.upper ? 'X-Slack-Request-Timestamp' : 'x-slack-request-timestamp']: timestamp,
          [o.upper ? 'X-Slack-Signature' : 'x-slack-signature']: slackSignature(
            secret,
            timestamp,
            body.toString('utf8'),
          ),
        },
      };
    },
  });

const credential = (path: string, secret: string): fc.Arbitrary<Credential> =>
  fc.oneof(
    fc.constant(signed(path, secret)()),
    fc.constant(signed(path, secret, { note: 'headers as Slack spells them', upper: true })()),
    fc.integer({ min: -250, max: 250 }).map((skew) => signed(path, secret, { note: `clock ${skew} s off`, skew })()),
  );

const header = (path: string, headers: Record<string, string>) => () => ({ headers, path });

const badCredential = (path: string, secret: string): fc.Arbitrary<Credential> =>
  fc.oneof(
    fc.constant({ note: 'no signature headers', apply: header(path, {}) }),
    fc.constant(signed(path, almost(secret), { note: 'signed with a secret off by one character' })()),
    fc.constant(signed(path, 'another-apps-signing-secret', { note: "another app's secret" })()),
    fc.constant({
      note: 'signature without timestamp',
      apply: (body: Buffer, now: number) => ({
        path,
        headers: { 'x-slack-signature': slackSignature(secret, String(now), body.toString('utf8')) },
      }),
    }),
    fc.constant({
      note: 'signed for another timestamp',
      apply: (body: Buffer, now: number) => ({
        path,
        headers: {
          'x-slack-request-timestamp': String(now),
          'x-slack-signature': slackSignature(secret, String(now - 1), body.toString('utf8')),
        },
      }),
    }),
    fc.constantFrom('v0=', 'v1=', 'v0=zz', '', 'sha256=abc').map((value) => ({
      note: `X-Slack-Signature ${JSON.stringify(value)}`,
      apply: (_: Buffer, now: number) => ({
        path,
        headers: { 'x-slack-request-timestamp': String(now), 'x-slack-signature': value },
      }),
    })),
  );

/** Signed right, but more than 300 s ago or ahead: refused as replayed, whatever the body. */
const replayWindow = (valid: fc.Arbitrary<Produced>, path: string, secret: string, encode: (json: string) => string) =>
  fc.tuple(valid, fc.integer({ min: 301, max: 86_400 }), fc.boolean()).map(
    ([p, skew, past]): FuzzCase => ({
      kind: 'replay-window',
      note: `${p.note}; signed ${skew} s ${past ? 'ago' : 'ahead'}`,
      request: (now) => {
        const body = Buffer.from(encode(JSON.stringify(p.payload)));
        const c = signed(path, secret, { note: '', skew: past ? -skew : skew })().apply(body, now);
        return { path: c.path, headers: { ...c.headers, 'content-type': p.contentType }, body };
      },
      sends: 1,
      expect: [401],
      authOk: false,
    }),
  );

/** The id the answer names: an accepted request's text (in `field`) ends with it; other answers name none. */
export const idsInAnswer =
  (field: string) =>
  (answerBody: string): string[] => {
    const text = (JSON.parse(answerBody) as Record<string, unknown>)[field];
    const id = typeof text === 'string' ? /\(([0-9a-f]{32})\)$/.exec(text)?.[1] : undefined;
    return id ? [id] : [];
  };
export const slackAcceptedIds = idsInAnswer('text');

/** For a 200 to a mutated form: the event's app is in the form as the edge reads it. */
export const formCorresponds = (body: Buffer, event: CapstanEvent): string | undefined => {
  // As the edge reads a form: URLSearchParams, which keeps a malformed escape (a body cut mid-`%XX`) as it is.
  const text = [...new URLSearchParams(body.toString('utf8')).values()].join('\n');
  const app = (event.data as { app?: string }).app ?? '';
  return text.includes(app) ? undefined : `app ${app} is not in the body sent`;
};

const common = {
  acceptedStatus: 200,
  acceptedIdsOf: slackAcceptedIds,
  credentialHeader: 'x-slack-signature',
  contentTypes: ['application/x-www-form-urlencoded'],
  // Slack always sends a form; the body is read as one whatever the header says.
  checksContentType: false,
  mutationExpect: [200, 400],
  corresponds: formCorresponds,
} as const;

export const slackCommandsRoute = (secrets: Secrets): RouteFuzzSpec => {
  const path = '/hooks/slack/commands';
  return {
    ...common,
    name: 'slack-commands',
    queue: 'deploy',
    bareForm: true,
    valid: validCommand,
    ignored: ignoredCommand,
    breakers: commandBreakers,
    credential: credential(path, secrets.slack),
    badCredential: badCredential(path, secrets.slack),
    extra: [{ weight: 4, arbitrary: replayWindow(validCommand, path, secrets.slack, asForm) }],
  };
};

export const slackInteractivityRoute = (secrets: Secrets): RouteFuzzSpec => {
  const path = '/hooks/slack/interactivity';
  return {
    ...common,
    name: 'slack-interactivity',
    queue: 'approvals',
    valid: validButton,
    ignored: ignoredInteraction,
    breakers: interactionBreakers,
    credential: credential(path, secrets.slack),
    badCredential: badCredential(path, secrets.slack),
    extra: [{ weight: 4, arbitrary: replayWindow(validButton, path, secrets.slack, asPayload) }],
  };
};
