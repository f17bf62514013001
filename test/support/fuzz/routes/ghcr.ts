import fc from 'fast-check';
import { eventId } from '../../../../events/index.ts';
import { type FuzzCase, imageEvent } from '../case.ts';
import { almost, hmacHex, type Secrets } from '../credentials.ts';
import type { Breaker, Credential, Produced, RouteFuzzSpec } from '../route-spec.ts';
import { bodyOf, inPlace, pushFrom } from '../route-spec.ts';
import { digest, mixedCase, pathComponent, rfc3339, tag, userName } from '../values.ts';

const PATH = '/hooks/ghcr';

interface Shape {
  readonly push: boolean;
  readonly tagged: boolean;
}

/**
 * GitHub `registry_package` or `package` deliveries (the same package object under either key), JSON or the
 * form encoding (`payload=<url-encoded JSON>`), with the owner in the case GitHub keeps it.
 */
const delivery = (shape: Shape): fc.Arbitrary<Produced> =>
  fc
    .record({
      key: fc.constantFrom('registry_package', 'package'),
      eventHeader: fc.boolean(),
      delivery: fc.option(fc.uuid(), { nil: undefined, freq: 5 }),
      owner: pathComponent,
      name: pathComponent,
      tag,
      digest,
      versionId: fc.integer({ min: 1, max: 2 ** 40 }),
      updated: fc.oneof(rfc3339, fc.constant('0001-01-01T00:00:00Z')),
      sender: fc.option(userName, { nil: undefined }),
      form: fc.boolean(),
      action: shape.push ? fc.constantFrom('published', 'updated') : fc.constantFrom('deleted', 'restored'),
      mediaType: fc.constantFrom(
        'application/vnd.oci.image.index.v1+json',
        'application/vnd.docker.distribution.manifest.v2+json',
      ),
    })
    .chain((r) =>
      mixedCase(r.owner).map((owner) => {
        const repository = `${r.owner}/${r.name}`;
        const tagName = shape.tagged ? r.tag : '';
        const payload = {
          action: r.action,
          [r.key]: {
            id: 2345678,
            name: r.name,
            namespace: owner,
            ecosystem: 'CONTAINER',
            package_type: 'CONTAINER',
            package_version: {
              id: r.versionId,
              version: r.digest,
              name: r.digest,
              created_at: r.updated,
              updated_at: r.updated,
              container_metadata: {
                tag: { name: tagName, digest: r.digest },
                manifest: { digest: r.digest, media_type: r.mediaType },
              },
              // GitHub leaves a dangling ":" when the tag is empty.
              package_url: `ghcr.io/${owner}/${r.name}:${tagName}`,
            },
          },
          sender: r.sender ? { login: r.sender } : null,
        };
        const push = shape.push && shape.tagged;
        const id = r.delivery ?? eventId(['ghcr', r.key, String(r.versionId), tagName, r.digest]);
        return {
          note: `${r.key} ${r.action} ${repository}:${tagName}${r.form ? ', form-encoded' : ''}`,
          payload,
          events: push
            ? [imageEvent({ id, producer: 'ghcr', registry: 'ghcr.io', repository, tag: tagName, digest: r.digest })]
            : [],
          contentType: r.form ? 'application/x-www-form-urlencoded' : 'application/json',
          headers: {
            ...(r.eventHeader ? { 'x-github-event': r.key } : {}),
            ...(r.delivery ? { 'x-github-delivery': r.delivery } : {}),
          },
          ...(r.form ? { encode: (json: string) => new URLSearchParams({ payload: json }).toString() } : {}),
        };
      }),
    );

/** GitHub's own ping, and other events sent to the same hook: ignored. */
const otherEvent = fc
  .tuple(delivery({ push: true, tagged: true }), fc.constantFrom('ping', 'push', 'workflow_run'))
  .map(
    ([p, name]): Produced => ({
      ...p,
      note: `X-GitHub-Event ${name}`,
      events: [],
      headers: { ...p.headers, 'x-github-event': name },
    }),
  );

