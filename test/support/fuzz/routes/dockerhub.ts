import fc from 'fast-check';
import { eventId } from '../../../../events/index.ts';
import type { FuzzCase } from '../case.ts';
import { imageEvent } from '../case.ts';
import { almost, type Secrets } from '../credentials.ts';
import { type Breaker, bodyOf, type Credential, type Produced, pushFrom, type RouteFuzzSpec } from '../route-spec.ts';
import { mixedCase, pathComponent, tag, unixSeconds, userName } from '../values.ts';

const PREFIX = '/hooks/dockerhub/';

/** Hub sends no digest and no id: the event id is derived from repository, tag and push time. */
const push = (withTag: boolean): fc.Arbitrary<Produced> =>
  fc
    .record({
      namespace: fc.option(pathComponent, { nil: undefined }),
      name: pathComponent,
      tag,
      pushedAt: fc.oneof(
        unixSeconds,
        unixSeconds.map((s) => s + 0.25),
      ),
      pusher: fc.option(userName, { nil: undefined }),
    })
    .chain((r) => {
      const repoName = r.namespace ? `${r.namespace}/${r.name}` : r.name;
      return mixedCase(repoName).map((sentName) => {
        const repository = r.namespace ? repoName : `library/${repoName}`;
        return {
          note: `${sentName}${withTag ? `:${r.tag}` : ' without a tag'}`,
          payload: {
            callback_url: `https://registry.hub.docker.com/u/${repoName}/hook/2141b5bi5i5b02bec211i4eeih0242eg11000a/`,
            push_data: {
              pushed_at: r.pushedAt,
              ...(r.pusher ? { pusher: r.pusher } : {}),
              ...(withTag ? { tag: r.tag } : {}),
              images: [],
            },
            repository: {
              comment_count: 0,
              is_private: true,
              name: r.name,
              ...(r.namespace ? { namespace: r.namespace } : {}),
              owner: r.namespace ?? 'library',
              repo_name: sentName,
              repo_url: `https://hub.docker.com/r/${repoName}`,
              status: 'Active',
            },
          },
          events: withTag
            ? [
                imageEvent({
                  id: eventId(['dockerhub', repository, r.tag, String(r.pushedAt)]),
                  producer: 'dockerhub',
                  registry: 'docker.io',
                  repository,
                  tag: r.tag,
                }),
              ]
            : [],
          contentType: 'application/json',
        };
      });
    });

const breakers = fc.constantFrom<Breaker>(
  { note: 'no push_data', apply: (p) => ({ ...p, push_data: undefined }) },
  { note: 'pushed_at a string', apply: (p) => ({ ...p, push_data: { ...p.push_data, pushed_at: '1732095061' } }) },
  { note: 'pushed_at negative', apply: (p) => ({ ...p, push_data: { ...p.push_data, pushed_at: -5 } }) },
  { note: 'pushed_at beyond the year 9999', apply: (p) => ({ ...p, push_data: { ...p.push_data, pushed_at: 1e20 } }) },
  { note: 'tag a number', apply: (p) => ({ ...p, push_data: { ...p.push_data, tag: 1 } }) },
  { note: 'tag not a tag', apply: (p) => ({ ...p, push_data: { ...p.push_data, tag: 'v1 final' } }) },
  { note: 'no repository', apply: (p) => ({ ...p, repository: undefined }) },
  { note: 'empty repo_name', apply: (p) => ({ ...p, repository: { ...p.repository, repo_name: '' } }) },
  { note: 'repo_name not a path', apply: (p) => ({ ...p, repository: { ...p.repository, repo_name: 'acme/my app' } }) },
);

const atPath =
  (segment: string): Credential['apply'] =>
  () => ({ headers: {}, path: `${PREFIX}${segment}` });

export const dockerhubRoute = (secrets: Secrets): RouteFuzzSpec => {
  const secret = secrets.hook('dockerhub');
  const valid = push(true);
  return {
    name: 'dockerhub',
    valid,
    ignored: push(false),
    breakers,
    credential: fc.constant({ note: 'secret path', apply: atPath(secret) }),
    badCredential: fc.oneof(
      fc.constantFrom<Credential>(
        { note: 'secret off by one character', apply: atPath(almost(secret)) },
        { note: 'the ingest token as the path secret', apply: atPath(secrets.token) },
        { note: "another route's secret", apply: atPath(secrets.hook('distribution')) },
        { note: 'secret with a suffix', apply: atPath(`${secret}x`) },
        { note: 'half the secret', apply: atPath(secret.slice(0, 16)) },
        {
          note: 'secret as a bearer token, no path secret',
          apply: () => ({ headers: { authorization: `Bearer ${secret}` }, path: PREFIX }),
          expect: [404],
        },
        { note: 'malformed %-escape', apply: atPath('%E0%A4%A'), expect: [404] },
        { note: 'secret and one more segment', apply: atPath(`${secret}/x`), expect: [404] },
      ),
      fc
        .stringMatching(/^[A-Za-z0-9_-]{1,60}$/)
        .map((random) => ({ note: 'random path secret', apply: atPath(random) })),
    ),
    contentTypes: ['application/json'],
    checksContentType: true,
    mutationExpect: [202, 400],
    corresponds: pushFrom('dockerhub'),
    extra: [
      {
        // The path is percent-decoded before the comparison, as API Gateway hands it to the handler.
        weight: 3,
        arbitrary: valid.map(
          (p): FuzzCase => ({
            kind: 'valid',
            note: `${p.note}; secret path percent-encoded`,
            request: () => ({
              path: `${PREFIX}${[...secret].map((c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`).join('')}`,
              headers: { 'content-type': p.contentType },
              body: bodyOf(p),
            }),
            sends: 1,
            expect: [202],
            events: p.events,
            authOk: true,
          }),
        ),
      },
    ],
  };
};
