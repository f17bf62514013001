import { createHash } from 'node:crypto';
import fc from 'fast-check';
import type { CapstanEvent } from '../../../../events/index.ts';
import { eventId } from '../../../../events/index.ts';
import { AppSpecSchema } from '../../../../lib/apps/spec.ts';
import { putApp } from '../../../../lib/store/apps.ts';
import type { Db } from '../../../../lib/store/db.ts';
import { deployJob, type HookBuild, pipelineHook, testJob } from '../../gitlab.ts';
import type { ExpectedEvent, FuzzCase } from '../case.ts';
import { almost, type Secrets } from '../credentials.ts';
import { type Breaker, bodyOf, type Credential, inPlace, type Produced, type RouteFuzzSpec } from '../route-spec.ts';
import { tag } from '../values.ts';
import { image } from './slack.ts';

/**
 * POST /hooks/gitlab/{project} (lib/ingest/gitlab-hook.ts): a GitLab project's Pipeline Hook, its own
 * X-Gitlab-Token. GITLAB_FUZZ_APP lets project PROJECT of the instance GL release into `prod` from main,
 * stable and two tags, by a deploy job into `production`; a successful pipeline with one is one
 * deploy.requested, whose id is the pipeline's and its deploy job's: GitLab's retries (one Idempotency-Key)
 * and redeliveries (a new one) are the same event, one message. What capstan passes over in a genuine
 * pipeline (running, no deploy job, another ref or instance, another event) is a 200 with its reason.
 */
export const GITLAB_FUZZ_APP = 'glfuzz';
const PROJECT = 8888;
const OTHER_PROJECT = 8889;
const GL = 'https://gitlab.fuzz.example';
const ENV = 'prod';
const REPOSITORY = `registry.local:5000/acme/${GITLAB_FUZZ_APP}`;
const PROJECT_AT = { projectId: PROJECT, webUrl: `${GL}/acme/${GITLAB_FUZZ_APP}`, path: `acme/${GITLAB_FUZZ_APP}` };
const PATH = `/hooks/gitlab/${PROJECT}`;
const REFS = [
  { ref: 'main', tag: false },
  { ref: 'stable', tag: false },
  { ref: 'v1.2.3', tag: true },
  { ref: 'v2.0.0', tag: true },
] as const;

/** The app, in the edge's table, whose `prod` admits the project's deploy jobs; `staging` admits none. */
export const putGitLabFuzzApp = (db: Db) =>
  putApp(
    db,
    AppSpecSchema.parse({
      name: GITLAB_FUZZ_APP,
      namespace: GITLAB_FUZZ_APP,
      containers: [{ name: 'web', repository: REPOSITORY, limits: { cpu: '100m', memory: '32Mi' } }],
      environments: {
        [ENV]: {
          ci: [
            {
              provider: 'gitlab',
              issuer: GL,
              repositoryId: String(PROJECT),
              refs: REFS.map((r) => `refs/${r.tag ? 'tags' : 'heads'}/${r.ref}`),
              environment: 'production',
            },
          ],
        },
        staging: {},
      },
    }),
    new Date(),
  );

const jobId = fc.integer({ min: 1, max: 2_000_000_000 });
const sha = fc.stringMatching(/^[0-9a-f]{40}$/);

/** What the image is taken from: the pipeline's CAPSTAN_IMAGE, its CAPSTAN_TAG, else the git tag or the sha. */
type ImageFrom = { variables: { key: string; value: string }[]; image?: string };
const imageFrom: fc.Arbitrary<ImageFrom> = fc.oneof(
  fc.constant<ImageFrom>({ variables: [] }),
  image.map((i) => ({ variables: [{ key: 'CAPSTAN_IMAGE', value: i }], image: i })),
  tag.map((t) => ({ variables: [{ key: 'CAPSTAN_TAG', value: t }], image: `${REPOSITORY}:${t}` })),
);

