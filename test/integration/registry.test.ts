import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppSpecSchema } from '../../lib/apps/spec.ts';
import { hookSecret } from '../../lib/ingest/hook-secret.ts';
import { freePort } from '../../lib/local/ports.ts';
import { pushImage } from '../../lib/local/push-image.ts';
import { type LocalRegistry, startRegistry } from '../../lib/local/registry.ts';
import type { Runtime } from '../../lib/runtime/up.ts';
import { putApp } from '../../lib/store/apps.ts';
import { createDb, type Db } from '../../lib/store/db.ts';
import { queryHistory } from '../../lib/store/history.ts';
import { listReleases, type Release } from '../../lib/store/releases.ts';
import { uniqueName } from '../support/aws.ts';
import { connect, eventually, localClusters } from '../support/kube.ts';
import { startTestRuntime } from '../support/runtime.ts';

// The producer is real too: a CNCF Distribution registry (built from the Go module proxy) takes pushes
// over its API and sends its own notifications (blob pushes, the tagged manifest push, pulls) to the
// HTTP edge with the bearer token an operator would configure. It also stands in for Docker Hub's
// registry API, which resolves the tags of Docker Hub's digest-less webhooks.
let runtime: Runtime;
let registry: LocalRegistry;
let db: Db;
const clusters = localClusters();

beforeAll(async () => {
  // The registry stands in for Docker Hub too: its URL is part of the functions' environment, fixed when
  // the runtime starts, and the registry needs the runtime's URL for its notifications.
  const registryPort = await freePort();
  process.env.CAPSTAN_DOCKERHUB_REGISTRY_URL = `http://127.0.0.1:${registryPort}`;
  runtime = await startTestRuntime('registry');
  db = createDb(runtime.state.table);
  registry = await startRegistry({
    port: registryPort,
    dir: join(runtime.workDir, 'registry'),
    log: () => {},
    notify: {
      url: `${runtime.state.httpUrl}/hooks/distribution`,
      token: hookSecret(runtime.state.ingestToken, 'distribution'),
    },
  });
});
afterAll(async () => {
  delete process.env.CAPSTAN_DOCKERHUB_REGISTRY_URL;
  await registry?.stop();
  await runtime?.stop();
});

const register = (name: string, repository: string) =>
  putApp(
    db,
    AppSpecSchema.parse({
      name,
      namespace: name,
      containers: [{ name: 'web', repository }],
      environments: { staging: { track: { tags: { semver: '>=1.0.0' } }, autoDeploy: true, replicas: 1 } },
    }),
    new Date(),
  );

const succeeded = (app: string, revision: number) =>
  eventually(
    `release #${revision} of ${app} to succeed`,
    async (): Promise<Release | undefined> => {
      const [release] = await listReleases(db, app, 'staging', 1);
      return release?.revision === revision && release.status === 'succeeded' ? release : undefined;
    },
    120_000,
  );

const imagesIn = async (app: string) =>
  Promise.all(
    clusters.map(async (c) => {
      const d = await (await connect(c)).apps.readNamespacedDeployment({ name: app, namespace: app });
      return d.spec?.template.spec?.containers[0]?.image;
    }),
  );

const quiet = () => new Promise((r) => setTimeout(r, 4000));

