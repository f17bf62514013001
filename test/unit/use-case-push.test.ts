import { describe, expect, it, vi } from 'vitest';
import { eventId } from '../../events/index.ts';
import { type AppSpec, AppSpecSchema } from '../../lib/apps/spec.ts';
import { onImagePushed } from '../../lib/deploy/use-cases/image-pushed.ts';
import { releaseToEnvironment } from '../../lib/deploy/use-cases/release.ts';
import { UNROUTED_APP } from '../../lib/store/ports.ts';
import { historySteps, type TestDeploy, testDeploy } from '../doubles/deploy-deps.ts';
import { deployRequested, HELLO_REPOSITORY, imagePushed } from '../doubles/events.ts';
import { digestOf } from '../support/registry.ts';

const probes = {
  liveness: { httpGet: { path: '/healthz', port: 8080 } },
  readiness: { httpGet: { path: '/ready', port: 8080 } },
};

const helloApp = (environments: Record<string, unknown>, repository = HELLO_REPOSITORY): AppSpec =>
  AppSpecSchema.parse({
    name: 'hello',
    namespace: 'demo',
    containers: [{ name: 'hello', repository, probes, limits: { cpu: '500m', memory: '256Mi' } }],
    environments,
  });

/** staging deploys every semver push on its own; production waits for `capstan approve`. */
const semverApp = helloApp({
  staging: { track: { tags: { semver: '>=1.0.0' } }, autoDeploy: true },
  production: { track: { tags: { semver: '>=1.0.0' } }, autoDeploy: false },
});

const withApp = async (spec: AppSpec, overrides: Parameters<typeof testDeploy>[0] = {}): Promise<TestDeploy> => {
  const t = testDeploy(overrides);
  await t.db.seed.app(spec);
  return t;
};

const tracked = (t: TestDeploy) => historySteps(t).map((s) => s.replace(/ - - /, ' '));
const environmentsOf = (t: TestDeploy) =>
  t.db.history('hello').map((e) => `${e.environment} ${e.action} ${e.outcome} ${e.code ?? '-'}`);