interface Pipeline {
  readonly id: number;
  readonly ref: (typeof REFS)[number];
  readonly sha: string;
  readonly source: string;
  readonly variables: readonly { key: string; value: string }[];
  readonly image: string;
  readonly builds: readonly HookBuild[];
  /** The deploy job capstan must name: the newest successful one into `production`. */
  readonly job: number;
  readonly username: string;
}

const fresh: fc.Arbitrary<Pipeline> = fc
  .record({
    id: fc.integer({ min: 1, max: 2_000_000_000 }),
    ref: fc.constantFrom(...REFS),
    sha,
    source: fc.constantFrom('push', 'web', 'trigger', 'schedule', 'api', 'pipeline'),
    from: imageFrom,
    deploys: fc.uniqueArray(jobId, { minLength: 1, maxLength: 3 }),
    // A job that did not succeed, or deploys elsewhere, or stops an environment: never the one named.
    others: fc.array(
      fc.tuple(jobId, fc.constantFrom('failed', 'canceled', 'staging', 'stop')).map(([id, how]): HookBuild => {
        if (how === 'staging') return deployJob('staging', { id });
        if (how === 'stop') {
          const environment = { name: 'production', action: 'stop', deployment_tier: 'production' };
          return deployJob('production', { id, name: 'stop-production', environment });
        }
        return deployJob('production', { id, status: how });
      }),
      { maxLength: 2 },
    ),
    username: fc.stringMatching(/^[a-z][a-z0-9_.-]{0,20}$/),
  })
  .map((r) => ({
    id: r.id,
    ref: r.ref,
    sha: r.sha,
    source: r.source,
    variables: r.from.variables,
    image: r.from.image ?? `${REPOSITORY}:${r.ref.tag ? r.ref.ref : r.sha}`,
    builds: [testJob(), ...r.deploys.map((id) => deployJob('production', { id })), ...r.others],
    job: Math.max(...r.deploys),
    username: r.username,
  }));

/** One of a few pipelines, the same every time it is drawn: GitLab delivering it again, with new delivery ids. */
const redelivered: fc.Arbitrary<Pipeline> = fc.integer({ min: 0, max: 15 }).map((i) => {
  const s = createHash('sha1').update(`pipeline ${i}`).digest('hex');
  return {
    id: 7_000_000 + i,
    ref: REFS[0],
    sha: s,
    source: 'push',
    variables: [],
    image: `${REPOSITORY}:${s}`,
    builds: [testJob(), deployJob('production', { id: 900_000 + i })],
    job: 900_000 + i,
    username: 'user1',
  };
});

const hookOf = (p: Pipeline) =>
  pipelineHook({
    ...PROJECT_AT,
    pipelineId: p.id,
    ref: p.ref.ref,
    tag: p.ref.tag,
    sha: p.sha,
    source: p.source,
    variables: p.variables,
    builds: p.builds,
    username: p.username,
  });

/** The parts of a deploy.requested a pipeline decides, its requester's included. */
const decided = (type: string, data: Record<string, any>) => {
  const r = data.requester ?? {};
  const keys = ['kind', 'provider', 'issuer', 'repository', 'repositoryId', 'ref', 'run', 'environment', 'subject'];
  return JSON.stringify({
    type,
    app: data.app,
    environment: data.environment,
    image: data.image,
    dryRun: data.dryRun,
    requester: [...keys, 'user'].map((k) => r[k]),
  });
};

const eventOf = (p: Pipeline): ExpectedEvent => {
  const ref = `refs/${p.ref.tag ? 'tags' : 'heads'}/${p.ref.ref}`;
  const want = decided('deploy.requested', {
    app: GITLAB_FUZZ_APP,
    environment: ENV,
    image: p.image,
    dryRun: false,
    requester: {
      kind: 'ci',
      provider: 'gitlab',
      issuer: GL,
      repository: PROJECT_AT.path,
      repositoryId: String(PROJECT),
      ref,
      run: String(p.id),
      environment: 'production',
      subject: `project_path:${PROJECT_AT.path}:ref_type:${p.ref.tag ? 'tag' : 'branch'}:ref:${p.ref.ref}`,
      user: p.username,
    },
  });
  return {
    id: eventId(['gitlab-pipeline', GL, String(PROJECT), String(p.id), String(p.job), GITLAB_FUZZ_APP, ENV]),
    differs: (event) => {
      const got = decided(event.type, event.data as Record<string, unknown>);
      return got === want ? undefined : `got ${got.slice(0, 300)}, meant ${want.slice(0, 300)}`;
    },
  };
};

