import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { type CapstanEvent, parseEvent } from '../../../../events/index.ts';
import type { ExpectedEvent, FuzzCase } from '../case.ts';
import { almost, badAuthorizations, bearer, hmacHex, type Secrets } from '../credentials.ts';
import type { Breaker, Credential, Produced, RouteFuzzSpec } from '../route-spec.ts';
import { bodyOf } from '../route-spec.ts';
import { digest, eventIdText, freeText, registryHost, repository, rfc3339, tag } from '../values.ts';

const PATH = '/events';
const name = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?$/);

const imageRef = fc
  .tuple(registryHost, repository, tag, digest, fc.nat(2))
  .map(
    ([host, repo, t, d, form]) => [`${host}/${repo}@${d}`, `${host}/${repo}:${t}@${d}`, `${host}/${repo}:${t}`][form],
  );

const ports = fc
  .uniqueArray(fc.integer({ min: 1, max: 65535 }), { maxLength: 4 })
  .chain((numbers) =>
    fc.tuple(
      ...numbers.map((n, i) =>
        fc.record(
          { name: fc.constant(`port-${i}`), containerPort: fc.constant(n), protocol: fc.constantFrom('TCP', 'UDP') },
          { requiredKeys: ['containerPort'] },
        ),
      ),
    ),
  );

const deployData = fc.record(
  {
    app: name,
    environment: name,
    image: imageRef,
    namespace: name,
    replicas: fc.integer({ min: 0, max: 1000 }),
    ports,
    env: fc.dictionary(fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,10}$/), fc.string({ unit: 'binary', maxLength: 30 }), {
      maxKeys: 4,
    }),
    dryRun: fc.boolean(),
    requestedBy: freeText(256),
    reason: freeText(500),
  },
  { requiredKeys: ['app', 'environment', 'image'] },
);

const rollbackData = fc.record(
  {
    app: name,
    environment: name,
    toRevision: fc.integer({ min: 1, max: 1_000_000 }),
    failedRevision: fc.integer({ min: 1, max: 1_000_000 }),
    requestedBy: freeText(256),
    reason: freeText(500),
  },
  { requiredKeys: ['app', 'environment'] },
);

// Registry and repository long enough, now and then, that their message group passes SQS's 128 characters.
const pushedRepository = fc.oneof(
  { weight: 4, arbitrary: repository },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-z0-9]{100,200}$/) },
);

const pushData = fc
  .record(
    {
      registry: registryHost,
      repository: pushedRepository,
      tag,
      digest,
      mediaType: fc.constantFrom(
        'application/vnd.oci.image.manifest.v1+json',
        'application/vnd.docker.distribution.manifest.v2+json',
      ),
      action: fc.constant('push'),
      producer: fc.constantFrom('generic', 'distribution', 'harbor', 'ecr', 'dockerhub', 'ghcr'),
      pushedBy: freeText(256),
      pushedAt: rfc3339,
    },
    { requiredKeys: ['registry', 'repository', 'action', 'producer'] },
  )
  .filter((d) => d.tag !== undefined || d.digest !== undefined);

const envelope = (type: string, data: fc.Arbitrary<unknown>) =>
  fc.record(
    {
      specversion: fc.constant('1.0'),
      id: eventIdText,
      type: fc.constant(type),
      source: fc.constantFrom('capstan/cli', 'ci/jenkins', 'https://gitlab.example.com/acme/api'),
      time: rfc3339,
      subject: fc.string({ maxLength: 40 }),
      schemaversion: fc.constant('1'),
      data,
    },
    { requiredKeys: ['specversion', 'id', 'type', 'source', 'time', 'schemaversion', 'data'] },
  );

/** The event capstan must enqueue for a valid body: the contract's own reading of it (defaults filled in). */
const sameEvent = (payload: unknown): ExpectedEvent => {
  const parsed = parseEvent(payload);
  if (!parsed.ok) throw new Error(`generated an invalid event: ${parsed.issues.join('; ')}`);
  const want = JSON.stringify(parsed.event);
  return {
    id: parsed.event.id,
    differs: (event) => (JSON.stringify(event) === want ? undefined : `got ${JSON.stringify(event).slice(0, 300)}`),
  };
};

const sample = (file: string) =>
  JSON.parse(readFileSync(new URL(`../../../../events/samples/${file}`, import.meta.url), 'utf8'));

