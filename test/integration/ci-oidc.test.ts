import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventId } from '../../events/index.ts';
import { AppSpecSchema } from '../../lib/apps/spec.ts';
import type { Runtime } from '../../lib/runtime/up.ts';
import { putApp } from '../../lib/store/apps.ts';
import { createDb, type Db } from '../../lib/store/db.ts';
import { listReleases } from '../../lib/store/releases.ts';
import { uniqueName } from '../support/aws.ts';
import { neverReleased, releasedBy, removeNamespaces } from '../support/ci-release.ts';
import { eventually } from '../support/kube.ts';
import { type LocalIssuer, startLocalIssuer } from '../support/oidc-issuer.ts';
import { digestOf } from '../support/registry.ts';
import { startTestRuntime } from '../support/runtime.ts';

// Issue 13's OIDC acceptance on real parts: a CI job's ID token signed by a local issuer (a real RSA key,
// its discovery document and JWKS on loopback, tokens signed by real jose) on POST /ci/deploy of a real
// runtime (the ingest function with exactly its grants, DynamoDB Local, ElasticMQ, the run's two clusters).
// The right job releases, and capstan's CLI names it; each wrong token or job is refused and enqueues nothing.
const environment = 'staging';
const REGISTRY = 'registry.local:5000';
const app = uniqueName('cideploy');
const REPOSITORY_ID = '424242';
const WORKFLOW = `acme/${app}/.github/workflows/deploy.yml@refs/heads/main`;
let runtime: Runtime;
let db: Db;
let issuer: LocalIssuer;
let other: LocalIssuer;
let jti = 0;

/** A GitHub Actions ID token's claims for a push to main of the allowed repository, in the deploy workflow. */
const claims = (over: Record<string, unknown> = {}) => ({
  sub: `repo:acme/${app}:environment:staging`,
  jti: `jti-${++jti}-${app}`,
  repository: `acme/${app}`,
  repository_id: REPOSITORY_ID,
  repository_owner: 'acme',
  ref: 'refs/heads/main',
  ref_type: 'branch',
  ref_protected: 'true',
  event_name: 'push',
  environment: 'staging',
  job_workflow_ref: WORKFLOW,
  run_id: '9001',
  run_attempt: '1',
  ...over,
});

