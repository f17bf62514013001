import { describe, expect, it } from 'vitest';
import { type AppSpec, AppSpecSchema } from '../../lib/apps/spec.ts';
import { decidePush } from '../../lib/deploy/decisions/push.ts';
import type { Release } from '../../lib/store/releases.ts';
import { digestOf } from '../support/registry.ts';

const app = (environments: Record<string, unknown>): AppSpec =>
  AppSpecSchema.parse({
    name: 'api',
    namespace: 'api',
    containers: [{ name: 'api', repository: 'registry.local:5000/acme/api' }],
    environments,
  });

const release = (tag: string, requestedAt: string): Release => ({
  app: 'api',
  environment: 'staging',
  revision: 4,
  eventId: 'e',
  image: `registry.local:5000/acme/api:${tag}@${digestOf(tag)}`,
  namespace: 'api',
  manifests: [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      spec: {
        template: {
          spec: { containers: [{ name: 'api', image: `registry.local:5000/acme/api:${tag}@${digestOf(tag)}` }] },
        },
      },
    } as Release['manifests'][number],
  ],
  createdAt: requestedAt,
  requestedAt,
  waves: [['a']],
  wave: 0,
  status: 'succeeded',
  clusters: {},
});

const push = (tag: string, pushedAt = '2026-11-22T10:00:00.000Z') => ({ tag, digest: digestOf(tag), pushedAt });

describe('decidePush', () => {
  const spec = app({
    staging: { track: { tags: { semver: '>=1.0.0' } }, autoDeploy: true },
    production: { track: { tags: { semver: '>=1.0.0' } }, autoDeploy: false },
    qa: { track: { tags: { glob: 'main-*' } }, autoDeploy: true },
    manual: {},
  });

  it('deploys where a matching tag is newer, waits for approval where the app says so, skips the rest', () => {
    const decisions = decidePush(push('1.2.0'), spec, 'api', () => undefined);
    expect(decisions.map((d) => [d.environment, d.action, 'code' in d ? d.code : undefined])).toEqual([
      ['staging', 'deploy', undefined],
      ['production', 'await-approval', undefined],
      ['qa', 'skip', 'no-match'],
    ]);
    // The words that matter to a person: how to release what waits.
    expect(decisions[1]?.reason).toContain('waits for an approval (`capstan approvals api --env production`)');
  });

  it('never moves an environment back: an older version than the running one is skipped with the reason', () => {
    const running = release('1.3.0', '2026-11-22T09:00:00.000Z');
    const [staging] = decidePush(push('1.2.0', '2026-11-22T11:00:00.000Z'), spec, 'api', () => running);
    expect(staging).toMatchObject({ environment: 'staging', action: 'skip', code: 'not-newer' });
  });

  it('skips the digest that already runs, and takes a newer version', () => {
    const running = release('1.2.0', '2026-11-22T09:00:00.000Z');
    expect(decidePush(push('1.2.0'), spec, 'api', () => running)[0]).toMatchObject({
      action: 'skip',
      code: 'duplicate',
    });
    expect(decidePush(push('1.2.1'), spec, 'api', () => running)[0]).toMatchObject({ action: 'deploy' });
  });

  it('orders glob-tracked tags by push time: a late delivery of an earlier push is skipped', () => {
    const running = release('main-bbb', '2026-11-22T10:00:00.000Z');
    const [, , qa] = decidePush(push('main-aaa', '2026-11-22T09:59:00.000Z'), spec, 'api', () => running);
    expect(qa).toMatchObject({ action: 'skip', code: 'not-newer' });
    const [, , later] = decidePush(push('main-ccc', '2026-11-22T10:01:00.000Z'), spec, 'api', () => running);
    expect(later?.action).toBe('deploy');
  });
});

describe('sameJson', () => {
  it('ignores object key order, not array order or values', async () => {
    const { sameJson } = await import('../../lib/deploy/decisions/same-json.ts');
    expect(sameJson({ a: 1, b: { c: [1, 2], d: 'x' } }, { b: { d: 'x', c: [1, 2] }, a: 1 })).toBe(true);
    expect(sameJson({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(sameJson({ a: 1 }, { a: 1, b: undefined })).toBe(true);
    expect(sameJson({ a: 1 }, { a: '1' })).toBe(false);
  });
});

describe('deployRequest', () => {
  it('names the pushed container, and every container when several run the repository; its id derives from the push', async () => {
    const { deployRequest } = await import('../../lib/deploy/render/events.ts');
    const { default: sample } = await import('../../events/samples/image.pushed.json', { with: { type: 'json' } });
    const push = sample as Parameters<typeof deployRequest>[0];
    const image = `registry.local:5000/acme/api:1.2.0@${digestOf('1.2.0')}`;
    const target = { app: 'api', environment: 'staging', image, pushedAt: '2026-11-22T10:00:00.000Z' };
    const one = deployRequest(push, { ...target, containers: ['api'] });
    expect(one.data).toMatchObject({ image, container: 'api' });
    expect(one.data.images).toBeUndefined();
    const two = deployRequest(push, { ...target, containers: ['api', 'worker'] });
    expect(two.data).toMatchObject({ image, container: 'api', images: { api: image, worker: image } });
    expect(two.id).toBe(one.id);
    expect(deployRequest({ ...push, id: 'another' }, { ...target, containers: ['api'] }).id).not.toBe(one.id);
  });
});

describe('decidePush: latest in a protected environment', () => {
  const spec = app({
    staging: { track: { tags: { glob: '*' } }, autoDeploy: true },
    production: { track: { tags: { glob: '*' } }, autoDeploy: false },
  });

  it('is refused there whatever the rule and approval say, and released elsewhere', () => {
    const [staging, production] = decidePush(push('latest'), spec, 'api', () => undefined, new Set(['production']));
    expect(staging).toMatchObject({ environment: 'staging', action: 'deploy' });
    expect(production).toMatchObject({ environment: 'production', action: 'refuse', code: 'policy' });
    expect(production?.reason).toContain('"latest" is refused in protected environment "production"');
  });

  it('a versioned tag is not affected by protection here', () => {
    const decisions = decidePush(push('1.0.0'), spec, 'api', () => undefined, new Set(['production']));
    expect(decisions.map((d) => d.action)).toEqual(['deploy', 'await-approval']);
  });
});