/** What an alerting rule or a forwarder may post for healing (onto the heal queue): the samples, each its own id. */
const healData = fc
  .tuple(fc.constantFrom('node.lost.json', 'node.recovered.json', 'rbd.lock.detected.json'), eventIdText)
  .map(([file, id]) => ({ ...sample(file), id }));

const valid: fc.Arbitrary<Produced> = fc
  .oneof(
    { weight: 3, arbitrary: envelope('deploy.requested', deployData) },
    { weight: 1, arbitrary: envelope('rollback.requested', rollbackData) },
    { weight: 2, arbitrary: envelope('image.pushed', pushData) },
    { weight: 1, arbitrary: healData },
  )
  .map((payload) => ({
    note: `${payload.type} ${JSON.stringify(payload.id).slice(0, 40)}`,
    payload,
    events: [sameEvent(payload)],
    contentType: 'application/json',
  }));

/** Valid events of types the edge refuses: sent by capstan itself only (hpa.threshold.hit is scaling's since issue 12). */
const refusedTypes = fc
  .tuple(
    fc.constantFrom('scale.check.json', 'heal.check.json', 'release.advance.json', 'rollout.check.json'),
    eventIdText,
  )
  .map(([file, id]) => ({ ...sample(file), id }));

const breakers: fc.Arbitrary<Breaker> = fc.constantFrom<Breaker>(
  { note: 'no id', apply: (p) => ({ ...p, id: undefined }) },
  { note: 'empty id', apply: (p) => ({ ...p, id: '' }) },
  { note: 'id of 257 characters', apply: (p) => ({ ...p, id: 'i'.repeat(257) }) },
  { note: 'unknown type', apply: (p) => ({ ...p, type: 'deploy.requestd' }) },
  { note: 'type a number', apply: (p) => ({ ...p, type: 7 }) },
  { note: 'specversion 0.3', apply: (p) => ({ ...p, specversion: '0.3' }) },
  { note: 'schemaversion 2', apply: (p) => ({ ...p, schemaversion: '2' }) },
  { note: 'time not RFC 3339', apply: (p) => ({ ...p, time: '20/11/2025 09:30' }) },
  { note: 'no data', apply: (p) => ({ ...p, data: undefined }) },
  { note: 'data an array', apply: (p) => ({ ...p, data: [p.data] }) },
  { note: 'unknown data field', apply: (p) => ({ ...p, data: { ...p.data, extra: true } }) },
  {
    note: 'app not a DNS label',
    apply: (p) =>
      p.type === 'image.pushed'
        ? { ...p, data: { ...p.data, registry: 'Not A Host' } }
        : { ...p, data: { ...p.data, app: 'Hello World' } },
  },
  {
    note: 'a number where a string goes',
    apply: (p) =>
      p.type === 'image.pushed'
        ? { ...p, data: { ...p.data, repository: 42 } }
        : { ...p, data: { ...p.data, environment: 42 } },
  },
  { note: 'body an array', apply: (p) => [p] },
  { note: 'body a string', apply: (p) => JSON.stringify(p) },
  { note: 'body null', apply: () => null },
);

const signature = (secret: string, t: number | string, body: Buffer | string) =>
  `t=${t},v1=${hmacHex(secret, Buffer.concat([Buffer.from(`${t}.`), Buffer.from(body)]))}`;

/** `X-Capstan-Signature` within the replay window, in the spellings the header allows. */
const signed = (secret: string): fc.Arbitrary<Credential> =>
  fc.tuple(fc.integer({ min: -290, max: 290 }), fc.constantFrom('plain', 'spaced', 'swapped')).map(([skew, form]) => ({
    note: `signed ${skew}s off, ${form}`,
    apply: (body, now) => {
      const [t, v1] = signature(secret, now + skew, body).split(',') as [string, string];
      const value = form === 'plain' ? `${t},${v1}` : form === 'spaced' ? `${t}, ${v1}` : `${v1},${t}`;
      return { headers: { 'x-capstan-signature': value }, path: PATH };
    },
  }));