const deploy = async (
  token: string | undefined,
  body: Record<string, unknown> = { app, environment, tag: '1.0.0' },
) => {
  const response = await fetch(`${runtime.state.httpUrl}/ci/deploy`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

beforeAll(async () => {
  [issuer, other] = await Promise.all([startLocalIssuer(), startLocalIssuer()]);
  runtime = await startTestRuntime('ci-oidc');
  db = createDb(runtime.state.table);
  await putApp(
    db,
    AppSpecSchema.parse({
      name: app,
      namespace: app,
      containers: [{ name: 'web', repository: `${REGISTRY}/acme/${app}`, limits: { cpu: '100m', memory: '32Mi' } }],
      environments: {
        [environment]: {
          ci: [
            {
              provider: 'github',
              issuer: issuer.issuer,
              repositoryId: REPOSITORY_ID,
              refs: ['refs/heads/main'],
              environment: 'staging',
              workflow: WORKFLOW,
            },
          ],
        },
      },
    }),
    new Date(),
  );
});
afterAll(async () => {
  await removeNamespaces(app);
  await runtime?.stop();
  await issuer?.close();
  await other?.close();
});

describe('POST /ci/deploy with a CI job OIDC ID token', () => {
  it('the allowed job releases to every cluster, and the release and history name it', async () => {
    const image = `${REGISTRY}/acme/${app}:1.0.0@${digestOf(`${app}:1.0.0`)}`;
    const c = claims();
    const answer = await deploy(await issuer.sign(c), { app, environment, image });
    expect(answer).toMatchObject({
      status: 202,
      body: { type: 'deploy.requested', requester: `github acme/${app}@refs/heads/main (run 9001/1)` },
    });
    expect(answer.body.accepted).toBe(eventId(['ci-deploy', issuer.issuer, c.jti]));

    // The release, its history and what capstan's own CLI shows all name the job.
    const by = `github acme/${app}@refs/heads/main (run 9001/1)`;
    const release = await releasedBy(db, runtime.state.table, { app, environment }, by);
    expect(release.requester).toEqual({
      kind: 'ci',
      provider: 'github',
      issuer: issuer.issuer,
      repository: `acme/${app}`,
      repositoryId: REPOSITORY_ID,
      ref: 'refs/heads/main',
      workflow: WORKFLOW,
      run: '9001/1',
      environment: 'staging',
      subject: c.sub,
    });
    expect(issuer.jwksFetches()).toBe(1);
  });

  it('the same token again is a replay: refused, nothing enqueued', async () => {
    const token = await issuer.sign(claims());
    expect((await deploy(token, { app, environment, tag: '1.0.1' })).status).toBe(202);
    await eventually('the first use became a release', async () =>
      (await listReleases(db, app, environment)).some((r) => JSON.stringify(r).includes(':1.0.1')) ? true : undefined,
    );
    expect(await deploy(token, { app, environment, tag: '1.0.2' })).toMatchObject({
      status: 401,
      body: { code: 'replayed' },
    });
  });

  const now = () => Math.floor(Date.now() / 1000);
  it.each([
    ['no token', 401, 'no-token', async (): Promise<string | undefined> => undefined],
    ['another audience', 401, 'wrong-audience', () => issuer.sign(claims({ aud: 'sts.amazonaws.com' }))],
    ['an issuer the environment does not name', 401, 'issuer-not-allowed', () => other.sign(claims())],
    [
      "the allowed issuer's name on a token signed by another key",
      401,
      'bad-signature',
      () => other.sign(claims({ iss: issuer.issuer })),
    ],
    ['expired', 401, 'expired', () => issuer.sign(claims({ iat: now() - 900, exp: now() - 300 }))],
    [
      'another repository (same name, other id)',
      403,
      'other-repository',
      () => issuer.sign(claims({ repository_id: '7' })),
    ],
    ['another ref', 403, 'other-ref', () => issuer.sign(claims({ ref: 'refs/heads/feature' }))],
    ['a pull request', 403, 'pull-request', () => issuer.sign(claims({ event_name: 'pull_request' }))],
    [
      'another workflow',
      403,
      'other-workflow',
      () => issuer.sign(claims({ job_workflow_ref: `acme/${app}/.github/workflows/x.yml@refs/heads/main` })),
    ],
  ] as const)('%s: %i %s, nothing enqueued', async (_what, status, code, token) => {
    const before = (await listReleases(db, app, environment)).length;
    const answer = await deploy(await token(), { app, environment, tag: '9.9.9' });
    expect(answer).toMatchObject({ status, body: { code, reason: expect.any(String) } });
    const releases = await listReleases(db, app, environment);
    expect(releases.length).toBe(before);
    expect(releases.some((r) => JSON.stringify(r).includes('9.9.9'))).toBe(false);
  });

  it('no refused request reached the deploy consumer: no release or history entry of 9.9.9, seconds later', () =>
    neverReleased(db, { app, environment }, ':9.9.9'));

  it('an app without a ci entry, or unknown, is refused alike before any issuer is asked', async () => {
    const token = await issuer.sign(claims());
    const unknown = await deploy(token, { app: 'no-such-app', environment, tag: '1.0.0' });
    const elsewhere = await deploy(token, { app, environment: 'production', tag: '1.0.0' });
    expect(unknown).toMatchObject({ status: 403, body: { code: 'not-allowed-here' } });
    expect(elsewhere).toMatchObject({ status: 403, body: { code: 'not-allowed-here' } });
  });

  it('a body that is not a deploy request is a 400 naming the field', async () => {
    const answer = await deploy(await issuer.sign(claims()), { app, environment, image: 'NOT AN IMAGE' });
    expect(answer).toMatchObject({ status: 400, body: { error: 'invalid-body' } });
    expect(JSON.stringify(answer.body.issues)).toContain('image');
  });
});
