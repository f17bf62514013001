import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { decodeJwt, SignJWT } from 'jose';
import type { CapstanEvent } from '../../../../events/index.ts';
import { eventId } from '../../../../events/index.ts';
import { AppSpecSchema } from '../../../../lib/apps/spec.ts';
import { CI_DEPLOY_ROUTE } from '../../../../lib/ingest/ci-deploy.ts';
import { putApp } from '../../../../lib/store/apps.ts';
import type { Db } from '../../../../lib/store/db.ts';
import { type LocalIssuer, startLocalIssuer } from '../../oidc-issuer.ts';
import type { ExpectedEvent } from '../case.ts';
import type { RawRequest } from '../http.ts';
import { type Breaker, type Credential, inPlace, type Produced, type RouteFuzzSpec } from '../route-spec.ts';
import { tag } from '../values.ts';
import { image } from './slack.ts';

/**
 * POST /ci/deploy (lib/ingest/ci-deploy.ts): a CI job's deploy request, its OIDC ID token as the bearer. Two
 * local issuers on loopback (real RSA keys, discovery and JWKS, tokens signed by real jose) stand for GitHub
 * Actions and a GitLab instance; the app CI_FUZZ_APP lets the deploy workflow of one repository (GitHub) and the
 * protected refs of one project (GitLab) release into `prod`. The event id is the token's (issuer + jti), so what
 * a request must enqueue is read from the token it carries; and a token is used once: sent again, it is refused
 * as replayed (401). Tokens are signed before the run (jose signs asynchronously, a credential is applied
 * synchronously), one per use, each with its own jti.
 */
export const CI_FUZZ_APP = 'cifuzz';
const ENV = 'prod';
const REPOSITORY = `registry.local:5000/acme/${CI_FUZZ_APP}`;
const GITHUB_REPOSITORY_ID = '424242';
const GITLAB_PROJECT_ID = '7777';
const WORKFLOW = `acme/${CI_FUZZ_APP}/.github/workflows/deploy.yml@refs/heads/main`;

export interface CiFuzz {
  readonly github: LocalIssuer;
  readonly gitlab: LocalIssuer;
  /** An issuer no `ci` entry names, whose key also signs tokens claiming an allowed issuer's name. */
  readonly stranger: LocalIssuer;
  close(): Promise<void>;
}

/** The issuers, and the app whose `prod` admits their jobs, in the edge's table. */
export const startCiFuzz = async (db: Db): Promise<CiFuzz> => {
  const [github, gitlab, stranger] = await Promise.all([startLocalIssuer(), startLocalIssuer(), startLocalIssuer()]);
  const spec = AppSpecSchema.parse({
    name: CI_FUZZ_APP,
    namespace: CI_FUZZ_APP,
    containers: [{ name: 'web', repository: REPOSITORY, limits: { cpu: '100m', memory: '32Mi' } }],
    environments: {
      [ENV]: {
        ci: [
          {
            provider: 'github',
            issuer: github.issuer,
            repositoryId: GITHUB_REPOSITORY_ID,
            refs: ['refs/heads/main', 'refs/heads/release'],
            environment: 'production',
            workflow: WORKFLOW,
          },
          {
            provider: 'gitlab',
            issuer: gitlab.issuer,
            repositoryId: GITLAB_PROJECT_ID,
            protectedRefs: true,
            environment: 'production',
          },
        ],
      },
      // No `ci` entry: no job may release here.
      staging: {},
    },
  });
  await putApp(db, spec, new Date());
  return {
    github,
    gitlab,
    stranger,
    close: async () => {
      await Promise.all([github.close(), gitlab.close(), stranger.close()]);
    },
  };
};

const nowS = () => Math.floor(Date.now() / 1000);
const hex = (n: number) => randomUUID().replace(/-/g, '').repeat(2).slice(0, n);
const digits = (min: number, max: number) => String(min + Math.floor(Math.random() * (max - min)));

