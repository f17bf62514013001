import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ImagePushedEventSchema } from '../../events/image-pushed.ts';
import { InvalidInputError } from '../../lib/errors.ts';
import { normalizeDistribution } from '../../lib/sources/distribution.ts';
import { normalizeDockerhub } from '../../lib/sources/dockerhub.ts';
import { ecrRegistryHost, normalizeEcr } from '../../lib/sources/ecr.ts';
import { decodeGhcrBody, normalizeGhcr } from '../../lib/sources/ghcr.ts';
import { normalizeHarbor } from '../../lib/sources/harbor.ts';
import { imageSources } from '../../lib/sources/index.ts';
import type { Headers, Normalized } from '../../lib/sources/types.ts';

const fixture = (name: string): any =>
  JSON.parse(readFileSync(new URL(`../fixtures/sources/${name}.json`, import.meta.url), 'utf8'));

const RECEIVED = new Date('2025-11-20T09:40:00.000Z');
const LATER = new Date('2025-11-20T11:00:00.000Z');
const GH_HEADERS: Headers = {
  'x-github-event': 'registry_package',
  'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
};

type Normalize = (payload: unknown, receivedAt: Date, headers?: Headers) => Normalized;

interface Case {
  readonly name: string;
  readonly normalize: Normalize;
  readonly fixture: string;
  readonly headers?: Headers;
  /** `registry/repository:tag` of each event, in order. */
  readonly refs: readonly string[];
  /** A fragment of each ignored reason, in order. */
  readonly ignored: readonly string[];
}

const cases: readonly Case[] = [
  {
    name: 'distribution v1 batch: blobs, tag push, pull, mount',
    normalize: normalizeDistribution,
    fixture: 'distribution-v1-batch',
    refs: ['registry.local:5000/acme/api:v1.4.2'],
    ignored: ['events[0]: blob push', 'events[1]: blob push', 'events[3]: pull of acme/api:v1.4.2', 'events[4]: mount'],
  },
  {
    name: 'distribution v2 single event (registry 3 fields)',
    normalize: normalizeDistribution,
    fixture: 'distribution-v2-single',
    refs: ['registry.example.com/payments/ledger:2.0.0'],
    ignored: [],
  },
  {
    name: 'distribution multi-arch push: children by digest, index by tag',
    normalize: normalizeDistribution,
    fixture: 'distribution-multiarch',
    refs: ['registry.local:5000/acme/api:v1.5.0'],
    ignored: ['events[0]: push of acme/api@sha256:', 'events[1]: push of acme/api@sha256:'],
  },
  {
    name: 'harbor default push',
    normalize: normalizeHarbor,
    fixture: 'harbor-default-push',
    refs: ['harbor.example.com/library/nginx:1.27.3'],
    ignored: [],
  },
  {
    name: 'harbor default untagged artifact (tag holds the digest)',
    normalize: normalizeHarbor,
    fixture: 'harbor-untagged',
    refs: [],
    ignored: ['event_data.resources[0]: untagged artifact library/nginx@sha256:'],
  },
  {
    name: 'harbor default pull',
    normalize: normalizeHarbor,
    fixture: 'harbor-pull',
    refs: [],
    ignored: ['PULL_ARTIFACT on library/nginx is not a push'],
  },
  {
    name: 'harbor CloudEvents push (mixed-case host lowered)',
    normalize: normalizeHarbor,
    fixture: 'harbor-cloudevents-push',
    refs: ['harbor.example.com:8443/shop/checkout:v3.2.0'],
    ignored: [],
  },
  {
    name: 'harbor CloudEvents delete',
    normalize: normalizeHarbor,
    fixture: 'harbor-cloudevents-deleted',
    refs: [],
    ignored: ['harbor.artifact.deleted on shop/checkout is not a push'],
  },
  {
    name: 'ecr push with tag',
    normalize: normalizeEcr,
    fixture: 'ecr-push',
    refs: ['123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/orders:2.3.1'],
    ignored: [],
  },
  {
    name: 'ecr push without tag',
    normalize: normalizeEcr,
    fixture: 'ecr-push-untagged',
    refs: [],
    ignored: ['by digest, without a tag'],
  },
  {
    name: 'ecr delete',
    normalize: normalizeEcr,
    fixture: 'ecr-delete',
    refs: [],
    ignored: ['DELETE of shop/orders:2.3.1@sha256:'],
  },
  {
    name: 'docker hub push',
    normalize: normalizeDockerhub,
    fixture: 'dockerhub-push',
    refs: ['docker.io/acmecorp/web:v2.7.0'],
    ignored: [],
  },
  {
    name: 'ghcr registry_package published with a tag (owner case lowered)',
    normalize: normalizeGhcr,
    fixture: 'ghcr-published',
    headers: GH_HEADERS,
    refs: ['ghcr.io/acme/api:v1.2.3'],
    ignored: [],
  },
  {
    name: 'ghcr package published with an empty tag',
    normalize: normalizeGhcr,
    fixture: 'ghcr-untagged',
    headers: { ...GH_HEADERS, 'x-github-event': 'package' },
    refs: [],
    ignored: ['has no tag (tag.name is "")'],
  },
];

