import fc from 'fast-check';
import { imageEvent } from '../case.ts';
import { badAuthorizations, bearer, type Secrets } from '../credentials.ts';
import { type Breaker, type Produced, pushFrom, type RouteFuzzSpec } from '../route-spec.ts';
import { digest, eventIdText, mixedCase, registryHost, repository, rfc3339, tag, userName } from '../values.ts';

const PATH = '/hooks/distribution';
const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
];

interface Generated {
  readonly event: Record<string, unknown>;
  /** The image.pushed it must become, if it is a tag push. */
  readonly push?: { id: string; registry: string; repository: string; tag: string; digest: string };
}

interface HostSource {
  readonly url: ((path: string) => string) | undefined;
  readonly requestHost: string;
  /** The registry as capstan must name it. */
  readonly registry: string;
}

/** Where the registry host comes from: target.url (as `http.host` is configured) or the request's Host. */
const hostSource: fc.Arbitrary<HostSource> = fc.tuple(registryHost, fc.boolean()).chain(([host, inUrl]) =>
  inUrl
    ? fc.constant({
        url: (path: string) => `https://${host}${path}`,
        requestHost: 'localhost:5000',
        registry: host.replace(/:443$/, ''),
      })
    : mixedCase(host).map((sent): HostSource => ({ url: undefined, requestHost: sent, registry: host })),
);

const common = fc.record({
  id: eventIdText,
  timestamp: rfc3339,
  repo: repository,
  digest,
  where: hostSource,
  actor: fc.option(userName, { nil: undefined }),
  size: fc.nat(100_000_000),
});

type Common = typeof common extends fc.Arbitrary<infer C> ? C : never;

const event = (c: Common, action: string, target: Record<string, unknown>, path: string): Record<string, unknown> => ({
  id: c.id,
  timestamp: c.timestamp,
  action,
  target: {
    size: c.size,
    length: c.size,
    repository: c.repo,
    ...(c.where.url ? { url: c.where.url(path) } : {}),
    ...target,
  },
  request: {
    id: 'f1c1a6a8',
    addr: '10.0.0.7:52314',
    host: c.where.requestHost,
    method: 'PUT',
    useragent: 'docker/27.3.1',
  },
  actor: c.actor ? { name: c.actor } : {},
  source: { addr: 'registry-7d9f:5000', instanceID: '2b0b6e4f' },
});

const tagPush: fc.Arbitrary<Generated> = fc
  .tuple(common, tag, fc.constantFrom(...MANIFEST_TYPES))
  .map(([c, t, mediaType]) => ({
    event: event(c, 'push', { mediaType, digest: c.digest, tag: t }, `/v2/${c.repo}/manifests/${c.digest}`),
    push: { id: c.id, registry: c.where.registry, repository: c.repo, tag: t, digest: c.digest },
  }));

/** What Distribution also notifies and capstan ignores: blobs, pushes by digest, pulls, mounts, deletes. */
const notAPush: fc.Arbitrary<Generated> = fc
  .tuple(common, tag, fc.constantFrom('blob', 'by-digest', 'pull', 'mount', 'delete'))
  .map(([c, t, what]) => ({
    event:
      what === 'blob'
        ? event(
            c,
            'push',
            { mediaType: 'application/octet-stream', digest: c.digest },
            `/v2/${c.repo}/blobs/${c.digest}`,
          )
        : what === 'by-digest'
          ? event(c, 'push', { mediaType: MANIFEST_TYPES[2], digest: c.digest }, `/v2/${c.repo}/manifests/${c.digest}`)
          : event(c, what, { mediaType: MANIFEST_TYPES[0], digest: c.digest, tag: t }, `/v2/${c.repo}/manifests/${t}`),
  }));

const contentType = (events: number) =>
  events === 1
    ? fc.constantFrom(
        'application/vnd.docker.distribution.events.v2+json',
        'application/vnd.docker.distribution.events.v1+json',
        'application/json',
      )
    : fc.constant('application/vnd.docker.distribution.events.v1+json');