const badSignatures = (secrets: Secrets): fc.Arbitrary<Credential> =>
  fc.constantFrom<Credential>(
    {
      note: 'signed with a hook secret',
      apply: (b, now) => ({ headers: { 'x-capstan-signature': signature(secrets.hook('ghcr'), now, b) }, path: PATH }),
    },
    {
      note: 'signed with the token off by one',
      apply: (b, now) => ({ headers: { 'x-capstan-signature': signature(almost(secrets.token), now, b) }, path: PATH }),
    },
    {
      note: 'signature of another body',
      apply: (b, now) => ({ headers: { 'x-capstan-signature': signature(secrets.token, now, `${b} `) }, path: PATH }),
    },
    {
      note: 'signature of another time',
      apply: (b, now) => ({
        headers: { 'x-capstan-signature': `t=${now - 1},${signature(secrets.token, now, b).split(',')[1]}` },
        path: PATH,
      }),
    },
    { note: 'no v1', apply: (_b, now) => ({ headers: { 'x-capstan-signature': `t=${now}` }, path: PATH }) },
    {
      note: 't not a number',
      apply: (b) => ({ headers: { 'x-capstan-signature': signature(secrets.token, 'now', b) }, path: PATH }),
    },
    { note: 'empty signature header', apply: () => ({ headers: { 'x-capstan-signature': '' }, path: PATH }) },
    {
      note: 'v1 uppercase hex',
      apply: (b, now) => ({
        headers: {
          'x-capstan-signature': signature(secrets.token, now, b)
            .toUpperCase()
            .replace('T=', 't=')
            .replace('V1=', 'v1='),
        },
        path: PATH,
      }),
    },
    // A right bearer token does not rescue a wrong signature: the signature, when present, is what counts.
    {
      note: 'right bearer, wrong signature',
      apply: (b, now) => ({
        headers: {
          authorization: `Bearer ${secrets.token}`,
          'x-capstan-signature': signature(almost(secrets.token), now, b),
        },
        path: PATH,
      }),
    },
  );

/**
 * A captured signed request replayed later (or a producer clock far ahead): outside the 300 s window it is refused
 * whatever else is right; inside, it is accepted (and its id is still deduplicated).
 */
const replayWindow = (secret: string): fc.Arbitrary<FuzzCase> =>
  fc
    .tuple(valid, fc.oneof(fc.integer({ min: 310, max: 10_000_000 }), fc.integer({ min: -10_000_000, max: -310 })))
    .map(([p, skew]) => {
      const body = bodyOf(p);
      return {
        kind: 'replay-window',
        note: `${p.note}; signed ${skew}s off`,
        request: (now) => ({
          path: PATH,
          headers: { 'content-type': p.contentType, 'x-capstan-signature': signature(secret, now + skew, body) },
          body,
        }),
        sends: 1,
        expect: [401],
        authOk: false,
      };
    });

export const eventsRoute = (secrets: Secrets): RouteFuzzSpec => ({
  name: 'events',
  valid,
  breakers,
  credential: fc.oneof(bearer(PATH, secrets.token), signed(secrets.token)),
  badCredential: fc.oneof(
    badAuthorizations(PATH, secrets.token, [
      secrets.hook('distribution'),
      secrets.hook('harbor'),
      secrets.hook('ghcr'),
    ]),
    badSignatures(secrets),
  ),
  credentialHeader: 'authorization',
  contentTypes: [],
  checksContentType: false,
  mutationExpect: [202, 400, 422],
  corresponds: (body: Buffer, event: CapstanEvent) => {
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      return 'the body sent is not JSON';
    }
    const parsed = parseEvent(json);
    if (!parsed.ok) return `the body sent is no event: ${parsed.issues.join('; ')}`;
    return JSON.stringify(parsed.event) === JSON.stringify(event) ? undefined : 'the event is not the body sent';
  },
  extra: [
    { weight: 5, arbitrary: replayWindow(secrets.token) },
    {
      weight: 4,
      arbitrary: fc.tuple(refusedTypes, bearer(PATH, secrets.token)).map(([payload, c]) => ({
        kind: 'refused-type' as const,
        note: `${payload.type}; ${c.note}`,
        request: (now: number) => {
          const body = Buffer.from(JSON.stringify(payload));
          return { path: PATH, headers: { 'content-type': 'application/json', ...c.apply(body, now).headers }, body };
        },
        sends: 1,
        expect: [422],
        authOk: true,
      })),
    },
  ],
});