describe('normalizers', () => {
  it.each(cases)('$name', (c) => {
    const payload = fixture(c.fixture);
    const first = c.normalize(payload, RECEIVED, c.headers);
    expect(first.events.map((e) => `${e.data.registry}/${e.data.repository}:${e.data.tag}`)).toEqual(c.refs);
    expect(first.ignored).toHaveLength(c.ignored.length);
    first.ignored.forEach((ignored, i) => {
      expect(ignored.reason).toContain(c.ignored[i]);
    });
    for (const event of first.events) {
      expect(ImagePushedEventSchema.safeParse(event).success).toBe(true);
      expect(event).toMatchObject({ specversion: '1.0', type: 'image.pushed', schemaversion: '1' });
      expect(event.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
    // A redelivery (received later) yields the same ids, times and data.
    const again = c.normalize(structuredClone(payload), LATER, c.headers);
    expect(again).toEqual(first);
  });
});

describe('distribution', () => {
  it('keeps the registry id, digest, media type, actor and UTC time of the tag push', () => {
    const [event] = normalizeDistribution(fixture('distribution-v1-batch'), RECEIVED).events;
    expect(event).toMatchObject({
      id: '7a1f8e3c-51b2-4b8e-9f0e-2d6c1b9a4e03',
      source: 'capstan/sources/distribution/registry.local:5000',
      subject: 'acme/api:v1.4.2',
      time: '2025-11-20T09:28:41.402Z',
      data: {
        mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        producer: 'distribution',
        pushedBy: 'ci-bot',
        pushedAt: '2025-11-20T09:28:41.402Z',
      },
    });
    expect(event?.data.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
  });

  it('prefers the host of target.url (the registry as configured) over the Host header the pusher used', () => {
    const [event] = normalizeDistribution(fixture('distribution-v2-single'), RECEIVED).events;
    expect(event?.data.registry).toBe('registry.example.com');
    expect(event?.id).toBe('0b6e1f8a-2c3d-4e5f-8a9b-1c2d3e4f5a6b');
  });

  it('falls back to request.host when target.url is missing', () => {
    const payload = fixture('distribution-v2-single');
    delete payload.events[0].target.url;
    expect(normalizeDistribution(payload, RECEIVED).events[0]?.data.registry).toBe('localhost:5000');
  });

  it('omits pushedBy for an anonymous actor ({})', () => {
    const payload = fixture('distribution-v2-single');
    payload.events[0].actor = {};
    expect(normalizeDistribution(payload, RECEIVED).events[0]?.data).not.toHaveProperty('pushedBy');
  });

  it('accepts an empty batch', () => {
    expect(normalizeDistribution({ events: [] }, RECEIVED)).toEqual({ events: [], ignored: [] });
  });
});

describe('ids without a producer id', () => {
  it.each([
    ['harbor default', normalizeHarbor, 'harbor-default-push'],
    ['ecr', normalizeEcr, 'ecr-push'],
    ['docker hub', normalizeDockerhub, 'dockerhub-push'],
  ] as const)('%s: derived, 32 hex, and different for another push time', (_name, normalize, name) => {
    const payload = fixture(name);
    const id = normalize(payload, RECEIVED).events[0]?.id;
    expect(id).toMatch(/^[a-f0-9]{32}$/);
    if ('occur_at' in payload) payload.occur_at += 60;
    if ('push_data' in payload) payload.push_data.pushed_at += 60;
    if ('detail' in payload) payload.time = '2025-11-20T09:32:02Z';
    expect(normalize(payload, RECEIVED).events[0]?.id).not.toBe(id);
  });

  it('harbor CloudEvents: the CloudEvent id', () => {
    expect(normalizeHarbor(fixture('harbor-cloudevents-push'), RECEIVED).events[0]?.id).toBe(
      '4b2f89a6-548d-4c12-9993-a1f5790b97d2',
    );
  });

  it('harbor CloudEvents with several resources: one distinct id each', () => {
    const payload = fixture('harbor-cloudevents-push');
    const second = {
      ...payload.data.resources[0],
      tag: 'stable',
      resource_url: 'harbor.example.com:8443/shop/checkout:stable',
    };
    payload.data.resources.push(second);
    const ids = normalizeHarbor(payload, RECEIVED).events.map((e) => e.id);
    expect(new Set(ids).size).toBe(2);
    expect(ids).not.toContain(payload.id);
  });

  it('ghcr: X-GitHub-Delivery when passed, else derived from the package version', () => {
    const payload = fixture('ghcr-published');
    expect(normalizeGhcr(payload, RECEIVED, GH_HEADERS).events[0]?.id).toBe(GH_HEADERS['x-github-delivery']);
    const derived = normalizeGhcr(payload, RECEIVED).events[0]?.id;
    expect(derived).toMatch(/^[a-f0-9]{32}$/);
    expect(normalizeGhcr(payload, LATER).events[0]?.id).toBe(derived);
  });
});

describe('times', () => {
  it('harbor occur_at and docker hub pushed_at (unix seconds) become ISO UTC', () => {
    expect(normalizeHarbor(fixture('harbor-default-push'), RECEIVED).events[0]?.time).toBe('2024-11-20T10:08:41.000Z');
    expect(normalizeDockerhub(fixture('dockerhub-push'), RECEIVED).events[0]?.data.pushedAt).toBe(
      '2024-11-20T09:31:01.000Z',
    );
  });

  // Found by the webhook fuzz (test/integration/fuzz.test.ts): a time past what a Date holds threw a RangeError
  // out of toISOString, which the edge answered 500 (and the producer would retry forever).
  it('unix seconds beyond the year 9999 are invalid input, not a crash', () => {
    const harbor = fixture('harbor-default-push');
    harbor.occur_at = 1e20;
    expect(() => normalizeHarbor(harbor, RECEIVED)).toThrow(
      new InvalidInputError('harbor payload is invalid', ['occur_at: must be unix seconds before the year 10000']),
    );
    const hub = fixture('dockerhub-push');
    hub.push_data.pushed_at = 1e20;
    expect(() => normalizeDockerhub(hub, RECEIVED)).toThrow(
      new InvalidInputError('dockerhub payload is invalid', [
        'push_data.pushed_at: must be unix seconds before the year 10000',
      ]),
    );
    hub.push_data.pushed_at = Date.parse('9999-12-31T23:59:59Z') / 1000;
    expect(normalizeDockerhub(hub, RECEIVED).events[0]?.data.pushedAt).toBe('9999-12-31T23:59:59.000Z');
  });

  it("ghcr: the version's time, or receivedAt when GitHub sends Go's zero time", () => {
    const payload = fixture('ghcr-published');
    expect(normalizeGhcr(payload, RECEIVED).events[0]?.time).toBe('2025-11-20T09:32:10.000Z');
    payload.registry_package.package_version.updated_at = '0001-01-01T00:00:00Z';
    payload.registry_package.package_version.created_at = '0001-01-01T00:00:00Z';
    expect(normalizeGhcr(payload, RECEIVED).events[0]?.time).toBe(RECEIVED.toISOString());
  });
});

describe('ecr', () => {
  it('builds the registry host from account and region (China partition too)', () => {
    expect(ecrRegistryHost('123456789012', 'eu-west-1')).toBe('123456789012.dkr.ecr.eu-west-1.amazonaws.com');
    expect(ecrRegistryHost('123456789012', 'cn-north-1')).toBe('123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn');
  });

  it.each([
    ['another detail type', { 'detail-type': 'ECR Image Scan' }, {}, 'ECR Image Scan is not an image action'],
    ['a failed push', {}, { result: 'FAILURE' }, 'did not succeed (result FAILURE)'],
  ])('ignores %s', (_name, top, detail, reason) => {
    const payload = fixture('ecr-push');
    Object.assign(payload, top);
    Object.assign(payload.detail, detail);
    expect(normalizeEcr(payload, RECEIVED)).toEqual({
      events: [],
      ignored: [{ reason: expect.stringContaining(reason) }],
    });
  });
});

describe('docker hub', () => {
  it('sends no digest: the event has none, and official images are library/<name>', () => {
    const payload = fixture('dockerhub-push');
    expect(normalizeDockerhub(payload, RECEIVED).events[0]?.data).not.toHaveProperty('digest');
    payload.repository.repo_name = 'nginx';
    expect(normalizeDockerhub(payload, RECEIVED).events[0]?.data.repository).toBe('library/nginx');
  });

  it('ignores a push without a tag', () => {
    const payload = fixture('dockerhub-push');
    payload.push_data.tag = '';
    expect(normalizeDockerhub(payload, RECEIVED).ignored[0]?.reason).toContain('without a tag');
  });
});

describe('ghcr', () => {
  it.each([
    ['a ping', { 'x-github-event': 'ping' }, (p: any) => p, 'X-GitHub-Event "ping" is not a package event'],
    ['an npm package', GH_HEADERS, (p: any) => setMetadata(p, null), 'is not a container image'],
    ['another action', GH_HEADERS, (p: any) => ({ ...p, action: 'deleted' }), 'package deleted is not a push'],
  ])('ignores %s', (_name, headers, change, reason) => {
    const result = normalizeGhcr(change(fixture('ghcr-published')), RECEIVED, headers);
    expect(result.events).toEqual([]);
    expect(result.ignored[0]?.reason).toContain(reason);
  });

  it('takes the pushing user and the manifest media type', () => {
    expect(normalizeGhcr(fixture('ghcr-published'), RECEIVED, GH_HEADERS).events[0]?.data).toMatchObject({
      pushedBy: 'release-bot[bot]',
      mediaType: 'application/vnd.oci.image.index.v1+json',
    });
  });

  it('decodes a form-encoded delivery (payload=...)', () => {
    const json = JSON.stringify({ action: 'published' });
    const form = `payload=${encodeURIComponent(json)}`;
    expect(decodeGhcrBody(form, { 'content-type': 'application/x-www-form-urlencoded' })).toEqual({
      action: 'published',
    });
    expect(decodeGhcrBody(json, { 'content-type': 'application/json' })).toEqual({ action: 'published' });
  });
});

const setMetadata = (p: any, value: unknown) => {
  p.registry_package.package_type = 'npm';
  p.registry_package.package_version.container_metadata = value;
  return p;
};

describe('invalid payloads: a terminal error naming the producer field', () => {
  const mutate = (name: string, change: (p: any) => void) => {
    const p = fixture(name);
    change(p);
    return p;
  };

  it.each([
    ['distribution without events', normalizeDistribution as Normalize, {}, 'events: '],
    [
      'distribution bad timestamp',
      normalizeDistribution,
      mutate('distribution-v2-single', (p) => {
        p.events[0].timestamp = 'yesterday';
      }),
      'events[0].timestamp',
    ],
    [
      'distribution tag push without digest',
      normalizeDistribution,
      mutate('distribution-v2-single', (p) => {
        delete p.events[0].target.digest;
      }),
      'events[0].target.digest',
    ],
    [
      'distribution uppercase repository',
      normalizeDistribution,
      mutate('distribution-v2-single', (p) => {
        p.events[0].target.repository = 'Payments/Ledger';
      }),
      'events[0].target.repository',
    ],
    [
      'distribution invalid tag',
      normalizeDistribution,
      mutate('distribution-v2-single', (p) => {
        p.events[0].target.tag = '-bad';
      }),
      'data.tag',
    ],
    [
      'harbor occur_at as a string',
      normalizeHarbor,
      mutate('harbor-default-push', (p) => {
        p.occur_at = '2024-11-20';
      }),
      'occur_at',
    ],
    [
      'harbor without resource_url',
      normalizeHarbor,
      mutate('harbor-default-push', (p) => {
        delete p.event_data.resources[0].resource_url;
      }),
      'event_data.resources[0].resource_url',
    ],
    [
      'harbor CloudEvents without id',
      normalizeHarbor,
      mutate('harbor-cloudevents-push', (p) => {
        delete p.id;
      }),
      'id: ',
    ],
    [
      'ecr from another source',
      normalizeEcr,
      mutate('ecr-push', (p) => {
        p.source = 'aws.s3';
      }),
      'source: must be "aws.ecr"',
    ],
    [
      'ecr bad account',
      normalizeEcr,
      mutate('ecr-push', (p) => {
        p.account = '1234';
      }),
      'account: must be a 12-digit',
    ],
    [
      'ecr push without digest',
      normalizeEcr,
      mutate('ecr-push', (p) => {
        delete p.detail['image-digest'];
      }),
      'detail.image-digest',
    ],
    [
      'docker hub without push_data',
      normalizeDockerhub,
      mutate('dockerhub-push', (p) => {
        delete p.push_data;
      }),
      'push_data',
    ],
    [
      'ghcr without package_url',
      normalizeGhcr,
      mutate('ghcr-published', (p) => {
        delete p.registry_package.package_version.package_url;
      }),
      'registry_package.package_version.package_url',
    ],
    [
      'ghcr with neither digest',
      normalizeGhcr,
      mutate('ghcr-published', (p) => {
        const v = p.registry_package.package_version;
        v.container_metadata.tag.digest = 'sha256:6c62fb45fe66bfb1ea9a66abc38f6a0cc974292b';
        v.name = 'v1.2.3';
        v.version = 'v1.2.3';
      }),
      'container_metadata.tag.digest',
    ],
  ])('%s', (_name, normalize, payload, field) => {
    let error: unknown;
    try {
      normalize(payload, RECEIVED);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).retryable).toBe(false);
    expect((error as InvalidInputError).message).toContain(field);
  });
});

describe('registry of sources', () => {
  it('lists each producer once, with a route for every HTTP one and none for ECR', () => {
    expect(imageSources.map((s) => s.name)).toEqual(['distribution', 'harbor', 'ecr', 'dockerhub', 'ghcr']);
    for (const s of imageSources) expect(s.route === undefined).toBe(s.transport === 'eventbridge-sqs');
    expect(new Set(imageSources.map((s) => s.route)).size).toBe(imageSources.length);
    expect(imageSources.find((s) => s.name === 'dockerhub')?.route).toBe('/hooks/dockerhub/{secret}');
  });

  it('decode + normalize read every fixture of their producer', () => {
    const byProducer: Record<string, string> = {
      distribution: 'distribution-v1-batch',
      harbor: 'harbor-cloudevents-push',
      ecr: 'ecr-push',
      dockerhub: 'dockerhub-push',
      ghcr: 'ghcr-published',
    };
    for (const source of imageSources) {
      const raw = JSON.stringify(fixture(byProducer[source.name]!));
      const result = source.normalize(source.decode(raw, {}), RECEIVED, GH_HEADERS);
      expect(result.events).toHaveLength(1);
    }
  });

  it('decode refuses a body that is not JSON', () => {
    expect(() => imageSources[0]!.decode('{nope', {})).toThrow(InvalidInputError);
  });
});