/** The headers of one delivery (docs.gitlab.com, "Webhooks", Delivery headers); the token is the credential's. */
const delivery = fc.record({ key: fc.uuid(), event: fc.uuid() }).map((d) => ({
  'user-agent': 'GitLab/17.9.0',
  'x-gitlab-event': 'Pipeline Hook',
  'x-gitlab-instance': GL,
  'x-gitlab-webhook-uuid': '2f1b0d3c-6e5a-4c8b-9a7d-1e2f3a4b5c6d',
  'x-gitlab-event-uuid': d.event,
  'idempotency-key': d.key,
}));

const valid: fc.Arbitrary<Produced> = fc
  .tuple(fc.oneof({ weight: 4, arbitrary: fresh }, { weight: 1, arbitrary: redelivered }), delivery)
  .map(([p, headers]) => ({
    note: `pipeline ${p.id} on ${p.ref.ref}, deploy job ${p.job}${p.variables[0] ? ` (${p.variables[0].key})` : ''}`,
    payload: hookOf(p),
    events: [eventOf(p)],
    contentType: 'application/json',
    headers,
  }));

/** A genuine delivery capstan releases nothing from: a 200 naming why. */
const passedOver = (code: string, note: string, change: (hook: any) => void, event = 'Pipeline Hook') =>
  fc.tuple(fresh, delivery).map(([p, headers]): Produced => {
    const payload = hookOf(p);
    change(payload);
    return {
      note: `pipeline ${p.id}: ${note}`,
      payload,
      events: [],
      contentType: 'application/json',
      headers: { ...headers, 'x-gitlab-event': event },
      says: (answerBody) => {
        const a = JSON.parse(answerBody) as { accepted?: unknown; ignored?: { code?: string }[] };
        const codes = (a.ignored ?? []).map((s) => s.code);
        if (JSON.stringify(a.accepted) !== '[]') return `accepted ${JSON.stringify(a.accepted)}`;
        return codes.length === 1 && codes[0] === code ? undefined : `passed over as ${codes.join(', ')}, not ${code}`;
      },
    };
  });

const builds = (list: HookBuild[]) => (hook: any) => {
  hook.builds = list.map((b) => ({ ...hook.builds[0], ...b, environment: b.environment ?? null }));
};

const passedOverCases = fc.oneof(
  ...(['running', 'failed', 'canceled', 'pending', 'skipped'] as const).map((status) =>
    passedOver('not-succeeded', `${status}`, (h) => (h.object_attributes.status = status)),
  ),
  passedOver('change-request', 'a merge request pipeline', (h) => (h.object_attributes.source = 'merge_request_event')),
  passedOver('no-deploy-job', 'no deploy job', builds([testJob()])),
  passedOver('no-deploy-job', 'no builds', (h) => (h.builds = null)),
  passedOver('no-deploy-job', 'its deploy job failed', builds([deployJob('production', { status: 'failed' })])),
  passedOver('other-ref', 'a feature branch', (h) => (h.object_attributes.ref = 'feature/x')),
  passedOver('other-ref', 'a tag not named', (h) => Object.assign(h.object_attributes, { ref: 'v9.9.9', tag: true })),
  passedOver('not-allowed', 'deploying to staging only', builds([deployJob('staging')])),
  passedOver('not-allowed', 'the same project id on another instance', (h) => {
    h.project.web_url = `https://gitlab.com/acme/${GITLAB_FUZZ_APP}`;
  }),
  passedOver('bad-image', 'CAPSTAN_IMAGE not an image', (h) => {
    h.object_attributes.variables = [{ key: 'CAPSTAN_IMAGE', value: 'not an image' }];
  }),
  ...['Job Hook', 'Push Hook', 'Deployment Hook', 'pipeline hook', ''].map((event) =>
    passedOver('other-event', `X-Gitlab-Event ${JSON.stringify(event)}`, () => {}, event),
  ),
);