/** Registry 2.x batches several events in one POST (v1); registry 3.x sends one (v2). */
const produced = (events: fc.Arbitrary<Generated[]>): fc.Arbitrary<Produced> =>
  events.chain((generated) =>
    contentType(generated.length).map((type) => ({
      note: `${generated.length} event(s), ${generated.filter((g) => g.push).length} tag push(es)`,
      payload: { events: generated.map((g) => g.event) },
      events: generated.flatMap((g) => (g.push ? [imageEvent({ ...g.push, producer: 'distribution' })] : [])),
      contentType: type,
    })),
  );

const valid = produced(
  fc.tuple(tagPush, fc.array(fc.oneof(tagPush, notAPush), { maxLength: 3 }), fc.nat()).map(([first, more, at]) => {
    const all = [...more];
    all.splice(at % (more.length + 1), 0, first);
    return all;
  }),
);

const firstTagPush = (p: { events: { action: string; target: { tag?: string } }[] }) =>
  p.events.find((e) => e.action === 'push' && e.target.tag) as { target: Record<string, unknown>; request?: unknown };

const breakers = fc.constantFrom<Breaker>(
  { note: 'no events', apply: () => ({}) },
  { note: 'events an object', apply: (p) => ({ events: { 0: p.events[0] } }) },
  {
    note: 'events[0] without id',
    apply: (p) => ({ events: [{ ...p.events[0], id: undefined }, ...p.events.slice(1)] }),
  },
  {
    note: 'events[0].timestamp a number',
    apply: (p) => ({ events: [{ ...p.events[0], timestamp: 1732095061 }, ...p.events.slice(1)] }),
  },
  {
    note: 'events[0].timestamp not RFC 3339',
    apply: (p) => ({ events: [{ ...p.events[0], timestamp: 'yesterday' }, ...p.events.slice(1)] }),
  },
  {
    note: 'events[0] without target',
    apply: (p) => ({ events: [{ ...p.events[0], target: undefined }, ...p.events.slice(1)] }),
  },
  {
    note: 'events[0].target.repository uppercase',
    apply: (p) => ({
      events: [
        { ...p.events[0], target: { ...p.events[0].target, repository: 'Payments/Ledger' } },
        ...p.events.slice(1),
      ],
    }),
  },
  {
    note: 'a tag push with a malformed digest',
    apply: (p) => {
      firstTagPush(p).target.digest = 'sha256:xyz';
      return p;
    },
  },
  {
    note: 'a tag push with an invalid tag',
    apply: (p) => {
      firstTagPush(p).target.tag = '-not a tag';
      return p;
    },
  },
  {
    note: 'a tag push without any registry host',
    apply: (p) => {
      const push = firstTagPush(p);
      delete push.target.url;
      delete push.request;
      return p;
    },
  },
);

export const distributionRoute = (secrets: Secrets): RouteFuzzSpec => {
  const secret = secrets.hook('distribution');
  return {
    name: 'distribution',
    valid,
    ignored: produced(fc.array(notAPush, { minLength: 1, maxLength: 3 })),
    breakers,
    credential: bearer(PATH, secret),
    badCredential: fc.oneof(
      badAuthorizations(PATH, secret, [secrets.token, secrets.hook('harbor'), secrets.hook('ghcr')]),
      // The secret itself, without its scheme: Distribution sends the headers it is configured with, verbatim.
      fc.constant({
        note: 'secret without "Bearer"',
        apply: () => ({ headers: { authorization: secret }, path: PATH }),
      }),
    ),
    credentialHeader: 'authorization',
    contentTypes: [
      'application/vnd.docker.distribution.events.v1+json',
      'application/vnd.docker.distribution.events.v2+json',
      'application/json',
    ],
    checksContentType: true,
    mutationExpect: [202, 400],
    corresponds: pushFrom('distribution'),
  };
};
