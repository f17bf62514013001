import { describe, expect, it } from 'vitest';
import { AppSpecSchema } from '../../lib/apps/spec.ts';
import { advanceRelease } from '../../lib/deploy/use-cases/advance-wave.ts';
import { checkRollout } from '../../lib/deploy/use-cases/check-rollout.ts';
import { releaseToEnvironment } from '../../lib/deploy/use-cases/release.ts';
import { rollbackRelease } from '../../lib/deploy/use-cases/rollback.ts';
import { deployWithClusters } from '../doubles/deploy-deps.ts';
import { deployRequested, HELLO_REPOSITORY, rollbackRequested } from '../doubles/events.ts';

// chat.notify from the release use cases: sent only where someone follows the request, so releases
// nobody watches send exactly what they sent before issue 13.

const T0 = '2026-12-01T09:00:00.000Z';
const probes = {
  liveness: { httpGet: { path: '/healthz', port: 8080 } },
  readiness: { httpGet: { path: '/ready', port: 8080 } },
};
const hello = (staging: Record<string, unknown>) =>
  AppSpecSchema.parse({
    name: 'hello',
    namespace: 'demo',
    containers: [{ name: 'hello', repository: HELLO_REPOSITORY, probes, limits: { cpu: '500m', memory: '256Mi' } }],
    environments: { staging },
  });

const twoWaves = () =>
  deployWithClusters([
    { name: 'east', wave: 0 },
    { name: 'west', wave: 1 },
  ]);

const notices = (t: Awaited<ReturnType<typeof twoWaves>>) =>
  t.queue.ofType('chat.notify').map((n) => [n.data.what, n.data.request, n.data.revision, n.data.wave]);

describe('chat.notify from releases', () => {
  it('follows a release through every wave where the environment has notify', async () => {
    const t = await twoWaves();
    await t.db.seed.app(hello({ notify: { slack: { channel: 'C0DEPLOYS' } } }));
    await releaseToEnvironment(deployRequested('d1', T0), t.deps);
    t.kube.markReady('east', 'demo', 'hello');
    await checkRollout(t.queue.ofType('rollout.check')[0]!, t.depsOf('rollout'));
    await advanceRelease(t.queue.ofType('release.advance')[0]!, t.deps);
    t.kube.markReady('west', 'demo', 'hello');
    await checkRollout(t.queue.ofType('rollout.check')[1]!, t.depsOf('rollout'));
    expect(notices(t)).toEqual([
      ['accepted', 'd1', 1, undefined],
      ['wave-ready', 'd1', 1, 0],
      ['succeeded', 'd1', 1, undefined],
    ]);
    // Its id names the step: the same step taken twice sends the same notice, which idempotency drops.
    const ids = t.queue.ofType('chat.notify').map((n) => n.id);
    expect(new Set(ids).size).toBe(3);
    expect(t.queue.sent.filter((s) => s.event.type === 'chat.notify').map((s) => s.destination.queue)).toEqual([
      'notify',
      'notify',
      'notify',
    ]);
  });

  it('sends nothing where nobody follows: no notify, no chat requester', async () => {
    const t = await twoWaves();
    await t.db.seed.app(hello({}));
    await releaseToEnvironment(deployRequested('d1', T0), t.deps);
    expect(t.queue.ofType('chat.notify')).toEqual([]);
  });

  it('follows the request of a Slack person without notify, refusals included', async () => {
    const t = await twoWaves();
    const requester = { kind: 'slack', workspace: 'T1', user: 'U1', name: 'alice' } as const;
    await releaseToEnvironment(deployRequested('d1', T0, { requester }), t.deps);
    // The same image again: skipped as a duplicate, which only the person who asked hears about.
    await releaseToEnvironment(deployRequested('d2', '2026-12-01T09:01:00.000Z', { requester }), t.deps);
    await releaseToEnvironment(deployRequested('d3', '2026-12-01T09:02:00.000Z'), t.deps);
    expect(notices(t)).toEqual([
      ['accepted', 'd1', 1, undefined],
      ['refused', 'd2', undefined, undefined],
    ]);
  });

  it('tells a Slack person their rollback was skipped; a CLI rollback skipped tells nobody', async () => {
    const t = await twoWaves();
    const requester = { kind: 'slack', workspace: 'T1', user: 'U1', name: 'alice' } as const;
    // Nothing to roll back to: skipped (not-found).
    await rollbackRelease(rollbackRequested('r1', T0, { requester }), t.deps);
    await rollbackRelease(rollbackRequested('r2', T0), t.deps);
    expect(notices(t)).toEqual([['refused', 'r1', undefined, undefined]]);
  });
});
