import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

/**
 * A local stand-in for the part of Slack's Web API capstan calls, speaking the documented wire format
 * `@slack/web-api` uses: every method is `POST <apiUrl><method>` with a form-urlencoded body (nested fields such
 * as `blocks` JSON-encoded; a JSON body is accepted too, as Slack does), the token in `Authorization: Bearer`
 * (or a `token` field), and every answer is HTTP 200 with `{ok: true, ...}` or `{ok: false, error}`. Interaction
 * `response_url`s are served under `/response/<id>` and record the JSON posted to them.
 *
 * Slack is the only component capstan's tests may replace; everything it does here follows Slack's reference
 * (chat.postMessage, chat.update, usergroups.users.list) so code passing against it passes against Slack.
 *
 * Sign in with Slack (OpenID Connect, https://slack.com/.well-known/openid-configuration): `GET
 * /openid/connect/authorize` signs in the person `signInAs` names (as a browser already signed in to Slack
 * would be) and redirects back with a one-time code, `openid.connect.token` (client_secret_post or basic)
 * redeems it once for an ID token signed RS256 with issuer `https://slack.com`, and `GET /openid/connect/keys`
 * serves the public key.
 */

export interface StandInOptions {
  readonly botToken: string;
  /** Channels that exist (names without `#`, or ids); unset: every channel exists. */
  readonly channels?: readonly string[];
  /** The Slack app's OpenID client, for Sign in with Slack. */
  readonly openid?: { readonly clientId: string; readonly clientSecret: string };
}

/** Who the authorize page signs in: a person of a workspace (a grid's people also have an enterprise). */
export interface SlackPerson {
  readonly team: string;
  readonly user: string;
  readonly name: string;
  readonly enterprise?: string;
}

export interface MessageVersion {
  readonly text?: string;
  readonly blocks?: unknown[];
}

export interface StandInMessage extends MessageVersion {
  /** The channel id Slack answered with (`C…`). */
  readonly channel: string;
  /** The name it was posted to, when it was posted by name. */
  readonly channelName?: string;
  readonly ts: string;
  /** Every version, the posted one first; the current one is the last (and the top-level text/blocks). */
  readonly versions: readonly MessageVersion[];
}

export interface ResponsePost {
  readonly response_type?: string;
  readonly replace_original?: boolean;
  readonly delete_original?: boolean;
  readonly text?: string;
  readonly blocks?: unknown[];
}

/** One scripted failure for the next call of a method: a Slack error, a 429 or a 5xx. */
export type Fault =
  | { readonly error: string }
  | { readonly status: 429; readonly retryAfter: number }
  | { readonly status: 500 | 502 | 503 };

export interface ApiCall {
  readonly method: string;
  /** The arguments as decoded, without the token. */
  readonly args: Record<string, unknown>;
}

export interface SlackStandIn {
  /** With the trailing `/api/`, as `WebClient`'s `slackApiUrl` wants it. */
  readonly apiUrl: string;
  responseUrl(id: string): string;
  messages(): StandInMessage[];
  responses(id: string): ResponsePost[];
  setUsergroup(id: string, users: readonly string[]): void;
  /** The next call of `method` answers with `fault` (queued: several calls fail in order). */
  failNext(method: string, fault: Fault): void;
  /** Every Web API call received, in order (tokens left out). */
  calls(): ApiCall[];
  /** Where `authorize` and `keys` are, with the trailing `/`, as Slack's `https://slack.com/openid/connect/`. */
  readonly oidcUrl: string;
  /** The person the next visits of the authorize page sign in (undefined: nobody is signed in to Slack). */
  signInAs(person: SlackPerson | undefined): void;
  /** The next visit of the authorize page is refused by the person (`error=access_denied`). */
  denyNextSignIn(): void;
  /**
   * The next ID token as a broken or hostile issuer would make it: its claims changed by `claims`, and signed
   * with another key (`foreign`: an RSA key Slack's JWKS does not hold; `hs256`: HMAC with the client secret).
   */
  tamperNextIdToken(t: {
    claims?: (c: Record<string, unknown>) => Record<string, unknown>;
    key?: 'foreign' | 'hs256';
  }): void;
  close(): Promise<void>;
}

