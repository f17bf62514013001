import fc from 'fast-check';

/**
 * Values the producers' formats allow, varied: repositories, tags, digests, hosts, ids, free text and times.
 * Valid requests are built from these only; mutations (mutate.ts) break them.
 */

const alnum = fc.stringMatching(/^[a-z0-9]{1,8}$/);
const separator = fc.constantFrom('.', '_', '__', '-', '--');

/** A path component of the reference grammar: lowercase runs joined by ".", "_", "__" or dashes. */
export const pathComponent = fc
  .tuple(alnum, fc.array(fc.tuple(separator, alnum), { maxLength: 2 }))
  .map(([first, rest]) => first + rest.map(([s, a]) => s + a).join(''));

export const repository = fc.array(pathComponent, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/'));

/** Two or more components, as Harbor (`project/name`) and GitHub (`owner/name`) have. */
export const namespacedRepository = fc
  .array(pathComponent, { minLength: 2, maxLength: 3 })
  .map((parts) => parts.join('/'));

export const tag = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}$/) },
  { weight: 1, arbitrary: fc.constantFrom('latest', 'v1.2.3', '1.27.3-alpine', 'main', 'sha-0f3c1d9') },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{127}$/) },
);

export const digest = fc
  .uint8Array({ minLength: 32, maxLength: 32 })
  .map((b) => `sha256:${Buffer.from(b).toString('hex')}`);

const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/);

/** `host[:port]`, lowercase, as a registry is named in an image reference. */
export const registryHost = fc
  .tuple(
    fc.oneof(
      // A name ends in a word, not a number: WHATWG URLs read `1.2` as the IPv4 address 1.0.0.2.
      fc
        .tuple(fc.array(label, { minLength: 1, maxLength: 3 }), fc.constantFrom('io', 'com', 'internal', 'example'))
        .map(([l, tld]) => [...l, tld].join('.')),
      fc.constant('localhost'),
      fc.constantFrom('ghcr.io', 'registry.example.com', 'harbor.acme.internal'),
    ),
    fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
  )
  .map(([host, port]) => (port === undefined ? host : `${host}:${port}`));

/** Producer ids: uuids, CI-style ids, and any unicode (SQS dedup ids take none of it: the enqueuer hashes). */
export const eventIdText = fc.oneof(
  { weight: 4, arbitrary: fc.uuid() },
  { weight: 2, arbitrary: fc.stringMatching(/^[A-Za-z0-9._:-]{1,60}$/) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 256 }).map((s) => s.slice(0, 256)) },
);

/** Characters that trip queues, terminals and parsers: noncharacters, lone surrogates, NUL, bidi overrides. */
const awkward = fc.constantFrom('\uffff', '\ufffe', '\ud800', '\udfff', '\u0000', '\u202e', '\u0085', '\u{1F600}', 'é');

/** Free text a producer sends (user names, reasons): any unicode, sometimes with the awkward characters. */
export const freeText = (maxLength: number) =>
  fc
    .oneof(
      { weight: 3, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }) },
      { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }) },
      {
        weight: 1,
        arbitrary: fc.tuple(fc.string({ maxLength: 10 }), awkward, fc.string({ maxLength: 10 })).map((p) => p.join('')),
      },
    )
    // Lengths are UTF-16 units, as the contract counts them; a grapheme may be several.
    .map((s) => s.slice(0, maxLength));

/** A user or robot name; ASCII, since some producers put it in a header too. */
export const userName = fc.oneof(fc.stringMatching(/^[a-z][a-z0-9_-]{0,15}$/), fc.constant('robot$library+ci'));

const MIN_TIME = Date.parse('1970-01-01T00:00:00Z');
const MAX_TIME = Date.parse('2100-01-01T00:00:00Z');

export const unixSeconds = fc.integer({ min: 0, max: MAX_TIME / 1000 });

/** RFC 3339 in the shapes producers send: Z or an offset, none to nanosecond fractions. */
export const rfc3339 = fc
  .tuple(
    fc.integer({ min: MIN_TIME + 86_400_000, max: MAX_TIME }),
    fc.constantFrom('', '.5', '.123', '.402973972'),
    fc.constantFrom('Z', '+00:00', '+02:00', '-07:30', '+14:00'),
  )
  .map(([ms, fraction, offset]) => {
    const minutes =
      offset === 'Z' ? 0 : (offset[0] === '-' ? -1 : 1) * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4)));
    const local = new Date(Math.floor(ms / 1000) * 1000 + minutes * 60_000).toISOString().slice(0, 19);
    return `${local}${fraction}${offset}`;
  });

/** The instant an RFC 3339 time names, as capstan writes times (UTC, milliseconds). */
export const isoOf = (rfc: string) => new Date(Date.parse(rfc)).toISOString();

/** Upper- and lowercase mixed, for names GitHub and Docker Hub send in the owner's case. */
export const mixedCase = (s: string) =>
  fc
    .array(fc.boolean(), { minLength: s.length, maxLength: s.length })
    .map((upper) => [...s].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join(''));