describe('a real Distribution registry', () => {
  const app = uniqueName('pushed');

  it('a push of a matching tag deploys that manifest digest to every cluster; blobs and pulls are ignored', async () => {
    await register(app, `${registry.host}/acme/${app}`);
    const { reference } = await pushImage(registry.url, `acme/${app}`, '1.0.0');
    const release = await succeeded(app, 1);
    expect(release.image).toBe(reference);
    expect(await imagesIn(app)).toEqual(clusters.map(() => reference));
    await quiet();
    const tracked = (await queryHistory(db, { app })).filter((e) => e.action === 'track');
    expect(tracked).toHaveLength(1);
    expect(tracked[0]).toMatchObject({ outcome: 'accepted', reason: '1.0.0 is the first release' });
  });

  it('pushing the same image again (a new notification, the same digest) makes no release', async () => {
    await pushImage(registry.url, `acme/${app}`, '1.0.0');
    const skipped = await eventually('the repeated push in the history', async () =>
      (await queryHistory(db, { app })).find((e) => e.action === 'track' && e.outcome === 'skipped'),
    );
    expect(skipped.code).toBe('duplicate');
    await quiet();
    expect(await listReleases(db, app, 'staging')).toHaveLength(1);
  });

  it('a newer tag rolls forward; an older tag pushed afterwards is skipped and changes nothing', async () => {
    const newer = await pushImage(registry.url, `acme/${app}`, '1.1.0');
    expect((await succeeded(app, 2)).image).toBe(newer.reference);
    await pushImage(registry.url, `acme/${app}`, '1.0.1');
    const late = await eventually('the older push in the history', async () =>
      (await queryHistory(db, { app })).find((e) => e.action === 'track' && e.code === 'not-newer'),
    );
    expect(late.details).toMatchObject({ image: expect.stringContaining(':1.0.1@') });
    expect(late).toMatchObject({ outcome: 'skipped', code: 'not-newer' });
    await quiet();
    expect(await imagesIn(app)).toEqual(clusters.map(() => newer.reference));
  });
});

describe('Docker Hub pushes (no digest in the webhook)', () => {
  const dockerHub = (repository: string, tag: string, secret = hookSecret(runtime.state.ingestToken, 'dockerhub')) =>
    fetch(`${runtime.state.httpUrl}/hooks/dockerhub/${secret}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        callback_url: `https://registry.hub.docker.com/u/${repository}/hook/x/`,
        push_data: { pushed_at: Math.floor(Date.now() / 1000), pusher: 'ci', tag },
        repository: { repo_name: repository, namespace: repository.split('/')[0], name: repository.split('/')[1] },
      }),
    });

  it('resolve the tag through the registry API and deploy that digest; an unknown tag is skipped with the reason', async () => {
    const app = uniqueName('hub');
    await register(app, `docker.io/acme/${app}`);
    // What Docker Hub holds after the push (the local registry serves its API here).
    const { digest } = await pushImage(registry.url, `acme/${app}`, '2.0.0');
    expect((await dockerHub(`acme/${app}`, '2.0.0')).status).toBe(202);
    const release = await succeeded(app, 1);
    expect(release.image).toBe(`docker.io/acme/${app}:2.0.0@${digest}`);
    expect(await imagesIn(app)).toEqual(clusters.map(() => release.image));

    expect((await dockerHub(`acme/${app}`, '2.1.0')).status).toBe(202);
    const unresolved = await eventually('the unresolved push in the app history', async () =>
      (await queryHistory(db, { app })).find((e) => e.code === 'unresolvable-tag'),
    );
    expect(unresolved).toMatchObject({ outcome: 'skipped', details: { tag: '2.1.0' } });
    expect(await listReleases(db, app, 'staging')).toHaveLength(1);
  });

  it("refuse the ingest token itself and another registry's secret in the path", async () => {
    const app = uniqueName('hub');
    const wrong = [runtime.state.ingestToken, hookSecret(runtime.state.ingestToken, 'distribution')];
    for (const secret of wrong) expect((await dockerHub(`acme/${app}`, '1.0.0', secret)).status).toBe(401);
  });
});

describe('each registry has its own secret', () => {
  it("a Distribution notification with the ingest token, or with Harbor's secret, is refused", async () => {
    const body = JSON.stringify({ events: [] });
    const post = (token: string) =>
      fetch(`${runtime.state.httpUrl}/hooks/distribution`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/vnd.docker.distribution.events.v2+json',
        },
        body,
      });
    expect((await post(runtime.state.ingestToken)).status).toBe(401);
    expect((await post(hookSecret(runtime.state.ingestToken, 'harbor'))).status).toBe(401);
    expect((await post(hookSecret(runtime.state.ingestToken, 'distribution'))).status).toBe(202);
  });
});