/**
 * A GitHub Actions ID token's claims for the deploy workflow on a push (docs.github.com, "About security hardening
 * with OpenID Connect"). GitHub's live about 5 minutes; these 15, so a long fuzz profile outlives none.
 */
const githubClaims = (over: Record<string, unknown> = {}) => {
  const ref = Math.random() < 0.8 ? 'refs/heads/main' : 'refs/heads/release';
  return {
    jti: randomUUID(),
    sub: `repo:acme/${CI_FUZZ_APP}:environment:production`,
    nbf: nowS() - 5,
    exp: nowS() + 900,
    ref,
    sha: hex(40),
    repository: `acme/${CI_FUZZ_APP}`,
    repository_id: GITHUB_REPOSITORY_ID,
    repository_owner: 'acme',
    repository_owner_id: '1001',
    repository_visibility: 'private',
    run_id: digits(1_000_000, 9_999_999_999),
    run_number: digits(1, 5000),
    run_attempt: digits(1, 4),
    runner_environment: 'github-hosted',
    actor: 'alice',
    actor_id: '2002',
    workflow: 'deploy',
    head_ref: '',
    base_ref: '',
    event_name: 'push',
    ref_protected: 'true',
    ref_type: 'branch',
    environment: 'production',
    workflow_ref: `acme/${CI_FUZZ_APP}/.github/workflows/deploy.yml@${ref}`,
    workflow_sha: hex(40),
    job_workflow_ref: WORKFLOW,
    job_workflow_sha: hex(40),
    ...over,
  };
};

/** A GitLab CI `id_tokens` token's claims for a protected branch or tag (GitLab's "OpenID Connect (OIDC) ..."). */
const gitlabClaims = (over: Record<string, unknown> = {}) => {
  const tagged = Math.random() < 0.3;
  const ref = tagged ? `v${digits(1, 9)}.${digits(0, 20)}.${digits(0, 99)}` : Math.random() < 0.7 ? 'main' : 'stable';
  const refType = tagged ? 'tag' : 'branch';
  return {
    jti: randomUUID(),
    sub: `project_path:acme/${CI_FUZZ_APP}:ref_type:${refType}:ref:${ref}`,
    nbf: nowS() - 5,
    // As long as the job's timeout: an hour.
    exp: nowS() + 3600,
    namespace_id: '55',
    namespace_path: 'acme',
    project_id: GITLAB_PROJECT_ID,
    project_path: `acme/${CI_FUZZ_APP}`,
    user_id: '3003',
    user_login: 'bob',
    user_email: 'bob@acme.example',
    user_access_level: 'maintainer',
    pipeline_id: digits(1, 99_999_999),
    pipeline_source: 'push',
    job_id: digits(1, 999_999_999),
    ref,
    ref_type: refType,
    ref_path: `refs/${tagged ? 'tags' : 'heads'}/${ref}`,
    ref_protected: 'true',
    environment: 'production',
    environment_protected: 'true',
    deployment_tier: 'production',
    runner_id: digits(1, 99_999),
    runner_environment: 'gitlab-hosted',
    sha: hex(40),
    project_visibility: 'private',
    ci_config_ref_uri: `gitlab.example/acme/${CI_FUZZ_APP}//.gitlab-ci.yml@refs/heads/main`,
    ci_config_sha: hex(40),
    ...over,
  };
};