const breakers = fc.constantFrom<Breaker>(
  { note: 'no object_kind', apply: inPlace((p) => delete p.object_kind) },
  { note: 'object_kind build', apply: inPlace((p) => (p.object_kind = 'build')) },
  { note: 'no object_attributes', apply: inPlace((p) => delete p.object_attributes) },
  { note: 'pipeline id negative', apply: inPlace((p) => (p.object_attributes.id = -1)) },
  { note: 'pipeline id a fraction', apply: inPlace((p) => (p.object_attributes.id = 1.5)) },
  { note: 'pipeline id not digits', apply: inPlace((p) => (p.object_attributes.id = '31a')) },
  { note: 'tag a string', apply: inPlace((p) => (p.object_attributes.tag = 'false')) },
  { note: 'sha not a sha', apply: inPlace((p) => (p.object_attributes.sha = 'HEAD')) },
  { note: 'ref empty', apply: inPlace((p) => (p.object_attributes.ref = '')) },
  { note: 'no project', apply: inPlace((p) => delete p.project) },
  { note: 'web_url not a URL', apply: inPlace((p) => (p.project.web_url = 'gitlab.fuzz.example/acme')) },
  { note: 'web_url javascript:', apply: inPlace((p) => (p.project.web_url = 'javascript:alert(1)')) },
  { note: 'builds an object', apply: inPlace((p) => (p.builds = { 0: p.builds[0] })) },
  { note: 'a build without id', apply: inPlace((p) => delete p.builds[0].id) },
  {
    note: 'a variable value a number',
    apply: inPlace((p) => (p.object_attributes.variables = [{ key: 'X', value: 1 }])),
  },
  { note: 'the hook an array', apply: (p) => [p] },
);

const header = (path: string, headers: Record<string, string>) => () => ({ headers, path });

const badCredential = (secrets: Secrets): fc.Arbitrary<Credential> => {
  const token = secrets.gitlab(String(PROJECT));
  const other = secrets.gitlab(String(OTHER_PROJECT));
  return fc.oneof(
    fc.constantFrom<Credential>(
      { note: 'no X-Gitlab-Token', apply: header(PATH, {}) },
      { note: 'X-Gitlab-Token empty', apply: header(PATH, { 'x-gitlab-token': '' }) },
      { note: 'token off by one character', apply: header(PATH, { 'x-gitlab-token': almost(token) }) },
      { note: 'token with a suffix', apply: header(PATH, { 'x-gitlab-token': `${token}x` }) },
      { note: 'token cut short', apply: header(PATH, { 'x-gitlab-token': token.slice(0, -1) }) },
      { note: "another project's token", apply: header(PATH, { 'x-gitlab-token': other }) },
      { note: 'the ingest token', apply: header(PATH, { 'x-gitlab-token': secrets.token }) },
      { note: 'as a Bearer token', apply: header(PATH, { authorization: `Bearer ${token}` }) },
      { note: 'token in upper case', apply: header(PATH, { 'x-gitlab-token': token.toUpperCase() }) },
      {
        note: "this project's token on another project's route",
        apply: header(`/hooks/gitlab/${OTHER_PROJECT}`, { 'x-gitlab-token': token }),
      },
      // The path's own token speaks for the path's project only: a body naming another is refused.
      {
        note: "another project's route and token, this project's hook",
        apply: header(`/hooks/gitlab/${OTHER_PROJECT}`, { 'x-gitlab-token': other }),
        expect: [403],
      },
      {
        note: 'a project path, not its id',
        apply: header(`/hooks/gitlab/acme%2F${GITLAB_FUZZ_APP}`, { 'x-gitlab-token': token }),
        expect: [400],
      },
      { note: 'no project in the path', apply: header('/hooks/gitlab/', { 'x-gitlab-token': token }), expect: [404] },
      { note: 'project and one more segment', apply: header(`${PATH}/x`, { 'x-gitlab-token': token }), expect: [404] },
      // Past node's 16 KiB header limit: refused before any handler runs (431).
      { note: 'a 20 KB token', apply: header(PATH, { 'x-gitlab-token': 'x'.repeat(20_000) }), expect: [431] },
    ),
    fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/).map((random) => ({
      note: 'random token',
      apply: header(PATH, { 'x-gitlab-token': random }),
    })),
  );
};

