import fc from 'fast-check';
import { eventId } from '../../../../events/index.ts';
import { type ExpectedEvent, imageEvent } from '../case.ts';
import { badAuthorizations, type Secrets } from '../credentials.ts';
import { type Breaker, inPlace, type Produced, pushFrom, type RouteFuzzSpec } from '../route-spec.ts';
import {
  digest,
  eventIdText,
  mixedCase,
  namespacedRepository,
  registryHost,
  rfc3339,
  tag,
  unixSeconds,
  userName,
} from '../values.ts';

const PATH = '/hooks/harbor';

interface Resource {
  readonly digest: string;
  readonly tag: string;
  readonly resource_url: string;
  /** The registry host it names, as capstan writes it (lowercase). */
  readonly registry: string;
  readonly tagged: boolean;
}

/** A tagged artifact, or an untagged one (Harbor then puts the digest in `tag`). */
const resource = (repo: string): fc.Arbitrary<Resource> =>
  fc.tuple(registryHost, digest, tag, fc.boolean()).chain(([host, d, t, tagged]) =>
    mixedCase(host).map((sent) => ({
      digest: d,
      tag: tagged ? t : d,
      resource_url: `${sent}/${repo}${tagged ? `:${t}` : `@${d}`}`,
      registry: host,
      tagged,
    })),
  );

const repositoryData = (repo: string, resources: readonly Resource[]) => ({
  resources: resources.map(({ digest: d, tag: t, resource_url }) => ({ digest: d, tag: t, resource_url })),
  repository: {
    date_created: 1731000000,
    name: repo.split('/').pop(),
    namespace: repo.split('/')[0],
    repo_full_name: repo,
    repo_type: 'private',
  },
});

interface Shape {
  readonly cloudEvent: boolean;
  readonly push: boolean;
}

/** Default format (unix seconds, no id) or CloudEvents (Harbor >= 2.10, an id): both as Harbor sends them. */
const harborPayload = (shape: Shape, minTagged: number): fc.Arbitrary<Produced> =>
  namespacedRepository.chain((repo) =>
    fc
      .record({
        resources: fc
          .array(resource(repo), { minLength: 1, maxLength: 3 })
          .filter((r) => r.filter((x) => x.tagged).length >= minTagged),
        occurAt: unixSeconds,
        time: rfc3339,
        id: eventIdText,
        operator: fc.option(userName, { nil: undefined }),
        otherType: shape.cloudEvent
          ? fc.constantFrom('harbor.artifact.pulled', 'harbor.artifact.deleted', 'harbor.scan.completed')
          : fc.constantFrom('PULL_ARTIFACT', 'DELETE_ARTIFACT', 'SCANNING_COMPLETED', 'QUOTA_WARNING'),
      })
      .map(({ resources, occurAt, time, id, operator, otherType }) => {
        const type = shape.push ? (shape.cloudEvent ? 'harbor.artifact.pushed' : 'PUSH_ARTIFACT') : otherType;
        const data = repositoryData(repo, resources);
        const idOf = (r: Resource) =>
          shape.cloudEvent
            ? resources.length === 1
              ? id
              : eventId(['harbor', id, r.digest, r.tag])
            : eventId(['harbor', type, String(occurAt), repo, r.digest, r.tag]);
        const events: ExpectedEvent[] = shape.push
          ? resources
              .filter((r) => r.tagged)
              .map((r) =>
                imageEvent({
                  id: idOf(r),
                  producer: 'harbor',
                  registry: r.registry,
                  repository: repo,
                  tag: r.tag,
                  digest: r.digest,
                }),
              )
          : [];
        const payload = shape.cloudEvent
          ? {
              specversion: '1.0',
              requestid: 'b3c8e0f2',
              id,
              source: '/projects/2/webhook/policies/3',
              type,
              datacontenttype: 'application/json',
              time,
              ...(operator ? { operator } : {}),
              data,
            }
          : { type, occur_at: occurAt, ...(operator ? { operator } : {}), event_data: data };
        return {
          note: `${shape.cloudEvent ? 'CloudEvents' : 'default'} ${type}, ${resources.length} resource(s)`,
          payload,
          events,
          contentType: shape.cloudEvent ? 'application/cloudevents+json' : 'application/json',
        };
      }),
  );

const dataOf = (p: any) => (p.specversion ? p.data : p.event_data);

const breakers = fc.constantFrom<Breaker>(
  { note: 'no event data', apply: (p) => ({ ...p, data: undefined, event_data: undefined }) },
  {
    note: 'repo_full_name uppercase',
    apply: inPlace((p) => {
      dataOf(p).repository.repo_full_name = 'Library/Nginx';
    }),
  },
  {
    note: 'no repository',
    apply: inPlace((p) => {
      delete dataOf(p).repository;
    }),
  },
  {
    note: 'resources an object',
    apply: inPlace((p) => {
      dataOf(p).resources = { 0: dataOf(p).resources[0] };
    }),
  },
  { note: 'empty type', apply: (p) => ({ ...p, type: '' }) },
  {
    note: 'occur_at / time a string',
    apply: (p) => (p.specversion ? { ...p, time: 'yesterday' } : { ...p, occur_at: 'now' }),
  },
  {
    note: 'occur_at / time out of range',
    apply: (p) => (p.specversion ? { ...p, time: '2025-13-01T00:00:00Z' } : { ...p, occur_at: 1e20 }),
  },
  {
    note: 'negative occur_at / CloudEvents 2.0',
    apply: (p) => (p.specversion ? { ...p, specversion: '2.0' } : { ...p, occur_at: -1 }),
  },
);

const taggedPush = (p: any) => dataOf(p).resources.find((r: any) => r.tag !== r.digest);
const pushBreakers = fc.constantFrom<Breaker>(
  {
    note: 'a tagged resource with a malformed digest',
    apply: inPlace((p) => {
      taggedPush(p).digest = 'sha256:1234';
    }),
  },
  {
    note: 'a tagged resource without resource_url',
    apply: inPlace((p) => {
      delete taggedPush(p).resource_url;
    }),
  },
  {
    note: 'a tagged resource whose resource_url names no host',
    apply: inPlace((p) => {
      taggedPush(p).resource_url = 'nginx';
    }),
  },
);

export const harborRoute = (secrets: Secrets): RouteFuzzSpec => {
  const secret = secrets.hook('harbor');
  const shape = fc.boolean();
  return {
    name: 'harbor',
    valid: shape.chain((cloudEvent) => harborPayload({ cloudEvent, push: true }, 1)),
    ignored: fc.oneof(
      shape.chain((cloudEvent) => harborPayload({ cloudEvent, push: false }, 0)),
      // A push of untagged artifacts only.
      shape.chain((cloudEvent) => harborPayload({ cloudEvent, push: true }, 0)).filter((p) => p.events.length === 0),
    ),
    breakers: fc.oneof(breakers, pushBreakers),
    // What `capstan hooks` tells a Harbor user to paste as the policy's Auth Header, sent verbatim by Harbor.
    credential: fc.constant({
      note: 'Authorization "Bearer <secret>"',
      apply: () => ({ headers: { authorization: `Bearer ${secret}` }, path: PATH }),
    }),
    badCredential: badAuthorizations(PATH, secret, [
      secrets.token,
      secrets.hook('distribution'),
      secrets.hook('dockerhub'),
    ]),
    credentialHeader: 'authorization',
    contentTypes: ['application/json', 'application/cloudevents+json'],
    checksContentType: true,
    mutationExpect: [202, 400],
    corresponds: pushFrom('harbor'),
  };
};
