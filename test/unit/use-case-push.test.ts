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
    const requests = t.queue.ofType('deploy.requested').filter((e) => e.data.environment === 'staging');
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
    expect(environmentsOf(t)).toEqual(['staging track accepted -', 'production track pending awaiting-approvals']);
  });

  it('a push production takes asks production to wait for an approval, with an id of its own', async () => {
    const t = await withApp(semverApp);
    await onImagePushed(imagePushed('p2', { tag: '1.3.0', pushedAt: '2026-12-01T10:05:00.000Z' }), t.deps);
    const requests = t.queue.ofType('deploy.requested');
    expect(requests.map((e) => [e.data.environment, e.data.awaitApproval])).toEqual([
      ['staging', undefined],
      ['production', true],
    ]);
    expect(requests[1]).toMatchObject({
      id: eventId(['deploy.requested', 'p2', 'hello', 'production', 'await-approval']),
      time: '2026-12-01T10:05:00.000Z',
      data: { image: `${HELLO_REPOSITORY}:1.3.0@${digestOf('1.3.0')}`, container: 'hello', reason: 'push of 1.3.0' },
    });
    const entry = t.db.history('hello').find((e) => e.eventId === 'p2' && e.environment === 'production');
    expect(entry).toMatchObject({ action: 'track', outcome: 'pending', code: 'awaiting-approvals' });
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
  /** The deploy requests the pushes made into one environment, delivered in the order they were sent. */
  const deliver = async (t: TestDeploy, environment = 'staging') => {
    const summaries = [];
    for (const request of t.queue.ofType('deploy.requested').filter((e) => e.data.environment === environment))
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

  describe('into an environment that waits for approval', () => {
    const pushAt = (id: string, tag: string, minute: number) =>
      imagePushed(id, { tag, pushedAt: `2026-12-01T10:${String(minute).padStart(2, '0')}:00.000Z` });
    const production = async () => {
      const t = await withApp(semverApp);
      await t.db.seed.cluster({ name: 'west', environment: 'production' });
      return t;
    };
    const states = async (t: TestDeploy) =>
      (await t.deps.store.releaseApprovals.list('hello', 'production')).map((a) => [a.request.reason, a.state]).sort();
    const approvalOf = async (t: TestDeploy, tag: string) =>
      (await t.deps.store.releaseApprovals.list('hello', 'production')).find(
        (a) => a.request.reason === `push of ${tag}`,
      );

    it('a push opens an approval of the default policy, holding its image by digest', async () => {
      const t = await production();
      await onImagePushed(pushAt('p1', '1.1.0', 0), t.deps);
      expect((await deliver(t, 'production')).map((s) => [s.outcome, s.code])).toEqual([
        ['waiting', 'awaiting-approvals'],
      ]);
      const [approval] = await t.deps.store.releaseApprovals.list('hello', 'production');
      expect(approval).toMatchObject({
        state: 'open',
        required: 1,
        selfApproval: false,
        requestedAt: '2026-12-01T10:00:00.000Z',
        request: { image: `${HELLO_REPOSITORY}:1.1.0@${digestOf('1.1.0')}`, awaitApproval: true },
      });
      expect(t.db.releases('hello', 'production')).toEqual([]);
    });

    it('a newer push supersedes the older one still waiting, and its message is told', async () => {
      const t = await production();
      await onImagePushed(pushAt('p1', '1.1.0', 0), t.deps);
      await deliver(t, 'production');
      t.queue.sent.length = 0;
      await onImagePushed(pushAt('p2', '1.2.0', 5), t.deps);
      await deliver(t, 'production');
      expect(await states(t)).toEqual([
        ['push of 1.1.0', 'superseded'],
        ['push of 1.2.0', 'open'],
      ]);
      const [newer, older] = [await approvalOf(t, '1.2.0'), await approvalOf(t, '1.1.0')];
      expect(older?.supersededBy).toBe(newer?.id);
      expect(t.queue.ofType('chat.notify').map((e) => [e.data.request, e.data.what])).toEqual([
        [newer?.id, 'approval-opened'],
        [older?.id, 'approval-superseded'],
      ]);
      const ended = t.db.history('hello').filter((e) => e.code === 'superseded');
      // Filed under the newer request, but not as a refusal of it: its own message still waits for votes.
      expect(ended).toEqual([
        expect.objectContaining({
          eventId: newer?.id,
          action: 'approval',
          outcome: 'superseded',
          details: { superseded: [older?.id] },
        }),
      ]);
    });

    it('a late older push opens nothing where a newer one waits; redelivering either changes nothing', async () => {
      const t = await production();
      await onImagePushed(pushAt('p2', '1.2.0', 5), t.deps);
      await onImagePushed(pushAt('p1', '1.1.0', 0), t.deps);
      expect((await deliver(t, 'production')).map((s) => [s.outcome, s.code])).toEqual([
        ['waiting', 'awaiting-approvals'],
        ['skipped', 'superseded'],
      ]);
      await deliver(t, 'production');
      expect(await states(t)).toEqual([['push of 1.2.0', 'open']]);
    });

    it('a vote that ended the older approval first is kept: only an open approval is superseded', async () => {
      const t = await production();
      await onImagePushed(pushAt('p1', '1.1.0', 0), t.deps);
      await deliver(t, 'production');
      const [older] = await t.deps.store.releaseApprovals.list('hello', 'production');
      // Granted between the list and the write: the conditional write loses, the record is read again.
      const list = t.deps.store.releaseApprovals.list.bind(t.deps.store.releaseApprovals);
      t.deps.store.releaseApprovals.list = async (...args) => {
        const found = await list(...args);
        if (older) await t.deps.store.releaseApprovals.save({ ...older, state: 'granted' }, older.version);
        return found;
      };
      await onImagePushed(pushAt('p2', '1.2.0', 5), t.deps);
      await deliver(t, 'production');
      expect(await states(t)).toEqual([
        ['push of 1.1.0', 'granted'],
        ['push of 1.2.0', 'open'],
      ]);
    });

    it('an approval people asked for is never ended by a push (only requests that asked to wait are)', async () => {
      const t = await withApp(
        helloApp({
          production: { track: { tags: { semver: '>=1.0.0' } }, autoDeploy: false, approval: { required: 2 } },
        }),
      );
      await t.db.seed.cluster({ name: 'west', environment: 'production' });
      await releaseToEnvironment(
        deployRequested('d1', '2026-12-01T10:00:00.000Z', {
          environment: 'production',
          image: `${HELLO_REPOSITORY}:1.0.5@${digestOf('1.0.5')}`,
        }),
        t.deps,
      );
      await onImagePushed(pushAt('p2', '1.2.0', 5), t.deps);
      await deliver(t, 'production');
      expect((await states(t)).map(([, state]) => state)).toEqual(['open', 'open']);
    });
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