/** For a 202 to a mutated hook: a GitLab pipeline's deploy.requested of the app, its run in the body sent. */
const corresponds = (sent: Buffer, event: CapstanEvent): string | undefined => {
  if (event.type !== 'deploy.requested') return `a ${event.type}, not a deploy.requested`;
  const d = event.data as { app: string; requester?: { kind: string; provider?: string; run?: string } };
  if (d.app !== GITLAB_FUZZ_APP) return `app ${d.app}, not ${GITLAB_FUZZ_APP}`;
  if (d.requester?.provider !== 'gitlab') return 'the requester is not a GitLab pipeline';
  return sent.toString('utf8').includes(d.requester.run ?? '?')
    ? undefined
    : `run ${d.requester.run} is not in the body`;
};

/** The route's spec, once its app is in the edge's table. */
export const gitlabRoute = async (db: Db, secrets: Secrets): Promise<RouteFuzzSpec> => {
  await putGitLabFuzzApp(db);
  const token = secrets.gitlab(String(PROJECT));
  return {
    name: 'gitlab',
    queue: 'deploy',
    valid,
    breakers,
    // GitLab sends the token as it was typed in; surrounding blanks are not part of it.
    credential: fc.constantFrom('', ' ', '  ').map((pad) => ({
      note: pad ? 'X-Gitlab-Token with blanks around' : 'X-Gitlab-Token',
      apply: header(PATH, { 'x-gitlab-token': `${pad}${token}${pad}` }),
    })),
    badCredential: badCredential(secrets),
    credentialHeader: 'x-gitlab-token',
    contentTypes: ['application/json'],
    // GitLab always sends JSON; the body is read as such whatever the header says.
    checksContentType: false,
    // A mutation may still mean the pipeline (202), be passed over (200), break the hook (400) or name another
    // project (403).
    mutationExpect: [200, 202, 400, 403],
    corresponds,
    extra: [
      {
        weight: 8,
        arbitrary: passedOverCases.map(
          (p): FuzzCase => ({
            kind: 'ignored',
            note: p.note,
            request: () => ({
              path: PATH,
              headers: { 'content-type': p.contentType, ...p.headers, 'x-gitlab-token': token },
              body: bodyOf(p),
            }),
            sends: 1,
            expect: [200],
            events: [],
            ...(p.says ? { says: p.says } : {}),
            authOk: true,
          }),
        ),
      },
      {
        // The path is percent-decoded before the project is read, as API Gateway hands it to the handler.
        weight: 2,
        arbitrary: valid.map(
          (p): FuzzCase => ({
            kind: 'valid',
            note: `${p.note}; project percent-encoded in the path`,
            request: () => ({
              path: `/hooks/gitlab/${[...String(PROJECT)].map((c) => `%${c.charCodeAt(0).toString(16)}`).join('')}`,
              headers: { 'content-type': p.contentType, ...p.headers, 'x-gitlab-token': token },
              body: bodyOf(p),
            }),
            sends: 1,
            expect: [202],
            events: p.events,
            authOk: true,
          }),
        ),
      },
    ],
  };
};
