import { z } from 'zod';
import { DateTimeSchema } from '../../events/fields.ts';
import { checkImageRef, DigestSchema } from '../../events/image-ref.ts';
import { eventId } from '../../events/index.ts';
import { type AuthResult, verifyHubSignature256 } from './auth.ts';
import { imagePushed, isoTime } from './image-event.ts';
import { invalidField, parsePayload, readJson } from './payload.ts';
import { type Headers, header, type Normalized, type SourceRequest } from './types.ts';

const PackageSchema = z.object({
  name: z.string().optional(),
  package_type: z.string().nullish(),
  package_version: z
    .object({
      id: z.number().int(),
      name: z.string().nullish(),
      version: z.string().nullish(),
      created_at: z.string().nullish(),
      updated_at: z.string().nullish(),
      container_metadata: z
        .object({
          tag: z.object({ name: z.string(), digest: z.string() }).nullish(),
          manifest: z.object({ media_type: z.string().nullish() }).nullish(),
        })
        .nullish(),
      package_url: z.string().nullish(),
    })
    .nullish(),
});

/** GitHub `registry_package` and `package` webhooks: the same package object under either key. */
export const GhcrPayloadSchema = z.object({
  action: z.string().min(1),
  registry_package: PackageSchema.optional(),
  package: PackageSchema.optional(),
  sender: z.object({ login: z.string() }).nullish(),
});

const PACKAGE_EVENTS = ['registry_package', 'package'] as const;
const PUSH_ACTIONS = ['published', 'updated'];
// Go's zero time: GitHub sends it for versions whose times it does not know.
const ZERO_TIME = Date.parse('0001-01-01T00:00:00Z');

/** `X-Hub-Signature-256`: HMAC-SHA256 of the exact raw body with the webhook's secret. */
export const verifyGhcr = (request: SourceRequest, secret: string): AuthResult =>
  verifyHubSignature256(header(request.headers, 'x-hub-signature-256'), request.rawBody, secret);

/**
 * `X-GitHub-Delivery` (reused by GitHub on redelivery) is the event id when the edge passes the headers; without
 * it the id is derived from the package version, tag and digest. `X-GitHub-Event: ping` and other events are ignored.
 */
export const normalizeGhcr = (payload: unknown, receivedAt: Date, headers: Headers = {}): Normalized => {
  const ignore = (reason: string): Normalized => ({ events: [], ignored: [{ reason }] });
  const eventName = header(headers, 'x-github-event');
  if (eventName && !(PACKAGE_EVENTS as readonly string[]).includes(eventName)) {
    return ignore(`X-GitHub-Event "${eventName}" is not a package event`);
  }
  const body = parsePayload('ghcr', GhcrPayloadSchema, payload);
  const key =
    eventName === 'package' || eventName === 'registry_package'
      ? eventName
      : body.registry_package
        ? 'registry_package'
        : 'package';
  const pkg = body[key];
  if (!pkg) throw invalidField('ghcr', key, 'required for a package event');
  const version = pkg.package_version;
  const container = version?.container_metadata;
  if (!version || !container?.tag) {
    return ignore(`${pkg.package_type ?? 'unknown'} package ${pkg.name ?? '?'} is not a container image`);
  }
  if (!PUSH_ACTIONS.includes(body.action)) return ignore(`package ${body.action} is not a push`);
  const at = `${key}.package_version`;
  const tag = container.tag.name;
  if (!tag) return ignore(`version ${version.name ?? version.id} of ${pkg.name ?? '?'} has no tag (tag.name is "")`);
  const digest = [container.tag.digest, version.name, version.version].find((d) => DigestSchema.safeParse(d).success);
  if (!digest) throw invalidField('ghcr', `${at}.container_metadata.tag.digest`, 'needs "sha256:<64 hex>"');
  const ref = imageOf(version.package_url);
  if (typeof ref === 'string') throw invalidField('ghcr', `${at}.package_url`, ref);
  const mediaType = container.manifest?.media_type;
  const image = imagePushed(
    {
      id: header(headers, 'x-github-delivery') || eventId(['ghcr', key, String(version.id), tag, digest]),
      producer: 'ghcr',
      registry: ref.registry,
      repository: ref.repository,
      tag,
      digest,
      ...(mediaType ? { mediaType } : {}),
      ...(body.sender?.login ? { pushedBy: body.sender.login } : {}),
      pushedAt: knownTime(version.updated_at) ?? knownTime(version.created_at) ?? receivedAt.toISOString(),
    },
    at,
  );
  return { events: [image], ignored: [] };
};

/**
 * `ghcr.io/Codertocat/hello-world:v1` -> registry + repository. GitHub keeps the owner's case (the registry
 * itself only serves lowercase names) and leaves a dangling `:` when the tag is empty, so both are undone here.
 */
const imageOf = (packageUrl: string | null | undefined): { registry: string; repository: string } | string => {
  if (!packageUrl) return 'required: the image reference, e.g. "ghcr.io/acme/api:v1.2.3"';
  const named = packageUrl.split('@', 1)[0] ?? '';
  const colon = named.indexOf(':', named.lastIndexOf('/') + 1);
  const ref = checkImageRef((colon >= 0 ? named.slice(0, colon) : named).toLowerCase());
  if (typeof ref === 'string') return `"${packageUrl}" is not an image reference: ${ref}`;
  if (!ref.registry) return `"${packageUrl}" names no registry host`;
  return { registry: ref.registry, repository: ref.repository };
};

const knownTime = (s: string | null | undefined): string | undefined =>
  s && DateTimeSchema.safeParse(s).success && Date.parse(s) !== ZERO_TIME ? isoTime(s) : undefined;

/**
 * A GitHub webhook set to `application/x-www-form-urlencoded` posts `payload=<url-encoded JSON>` instead of JSON;
 * the signature covers that form body, so decoding happens only after verification.
 */
export const decodeGhcrBody = (rawBody: string, headers: Headers): unknown => {
  const contentType = header(headers, 'content-type') ?? '';
  if (!contentType.toLowerCase().startsWith('application/x-www-form-urlencoded')) return readJson('ghcr', rawBody);
  const payload = new URLSearchParams(rawBody).get('payload');
  if (payload === null) throw invalidField('ghcr', 'payload', 'a form-encoded delivery needs a "payload" field');
  return readJson('ghcr', payload);
};