describe('onImagePushed', () => {
  it('records a push of a repository no app runs under the unrouted pseudo-app (not-tracked)', async () => {
    const t = await withApp(semverApp);
    const summary = await onImagePushed(imagePushed('p1', { repository: 'acme/other', tag: '1.0.0' }), t.deps);
    expect(summary).toMatchObject({ repository: 'registry.local:5000/acme/other', decisions: [], code: 'not-tracked' });
    expect(t.db.history(UNROUTED_APP).map((e) => [e.action, e.outcome, e.code])).toEqual([
      ['track', 'skipped', 'not-tracked'],
    ]);
    expect(t.queue.sent).toEqual([]);
  });

  it('skips a push without a tag (no-tag): capstan deploys tags', async () => {
    const t = await withApp(semverApp);
    const summary = await onImagePushed(imagePushed('p1', { digest: digestOf('x') }), t.deps);
    expect(summary).toMatchObject({ decisions: [], code: 'no-tag' });
    expect(t.db.history(UNROUTED_APP).map((e) => e.code)).toEqual(['no-tag']);
    expect(t.queue.sent).toEqual([]);
  });

  it('asks for a deploy, pinned by digest, where the app deploys on its own; the id derives from the push', async () => {
    const t = await withApp(semverApp);
    const push = imagePushed('p1', { tag: '1.2.0', pushedBy: 'ci' });
    await onImagePushed(push, t.deps);
    await onImagePushed(push, t.deps);
    const requests = t.queue.ofType('deploy.requested');
    expect(requests).toHaveLength(2);
    expect(requests[0]).toEqual(requests[1]);
    const [request] = requests;
    expect(request?.id).toBe(eventId(['deploy.requested', 'p1', 'hello', 'staging']));
    expect(request).toMatchObject({
      time: '2026-12-01T10:00:00.000Z',
      data: {
        app: 'hello',
        environment: 'staging',
        image: `${HELLO_REPOSITORY}:1.2.0@${digestOf('1.2.0')}`,
        container: 'hello',
        requestedBy: 'distribution:ci',
        reason: 'push of 1.2.0',
      },
    });
    expect(t.queue.sent.every((s) => s.delaySeconds === undefined)).toBe(true);
    // The redelivery lands on its twins: one entry per environment.
    expect(environmentsOf(t)).toEqual(['staging track accepted -', 'production track pending -']);
  });

  it('a push production takes waits for approval; an older push never replaces a newer waiting one', async () => {
    const t = await withApp(semverApp);
    await onImagePushed(imagePushed('p2', { tag: '1.3.0', pushedAt: '2026-12-01T10:05:00.000Z' }), t.deps);
    expect(await t.deps.store.approvals.pending('hello', 'production')).toEqual([
      {
        app: 'hello',
        environment: 'production',
        container: 'hello',
        image: `${HELLO_REPOSITORY}:1.3.0@${digestOf('1.3.0')}`,
        tag: '1.3.0',
        pushedAt: '2026-12-01T10:05:00.000Z',
        eventId: 'p2',
      },
    ]);
    const late = await onImagePushed(imagePushed('p1', { tag: '1.2.0', pushedAt: '2026-12-01T10:00:00.000Z' }), t.deps);
    expect(late.decisions.find((d) => d.environment === 'production')?.action).toBe('await-approval');
    expect((await t.deps.store.approvals.pending('hello', 'production')).map((p) => p.eventId)).toEqual(['p2']);
    const entry = t.db.history('hello').find((e) => e.eventId === 'p1' && e.environment === 'production');
    expect(entry).toMatchObject({
      outcome: 'skipped',
      code: 'superseded',
      reason: 'a newer push already waits for approval',
    });
    // Neither push asks production for a deploy.
    expect(t.queue.ofType('deploy.requested').map((e) => e.data.environment)).toEqual(['staging', 'staging']);
  });

  it('refuses latest in a protected environment, whatever its rule takes, and deploys it elsewhere', async () => {
    const t = await withApp(
      helloApp({
        dev: { track: { tags: { glob: '*' } }, autoDeploy: true },
        qa: { track: { tags: { glob: '*' } }, autoDeploy: true },
        production: { track: { tags: { glob: '*' } }, autoDeploy: true },
      }),
    );
    // production is protected by its name; qa because someone said so.
    await t.db.seed.environment('qa', true);
    const summary = await onImagePushed(imagePushed('p1', { tag: 'latest' }), t.deps);
    expect(summary.decisions.map((d) => [d.environment, d.action, 'code' in d ? d.code : '-'])).toEqual([
      ['dev', 'deploy', '-'],
      ['qa', 'refuse', 'policy'],
      ['production', 'refuse', 'policy'],
    ]);
    expect(t.queue.ofType('deploy.requested').map((e) => e.data.environment)).toEqual(['dev']);
    expect(environmentsOf(t)).toContain('dev track accepted -');
  });

  // Found with the doubles: the history's sort key once left out the environment, so the second refusal
  // overwrote the first (lib/store/history.ts historySortKey).
  it('keeps one history entry per environment when two end the same way', async () => {
    const t = await withApp(
      helloApp({
        qa: { track: { tags: { glob: '*' } }, autoDeploy: true },
        production: { track: { tags: { glob: '*' } }, autoDeploy: true },
      }),
    );
    await t.db.seed.environment('qa', true);
    await onImagePushed(imagePushed('p1', { tag: 'latest' }), t.deps);
    expect(environmentsOf(t)).toEqual(['qa track refused policy', 'production track refused policy']);
  });

  describe('a Docker Hub push (its webhook sends no digest)', () => {
    const hubApp = helloApp({ staging: { track: { tags: { semver: '>=1.0.0' } }, autoDeploy: true } }, 'acme/hello');
    const hubPush = () =>
      imagePushed('p1', {
        registry: 'docker.io',
        repository: 'acme/hello',
        producer: 'dockerhub',
        tag: '1.0.0',
        digest: undefined,
      });

    it('is deployed by the digest Docker Hub says the tag points at', async () => {
      const dockerHubDigest = vi.fn(async () => ({ digest: digestOf('hub') }));
      const t = await withApp(hubApp, { dockerHubDigest });
      await onImagePushed(hubPush(), t.deps);
      expect(dockerHubDigest).toHaveBeenCalledWith('acme/hello', '1.0.0');
      expect(t.queue.ofType('deploy.requested').map((e) => e.data.image)).toEqual([
        `docker.io/acme/hello:1.0.0@${digestOf('hub')}`,
      ]);
    });

    it('is skipped (unresolvable-tag) when Docker Hub says no, or nobody can ask it', async () => {
      const refusing = await withApp(hubApp, { dockerHubDigest: async () => ({ refused: 'unknown tag' }) });
      const summary = await onImagePushed(hubPush(), refusing.deps);
      expect(summary).toMatchObject({ decisions: [], code: 'unresolvable-tag' });
      expect(summary.reason).toContain('Docker Hub could not resolve it: unknown tag');
      expect(tracked(refusing)).toEqual(['track skipped unresolvable-tag']);
      expect(refusing.queue.sent).toEqual([]);

      const unasked = await withApp(hubApp);
      expect((await onImagePushed(hubPush(), unasked.deps)).reason).toContain('capstan deploys by digest only');
    });

    it('throws when Docker Hub cannot answer now (the push is retried), recording nothing', async () => {
      const t = await withApp(hubApp, {
        dockerHubDigest: async () => {
          throw new Error('Docker Hub: 503');
        },
      });
      await expect(onImagePushed(hubPush(), t.deps)).rejects.toThrow('Docker Hub: 503');
      expect(t.db.history('hello')).toEqual([]);
      expect(t.queue.sent).toEqual([]);
    });

    it('is the only registry ever asked: another registry without a digest is skipped', async () => {
      const dockerHubDigest = vi.fn(async () => ({ digest: digestOf('hub') }));
      const t = await withApp(semverApp, { dockerHubDigest });
      const summary = await onImagePushed(imagePushed('p1', { tag: '1.0.0', digest: undefined }), t.deps);
      expect(summary.code).toBe('unresolvable-tag');
      expect(dockerHubDigest).not.toHaveBeenCalled();
    });
  });
});

