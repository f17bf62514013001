import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAppSpec } from '../../lib/apps/load.ts';
import { promotionOf } from '../../lib/deploy/decisions/promotion.ts';
import type { Release, ReleaseStatus } from '../../lib/store/releases.ts';

const example = join(import.meta.dirname, '../../lib/apps/examples/hello.yaml');
const hello = parseAppSpec(readFileSync(example, 'utf8'), example);
const [main] = hello.containers;
if (!main) throw new Error('the example app has a container');
// The example with a sidecar, so promotion and approval carry more than one image.
const spec = { ...hello, containers: [main, { ...main, name: 'proxy', repository: 'registry.local:5000/acme/proxy' }] };

const pinned = (repo: string, n: number) => `registry.local:5000/acme/${repo}@sha256:${String(n).repeat(64)}`;

const release = (revision: number, status: ReleaseStatus, images: Record<string, string>): Release => ({
  app: 'hello',
  environment: 'staging',
  revision,
  eventId: `e${revision}`,
  image: Object.values(images)[0] ?? '',
  namespace: 'demo',
  manifests: [
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'hello' } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'hello' },
      spec: { template: { spec: { containers: Object.entries(images).map(([name, image]) => ({ name, image })) } } },
    },
  ],
  createdAt: '2026-12-01T10:00:00.000Z',
  waves: [['local-1']],
  wave: 0,
  status,
  clusters: {},
});

const both = { hello: pinned('hello', 1), proxy: pinned('proxy', 2) };

describe('promotionOf', () => {
  const ask = (fromReleases: Release[], more: Partial<Parameters<typeof promotionOf>[0]> = {}) =>
    promotionOf({ app: 'hello', spec, from: 'staging', to: 'production', fromReleases, ...more });

  it('promotes every container of the newest release that succeeded, by digest', () => {
    const releases = [release(4, 'failed', { hello: pinned('hello', 9) }), release(3, 'succeeded', both)];
    expect(ask(releases)).toEqual({
      ok: true,
      revision: 3,
      request: {
        app: 'hello',
        environment: 'production',
        image: both.hello,
        container: 'hello',
        images: both,
        reason: 'promoted from staging #3',
      },
    });
  });

  it('keeps the reason given, and leaves out containers the spec has dropped', () => {
    const result = ask([release(2, 'succeeded', { ...both, old: pinned('old', 3) })], { reason: 'hotfix' });
    expect(result).toMatchObject({ ok: true, request: { images: both, reason: 'hotfix' } });
  });

  it.each<[string, Release[], Partial<Parameters<typeof promotionOf>[0]>, string[]]>([
    ['an environment onto itself', [release(1, 'succeeded', both)], { to: 'staging' }, ['--from and --to must differ']],
    [
      'an app that is not registered',
      [release(1, 'succeeded', both)],
      { spec: undefined },
      ['app hello is not registered: promotion renders the app from its spec (`capstan apps add`)'],
    ],
    ['nothing that succeeded', [], {}, ['no release of hello succeeded in staging']],
    [
      'only releases that did not succeed',
      [release(2, 'progressing', both), release(1, 'superseded', both)],
      {},
      ['no release of hello succeeded in staging'],
    ],
    [
      'images not pinned by digest, each named',
      [release(5, 'succeeded', { hello: 'registry.local:5000/acme/hello:1.0.0', proxy: 'proxy:latest' })],
      {},
      [
        'release #5 in staging runs registry.local:5000/acme/hello:1.0.0 in container hello, not pinned by digest: promote only what is pinned',
        'release #5 in staging runs proxy:latest in container proxy, not pinned by digest: promote only what is pinned',
      ],
    ],
    [
      "a release that runs none of the app's containers",
      [release(6, 'succeeded', { other: pinned('other', 4) })],
      {},
      ["release #6 in staging runs none of hello's containers"],
    ],
  ])('refuses %s', (_, releases, more, reasons) => {
    expect(ask(releases, more)).toEqual({ ok: false, reasons });
  });
});