// Slack allows a response_url five uses in 30 minutes.
const RESPONSE_URL_USES = 5;

interface Stored {
  channel: string;
  channelName?: string;
  ts: string;
  versions: MessageVersion[];
}

export const startSlackStandIn = async (options: StandInOptions): Promise<SlackStandIn> => {
  const messages: Stored[] = [];
  const responses = new Map<string, ResponsePost[]>();
  const usergroups = new Map<string, readonly string[]>();
  const faults = new Map<string, Fault[]>();
  const calls: ApiCall[] = [];
  const channelIds = new Map<string, string>();
  let lastTs = 0;
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'stand-in-1', alg: 'RS256', use: 'sig' };
  let person: SlackPerson | undefined;
  let denyNext = false;
  let tamper: Parameters<SlackStandIn['tamperNextIdToken']>[0] | undefined;
  const foreign = await generateKeyPair('RS256');
  /** Codes the authorize page gave out, until redeemed once. */
  const codes = new Map<string, { clientId: string; redirectUri: string; nonce?: string; who: SlackPerson }>();

  const channelId = (raw: string): { id: string; name?: string } | undefined => {
    const name = raw.replace(/^#/, '');
    const exists = !options.channels || options.channels.includes(name);
    if ([...channelIds.values()].includes(name)) return { id: name };
    if (/^[CDG][A-Z0-9]{8,}$/.test(name)) return exists ? { id: name } : undefined;
    if (!exists) return undefined;
    let id = channelIds.get(name);
    if (!id) {
      id = `C${String(channelIds.size + 1).padStart(10, '0')}`;
      channelIds.set(name, id);
    }
    return { id, name };
  };
  // Slack's ts: seconds.microseconds, unique per channel and increasing.
  const nextTs = (): string => {
    lastTs = Math.max(lastTs + 1, Date.now() * 1000);
    return `${Math.floor(lastTs / 1e6)}.${String(lastTs % 1e6).padStart(6, '0')}`;
  };

  const methods: Record<string, (args: Record<string, unknown>) => Record<string, unknown>> = {
    'chat.postMessage': (args) => {
      const channel = channelId(String(args.channel ?? ''));
      if (!args.channel || !channel) return { ok: false, error: 'channel_not_found' };
      if (!validBlocks(args.blocks)) return { ok: false, error: 'invalid_blocks' };
      const version = messageVersion(args);
      if (!version.text && !version.blocks) return { ok: false, error: 'no_text' };
      const stored: Stored = { channel: channel.id, ts: nextTs(), versions: [version] };
      if (channel.name) stored.channelName = channel.name;
      messages.push(stored);
      return { ok: true, channel: stored.channel, ts: stored.ts, message: botMessage(stored.ts, version) };
    },
    'chat.update': (args) => {
      const channel = channelId(String(args.channel ?? ''));
      if (!args.channel || !channel) return { ok: false, error: 'channel_not_found' };
      const stored = messages.find((m) => m.channel === channel.id && m.ts === String(args.ts ?? ''));
      if (!stored) return { ok: false, error: 'message_not_found' };
      if (!validBlocks(args.blocks)) return { ok: false, error: 'invalid_blocks' };
      const version = messageVersion(args);
      if (!version.text && !version.blocks) return { ok: false, error: 'no_text' };
      stored.versions.push(version);
      return {
        ok: true,
        channel: stored.channel,
        ts: stored.ts,
        text: version.text ?? '',
        message: botMessage(stored.ts, version),
      };
    },
    'usergroups.users.list': (args) => {
      const users = usergroups.get(String(args.usergroup ?? ''));
      return users ? { ok: true, users: [...users] } : { ok: false, error: 'no_such_subteam' };
    },
  };

  const api = (method: string, req: IncomingMessage, body: string, res: ServerResponse): void => {
    const args = decodeArgs(req.headers['content-type'], body);
    const token = bearer(req.headers.authorization) ?? (typeof args.token === 'string' ? args.token : undefined);
    delete args.token;
    calls.push({ method, args });
    const fault = faults.get(method)?.shift();
    if (fault && 'status' in fault) {
      const headers: Record<string, string> = fault.status === 429 ? { 'retry-after': String(fault.retryAfter) } : {};
      res.writeHead(fault.status, headers).end(fault.status === 429 ? '' : 'upstream unavailable');
      return;
    }
    const handler = methods[method];
    const answer = !handler
      ? { ok: false, error: 'unknown_method', req_method: method }
      : !token
        ? { ok: false, error: 'not_authed' }
        : token !== options.botToken
          ? { ok: false, error: 'invalid_auth' }
          : fault
            ? { ok: false, error: fault.error }
            : handler(args);
    json(res, 200, answer);
  };

  const authorize = (url: URL, res: ServerResponse): void => {
    const q = url.searchParams;
    const redirectUri = q.get('redirect_uri') ?? '';
    const state = q.get('state') ?? '';
    if (!options.openid || q.get('client_id') !== options.openid.clientId) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('invalid client_id');
      return;
    }
    if (q.get('response_type') !== 'code' || !(q.get('scope') ?? '').split(' ').includes('openid') || !redirectUri) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('invalid request');
      return;
    }
    const back = new URL(redirectUri);
    if (denyNext || !person) {
      denyNext = false;
      back.searchParams.set('error', 'access_denied');
    } else {
      const code = randomBytes(24).toString('hex');
      const nonce = q.get('nonce');
      codes.set(code, {
        clientId: options.openid.clientId,
        redirectUri,
        ...(nonce ? { nonce } : {}),
        who: person,
      });
      back.searchParams.set('code', code);
    }
    if (state) back.searchParams.set('state', state);
    res.writeHead(302, { location: back.toString() }).end();
  };

  /** openid.connect.token: the client authenticates with its secret (no token), the code is spent once. */
  const token = async (req: IncomingMessage, body: string, res: ServerResponse): Promise<void> => {
    const args = decodeArgs(req.headers['content-type'], body);
    const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const [basicId, basicSecret] = basic ? Buffer.from(basic, 'base64').toString('utf8').split(':') : [];
    const clientId = String(args.client_id ?? basicId ?? '');
    const clientSecret = String(args.client_secret ?? basicSecret ?? '');
    calls.push({
      method: 'openid.connect.token',
      args: { client_id: clientId, code: args.code, redirect_uri: args.redirect_uri },
    });
    const fail = (error: string) => json(res, 200, { ok: false, error });
    const fault = faults.get('openid.connect.token')?.shift();
    if (fault && 'status' in fault) {
      res.writeHead(fault.status, fault.status === 429 ? { 'retry-after': String(fault.retryAfter) } : {}).end();
      return;
    }
    if (fault) return fail(fault.error);
    if (!options.openid || clientId !== options.openid.clientId) return fail('invalid_client_id');
    if (clientSecret !== options.openid.clientSecret) return fail('bad_client_secret');
    const grant = codes.get(String(args.code ?? ''));
    codes.delete(String(args.code ?? ''));
    if (!grant) return fail('invalid_code');
    if (String(args.redirect_uri ?? '') !== grant.redirectUri) return fail('bad_redirect_uri');
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = {
      iss: 'https://slack.com',
      aud: grant.clientId,
      sub: grant.who.user,
      iat: now,
      exp: now + 3600,
      'https://slack.com/user_id': grant.who.user,
      'https://slack.com/team_id': grant.who.team,
      ...(grant.who.enterprise ? { 'https://slack.com/enterprise_id': grant.who.enterprise } : {}),
      name: grant.who.name,
      auth_time: now,
      ...(grant.nonce ? { nonce: grant.nonce } : {}),
    };
    const t = tamper;
    tamper = undefined;
    const hs256 = t?.key === 'hs256';
    const idToken = await new SignJWT(t?.claims ? t.claims(claims) : claims)
      .setProtectedHeader(hs256 ? { alg: 'HS256', typ: 'JWT' } : { alg: 'RS256', kid: jwk.kid, typ: 'JWT' })
      .sign(
        hs256
          ? new TextEncoder().encode(options.openid.clientSecret)
          : t?.key === 'foreign'
            ? foreign.privateKey
            : privateKey,
      );
    json(res, 200, {
      ok: true,
      access_token: `xoxp-${randomBytes(8).toString('hex')}`,
      token_type: 'Bearer',
      id_token: idToken,
    });
  };

  const respond = (id: string, req: IncomingMessage, body: string, res: ServerResponse): void => {
    const posts = responses.get(id) ?? [];
    if (posts.length >= RESPONSE_URL_USES) {
      json(res, 404, { ok: false, error: 'used_url' });
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      parsed = undefined;
    }
    if (!String(req.headers['content-type'] ?? '').startsWith('application/json') || !isObject(parsed)) {
      json(res, 400, { ok: false, error: 'invalid_payload' });
      return;
    }
    posts.push(parsed as ResponsePost);
    responses.set(id, posts);
    json(res, 200, { ok: true });
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://stand-in');
      const path = url.pathname;
      if (req.method === 'GET' && path === '/openid/connect/authorize') {
        authorize(url, res);
      } else if (req.method === 'GET' && path === '/openid/connect/keys') {
        json(res, 200, { keys: [jwk] });
      } else if (req.method === 'POST' && path === '/api/openid.connect.token') {
        void token(req, body, res);
      } else if (req.method !== 'POST') {
        json(res, 405, { ok: false, error: 'method_not_allowed' });
      } else if (path.startsWith('/api/')) {
        api(path.slice('/api/'.length), req, body, res);
      } else if (path.startsWith('/response/')) {
        respond(decodeURIComponent(path.slice('/response/'.length)), req, body, res);
      } else {
        json(res, 404, { ok: false, error: 'not_found' });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    apiUrl: `${base}/api/`,
    // Another site than capstan's 127.0.0.1 for the browser, as slack.com is: the way back is cross-site.
    oidcUrl: `${base.replace('127.0.0.1', 'localhost')}/openid/connect/`,
    signInAs: (p) => {
      person = p;
    },
    denyNextSignIn: () => {
      denyNext = true;
    },
    tamperNextIdToken: (t) => {
      tamper = t;
    },
    responseUrl: (id) => `${base}/response/${encodeURIComponent(id)}`,
    messages: () =>
      messages.map((m) => ({
        channel: m.channel,
        ...(m.channelName ? { channelName: m.channelName } : {}),
        ts: m.ts,
        ...m.versions[m.versions.length - 1],
        versions: [...m.versions],
      })),
    responses: (id) => [...(responses.get(id) ?? [])],
    setUsergroup: (id, users) => {
      usergroups.set(id, [...users]);
    },
    failNext: (method, fault) => {
      faults.set(method, [...(faults.get(method) ?? []), fault]);
    },
    calls: () => [...calls],
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const bearer = (header: string | undefined): string | undefined => /^Bearer\s+(.+)$/i.exec(header ?? '')?.[1];

// Form fields are strings; the client JSON-encodes anything that is not a string, number or boolean.
const decodeArgs = (contentType: string | undefined, body: string): Record<string, unknown> => {
  if (String(contentType ?? '').startsWith('application/json')) {
    try {
      const parsed: unknown = JSON.parse(body || '{}');
      return isObject(parsed) ? { ...parsed } : {};
    } catch {
      return {};
    }
  }
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(body)) args[key] = value;
  return args;
};

const messageVersion = (args: Record<string, unknown>): MessageVersion => {
  const version: { text?: string; blocks?: unknown[] } = {};
  if (typeof args.text === 'string' && args.text !== '') version.text = args.text;
  const blocks = typeof args.blocks === 'string' ? safeJson(args.blocks) : args.blocks;
  if (Array.isArray(blocks) && blocks.length > 0) version.blocks = blocks;
  return version;
};

const validBlocks = (raw: unknown): boolean => {
  if (raw === undefined) return true;
  const blocks = typeof raw === 'string' ? safeJson(raw) : raw;
  return Array.isArray(blocks) && blocks.every((b) => isObject(b) && typeof b.type === 'string');
};

const safeJson = (s: string): unknown => {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
};

const botMessage = (ts: string, v: MessageVersion) => ({
  type: 'message',
  subtype: 'bot_message',
  bot_id: 'B0STANDIN',
  user: 'U0STANDIN',
  text: v.text ?? '',
  ...(v.blocks ? { blocks: v.blocks } : {}),
  ts,
});

const json = (res: ServerResponse, status: number, body: unknown): void => {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
};