/** Tokens signed ahead, each taken once: a request with a fresh one is a new release. */
class TokenPool {
  private readonly tokens: string[] = [];
  constructor(private readonly why: string) {}
  static async signed(n: number, sign: (i: number) => Promise<string>): Promise<TokenPool> {
    const pool = new TokenPool(`${n} tokens were signed before the run`);
    for (let i = 0; i < n; i += 50) {
      const batch = await Promise.all(Array.from({ length: Math.min(50, n - i) }, (_, j) => sign(i + j)));
      pool.tokens.push(...batch);
    }
    return pool;
  }
  take(): string {
    const token = this.tokens.pop();
    if (!token) throw new Error(`the CI fuzz ran out of fresh tokens (${this.why}): sign more`);
    return token;
  }
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const header = (headers: Record<string, string>) => () => ({ headers, path: CI_DEPLOY_ROUTE });
const bearer = (token: string) => header({ authorization: `Bearer ${token}` });

/** The tokens capstan must refuse, each signed once (none is ever accepted, so none is used up). */
const badCredentials = async (ci: CiFuzz, ingestToken: string): Promise<fc.Arbitrary<Credential>> => {
  const gh = (over: Record<string, unknown>) => ci.github.sign(githubClaims(over));
  const gl = (over: Record<string, unknown>) => ci.gitlab.sign(gitlabClaims(over));
  const good = await gh({});
  const [h, p, s] = good.split('.') as [string, string, string];
  const claims = decodeJwt(good);
  const signed: [string, Promise<string>, 401 | 403][] = [
    ['wrong audience', gh({ aud: 'not-capstan' }), 401],
    ['audiences without capstan', gh({ aud: ['sts.amazonaws.com', 'vault'] }), 401],
    ['an issuer no entry names', ci.stranger.sign(githubClaims()), 401],
    [
      "an allowed issuer's name, another key (same kid)",
      ci.stranger.sign(githubClaims({ iss: ci.github.issuer })),
      401,
    ],
    ['expired an hour ago', gh({ iat: nowS() - 7200, nbf: nowS() - 7200, exp: nowS() - 3600 }), 401],
    ['not valid for an hour (nbf)', gh({ nbf: nowS() + 3600 }), 401],
    ['no jti', gh({ jti: undefined }), 401],
    [
      'HS256 with a guessable secret',
      new SignJWT({ ...githubClaims(), iss: ci.github.issuer, aud: 'capstan', iat: nowS() })
        .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
        .sign(new TextEncoder().encode('capstan-capstan-capstan-capstan!')),
      401,
    ],
    ['GitLab claims without project_id', gl({ project_id: undefined }), 401],
    ['another repository id', gh({ repository_id: '999999' }), 403],
    ['another repository, same name', gh({ repository_id: '424243' }), 403],
    ['another ref', gh({ ref: 'refs/heads/feature/x' }), 403],
    ['a pull_request job', gh({ event_name: 'pull_request', ref: 'refs/pull/7/merge' }), 403],
    ['a pull_request_target job', gh({ event_name: 'pull_request_target' }), 403],
    ['another workflow', gh({ job_workflow_ref: `acme/${CI_FUZZ_APP}/.github/workflows/x.yml@refs/heads/main` }), 403],
    ['another CI environment', gh({ environment: 'sandbox' }), 403],
    ['no CI environment', gh({ environment: undefined }), 403],
    ['a GitLab ref not protected', gl({ ref: 'topic', ref_type: 'branch', ref_protected: 'false' }), 403],
    ['a GitLab merge request pipeline', gl({ pipeline_source: 'merge_request_event' }), 403],
    ['another GitLab project', gl({ project_id: '7778' }), 403],
  ];
  const tokens = await Promise.all(signed.map(([, t]) => t));
  const refusals: Credential[] = signed.map(([note, , status], i) => ({
    note,
    apply: bearer(tokens[i] as string),
    expect: [status],
  }));
  const forged: Credential[] = [
    { note: 'alg none', apply: bearer(`${b64url({ alg: 'none', typ: 'JWT' })}.${p}.`) },
    { note: 'signature of another token', apply: bearer(`${h}.${p}.${tokens[0]?.split('.')[2]}`) },
    { note: 'claims changed, signature kept', apply: bearer(`${h}.${b64url({ ...claims, repository_id: '1' })}.${s}`) },
    { note: 'signature cut short', apply: bearer(`${h}.${p}.${s.slice(0, -4)}`) },
    { note: 'no signature', apply: bearer(`${h}.${p}`) },
    { note: 'the ingest token', apply: bearer(ingestToken) },
    { note: 'no Authorization', apply: header({}) },
    { note: 'Token scheme', apply: header({ authorization: `Token ${good}` }) },
    { note: 'Basic scheme', apply: header({ authorization: `Basic ${Buffer.from(`x:${good}`).toString('base64')}` }) },
    { note: 'token with a suffix', apply: bearer(`${good}x`) },
    { note: 'two tokens', apply: header({ authorization: `Bearer ${good} ${good}` }) },
    // Past node's 16 KiB header limit: refused before any handler runs (431).
    { note: 'a 20 KB token', apply: bearer('x'.repeat(20_000)), expect: [431] },
  ];
  return fc.oneof(
    fc.constantFrom(...refusals, ...forged),
    fc.constantFrom('Bearer', 'Bearer ', '', 'null').map((value) => ({
      note: `Authorization ${JSON.stringify(value)}`,
      apply: header({ authorization: value }),
    })),
    fc.stringMatching(/^[A-Za-z0-9_-]{1,40}\.[A-Za-z0-9_-]{1,80}\.[A-Za-z0-9_-]{0,80}$/).map((random) => ({
      note: 'random three-part token',
      apply: bearer(random),
    })),
  );
};

/** The token a request carries (the first Authorization, as node keeps it), read without verifying. */
const tokenClaims = (request: RawRequest): Record<string, unknown> | undefined => {
  const value = request.headers.authorization;
  const first = Array.isArray(value) ? value[0] : value;
  const token = /^\s*Bearer\s+(\S+)\s*$/i.exec(String(first ?? ''))?.[1];
  try {
    return token ? decodeJwt(token) : undefined;
  } catch {
    return undefined;
  }
};

/** What the job's token makes of the requester, as lib/ci/decisions/identity.ts must read it. */
const requesterOf = (c: Record<string, unknown>) =>
  c.project_id === undefined
    ? {
        provider: 'github',
        repositoryId: c.repository_id,
        ref: c.ref,
        run: `${c.run_id}/${c.run_attempt}`,
      }
    : {
        provider: 'gitlab',
        repositoryId: c.project_id,
        ref: `refs/${c.ref_type === 'tag' ? 'tags' : 'heads'}/${c.ref}`,
        run: c.pipeline_id,
      };

const body = fc.record(
  {
    what: fc.oneof(
      image.map((i) => ({ image: i })),
      tag.map((t) => ({ tag: t })),
    ),
    container: fc.constant('web'),
    dryRun: fc.boolean(),
    reason: fc.string({ maxLength: 80 }),
  },
  { requiredKeys: ['what'] },
);

/** The parts of a deploy.requested a CI request decides, the requester's included. */
const decided = (data: Record<string, any>, type: string) => {
  const r = data.requester ?? {};
  return JSON.stringify({
    type,
    app: data.app,
    environment: data.environment,
    image: data.image,
    dryRun: data.dryRun,
    requester: {
      kind: r.kind,
      issuer: r.issuer,
      provider: r.provider,
      repositoryId: r.repositoryId,
      ref: r.ref,
      run: r.run,
    },
  });
};

const valid: fc.Arbitrary<Produced> = body.map(({ what, ...rest }) => {
  const payload = { app: CI_FUZZ_APP, environment: ENV, ...what, ...rest };
  const meant = 'image' in what ? what.image : `${REPOSITORY}:${what.tag}`;
  const events = (request: RawRequest): ExpectedEvent[] => {
    const c = tokenClaims(request);
    if (!c) return [];
    const want = decided(
      {
        app: CI_FUZZ_APP,
        environment: ENV,
        image: meant,
        dryRun: rest.dryRun ?? false,
        requester: { kind: 'ci', issuer: c.iss, ...requesterOf(c) },
      },
      'deploy.requested',
    );
    return [
      {
        id: eventId(['ci-deploy', String(c.iss), String(c.jti)]),
        differs: (event) => {
          const got = decided(event.data as Record<string, unknown>, event.type);
          return got === want ? undefined : `got ${got.slice(0, 300)}, meant ${want.slice(0, 300)}`;
        },
      },
    ];
  };
  return {
    note: `deploy ${'image' in what ? what.image : `--tag ${what.tag}`}${rest.dryRun ? ' (dry run)' : ''}`,
    payload,
    events,
    contentType: 'application/json',
    headers: { 'user-agent': 'curl/8.5.0' },
  };
});

const breakers = fc.constantFrom<Breaker>(
  { note: 'no app', apply: inPlace((p) => delete p.app) },
  { note: 'app not a name', apply: inPlace((p) => (p.app = 'Shop!')) },
  { note: 'app a number', apply: inPlace((p) => (p.app = 7)) },
  { note: 'no environment', apply: inPlace((p) => delete p.environment) },
  {
    note: 'image and tag both',
    apply: inPlace((p) => {
      p.image = `${REPOSITORY}:1`;
      p.tag = '1';
    }),
  },
  {
    note: 'neither image nor tag',
    apply: inPlace((p) => {
      delete p.image;
      delete p.tag;
    }),
  },
  {
    note: 'tag not a tag',
    apply: inPlace((p) => {
      p.tag = '-x';
      delete p.image;
    }),
  },
  {
    note: 'image not a reference',
    apply: inPlace((p) => {
      p.image = 'not an image';
      delete p.tag;
    }),
  },
  { note: 'a field capstan does not take', apply: inPlace((p) => (p.requester = { kind: 'cli', user: 'root' })) },
  { note: 'dryRun a string', apply: inPlace((p) => (p.dryRun = 'yes')) },
  { note: 'reason too long', apply: inPlace((p) => (p.reason = 'x'.repeat(501))) },
  {
    note: 'a container the app lacks',
    apply: inPlace((p) => {
      p.container = 'api';
      p.tag = '1';
      delete p.image;
    }),
  },
  { note: 'the body an array', apply: (p) => [p] },
);

/** For a 202 to a mutated request: a CI job's deploy.requested of an app named in the body sent. */
const corresponds = (sent: Buffer, event: CapstanEvent): string | undefined => {
  if (event.type !== 'deploy.requested') return `a ${event.type}, not a deploy.requested`;
  const d = event.data as { app: string; requester?: { kind: string } };
  if (d.requester?.kind !== 'ci') return 'the requester is not the CI job';
  return sent.toString('utf8').includes(d.app) ? undefined : `app ${d.app} is not in the body sent`;
};

/**
 * The route's spec, with twice as many fresh tokens as cases (shrinking a failure sends more), half GitHub's
 * and half GitLab's.
 */
export const ciDeployRoute = async (ci: CiFuzz, ingestToken: string, runs: number): Promise<RouteFuzzSpec> => {
  const pool = await TokenPool.signed(2 * runs + 200, (i) =>
    i % 2 === 0 ? ci.github.sign(githubClaims()) : ci.gitlab.sign(gitlabClaims()),
  );
  return {
    name: 'ci-deploy',
    queue: 'deploy',
    valid,
    breakers,
    credential: fc.constantFrom('Bearer ', 'bearer ', 'BEARER ', 'Bearer   ').map(
      (scheme): Credential => ({
        note: `a fresh ID token, "${scheme.trim()}" scheme`,
        apply: () => ({ headers: { authorization: `${scheme}${pool.take()}` }, path: CI_DEPLOY_ROUTE }),
      }),
    ),
    badCredential: await badCredentials(ci, ingestToken),
    credentialHeader: 'authorization',
    contentTypes: ['application/json'],
    checksContentType: false,
    // Another app or environment (none with a `ci` entry) is 403 not-allowed-here.
    mutationExpect: [202, 400, 403],
    // The token's jti is used: sent again, the request is refused as replayed.
    resent: {
      expect: [401],
      differs: (answer) => {
        const code = (JSON.parse(answer) as { code?: unknown }).code;
        return code === 'replayed' ? undefined : `refused as ${String(code)}, not replayed`;
      },
    },
    corresponds,
  };
};