const pkg = (p: any) => p.registry_package ?? p.package;
const breakers = fc.constantFrom<Breaker>(
  { note: 'no action', apply: (p) => ({ ...p, action: undefined }) },
  { note: 'empty action', apply: (p) => ({ ...p, action: '' }) },
  {
    note: 'package_version.id a string',
    apply: inPlace((p) => {
      pkg(p).package_version.id = 'v1';
    }),
  },
  {
    note: 'no package_url',
    apply: inPlace((p) => {
      delete pkg(p).package_version.package_url;
    }),
  },
  {
    note: 'package_url not a reference',
    apply: inPlace((p) => {
      pkg(p).package_version.package_url = 'ghcr.io/acme/my app:v1';
    }),
  },
  {
    note: 'package_url without a registry',
    apply: inPlace((p) => {
      pkg(p).package_version.package_url = 'acme:v1';
    }),
  },
  {
    note: 'no digest anywhere',
    apply: (p) => {
      const v = pkg(p).package_version;
      v.container_metadata.tag.digest = 'sha256:short';
      v.name = 'v1';
      v.version = 'v1';
      return p;
    },
  },
  {
    note: 'tag.name a number',
    apply: inPlace((p) => {
      pkg(p).package_version.container_metadata.tag.name = 7;
    }),
  },
  { note: 'sender a string', apply: (p) => ({ ...p, sender: 'octocat' }) },
);

const signatureHeader = (secret: string, body: Buffer) => `sha256=${hmacHex(secret, body)}`;
const signedWith =
  (value: (body: Buffer) => string | undefined): Credential['apply'] =>
  (body) => {
    const v = value(body);
    const headers: Record<string, string> = v === undefined ? {} : { 'x-hub-signature-256': v };
    return { headers, path: PATH };
  };

export const ghcrRoute = (secrets: Secrets): RouteFuzzSpec => {
  const secret = secrets.hook('ghcr');
  return {
    name: 'ghcr',
    valid: delivery({ push: true, tagged: true }),
    ignored: fc.oneof(delivery({ push: false, tagged: true }), delivery({ push: true, tagged: false }), otherEvent),
    breakers,
    credential: fc.constantFrom<Credential>(
      { note: 'signed', apply: signedWith((b) => signatureHeader(secret, b)) },
      { note: 'signed, uppercase hex', apply: signedWith((b) => `sha256=${hmacHex(secret, b).toUpperCase()}`) },
    ),
    badCredential: fc.constantFrom<Credential>(
      { note: 'unsigned', apply: signedWith(() => undefined) },
      { note: 'signed with the ingest token', apply: signedWith((b) => signatureHeader(secrets.token, b)) },
      {
        note: "signed with another route's secret",
        apply: signedWith((b) => signatureHeader(secrets.hook('distribution'), b)),
      },
      { note: 'signed with the secret off by one', apply: signedWith((b) => signatureHeader(almost(secret), b)) },
      {
        note: 'signature of another body',
        apply: signedWith((b) => signatureHeader(secret, Buffer.concat([b, Buffer.from(' ')]))),
      },
      { note: 'sha1 signature', apply: signedWith((b) => `sha1=${hmacHex(secret, b).slice(0, 40)}`) },
      { note: 'signature without its prefix', apply: signedWith((b) => hmacHex(secret, b)) },
      { note: 'truncated signature', apply: signedWith((b) => signatureHeader(secret, b).slice(0, -2)) },
      { note: 'the secret as the signature', apply: signedWith(() => `sha256=${secret}`) },
    ),
    credentialHeader: 'x-hub-signature-256',
    contentTypes: ['application/json', 'application/x-www-form-urlencoded'],
    checksContentType: true,
    mutationExpect: [202, 400],
    corresponds: pushFrom('ghcr'),
    extra: [
      {
        // X-GitHub-Delivery becomes the event id: any header text, up to past the contract's 256 characters.
        weight: 4,
        arbitrary: fc
          .tuple(delivery({ push: true, tagged: true }), fc.string({ minLength: 1, maxLength: 400 }))
          .map(([p, id]): FuzzCase => {
            const body = bodyOf(p);
            return {
              kind: 'mutated',
              note: `${p.note}; X-GitHub-Delivery of ${id.length} characters`,
              request: () => ({
                path: PATH,
                headers: {
                  'content-type': p.contentType,
                  ...p.headers,
                  'x-github-delivery': id,
                  'x-hub-signature-256': signatureHeader(secret, body),
                },
                body,
              }),
              sends: 1,
              expect: [202, 400],
              authOk: true,
            };
          }),
      },
    ],
  };
};