describe('from a push to a release, through the doubles', () => {
  const deliver = async (t: TestDeploy) => {
    const summaries = [];
    for (const request of t.queue.ofType('deploy.requested'))
      summaries.push(await releaseToEnvironment(request, t.deps));
    return summaries;
  };

  it('releases the pushed image by digest; a late request for an older push finds itself stale', async () => {
    const t = await withApp(semverApp);
    await t.db.seed.cluster({ name: 'east', environment: 'staging' });
    // Two pushes handled before either request is delivered; the newer one's request arrives first.
    await onImagePushed(imagePushed('p2', { tag: '1.2.0', pushedAt: '2026-12-01T10:05:00.000Z' }), t.deps);
    await onImagePushed(imagePushed('p1', { tag: '1.1.0', pushedAt: '2026-12-01T10:00:00.000Z' }), t.deps);
    const summaries = await deliver(t);
    expect(summaries.map((s) => [s.outcome, s.code ?? '-'])).toEqual([
      ['released', '-'],
      ['skipped', 'stale'],
    ]);
    const [release] = t.db.releases('hello', 'staging');
    expect(release).toMatchObject({ image: `${HELLO_REPOSITORY}:1.2.0@${digestOf('1.2.0')}`, containers: ['hello'] });
    expect(t.db.releases('hello', 'staging')).toHaveLength(1);
  });

  it("a push of a sidecar's repository changes only the sidecar's image", async () => {
    const spec = AppSpecSchema.parse({
      ...semverApp,
      containers: [
        ...semverApp.containers,
        {
          name: 'proxy',
          repository: 'registry.local:5000/acme/proxy',
          probes,
          limits: { cpu: '100m', memory: '64Mi' },
        },
      ],
    });
    const t = await withApp(spec);
    await t.db.seed.cluster({ name: 'east', environment: 'staging' });
    const images = () => {
      const [newest] = t.db.releases('hello', 'staging').reverse();
      const deployment = newest?.manifests.find((m) => m.kind === 'Deployment') as {
        spec: { template: { spec: { containers: { name: string; image: string }[] } } };
      };
      return Object.fromEntries(deployment.spec.template.spec.containers.map((c) => [c.name, c.image]));
    };
    const request = (id: string, data: Parameters<typeof deployRequested>[2]) =>
      releaseToEnvironment(deployRequested(id, '2026-12-01T09:00:00.000Z', data), t.deps);
    await request('d1', {
      image: `${HELLO_REPOSITORY}:1.0.0@${digestOf('1.0.0')}`,
      images: { proxy: `registry.local:5000/acme/proxy:1.0.0@${digestOf('p1.0.0')}` },
    });
    await onImagePushed(
      imagePushed('p1', { repository: 'acme/proxy', tag: '1.1.0', digest: digestOf('p1.1.0') }),
      t.deps,
    );
    expect((await deliver(t)).map((s) => s.outcome)).toEqual(['released']);
    expect(images()).toEqual({
      hello: `${HELLO_REPOSITORY}:1.0.0@${digestOf('1.0.0')}`,
      proxy: `registry.local:5000/acme/proxy:1.1.0@${digestOf('p1.1.0')}`,
    });
  });
});
