import { z } from 'zod';
import { DateTimeSchema } from '../../events/fields.ts';
import { DigestSchema, RepositorySchema } from '../../events/image-ref.ts';
import { type AuthResult, configuredSecret, verifyBearer } from './auth.ts';
import { hostOf, imagePushed, isoTime, nonEmpty } from './image-event.ts';
import { invalidField, parsePayload } from './payload.ts';
import { header, type Ignored, type Normalized, type SourceRequest } from './types.ts';

/**
 * CNCF Distribution (registry 2.x `events.v1+json`, may batch; registry 3.x `events.v2+json`, one per POST): the
 * same `{"events":[...]}` envelope. Only manifest pushes by tag become `image.pushed`; everything else is ignored
 * with a reason. Fields capstan does not read are let through untouched, since registry 3 adds some.
 */
const EventSchema = z.object({
  id: z.string().min(1).max(256),
  timestamp: DateTimeSchema,
  action: z.string().min(1),
  target: z.object({
    mediaType: z.string().optional(),
    digest: z.string().optional(),
    repository: RepositorySchema,
    url: z.string().optional(),
    tag: z.string().optional(),
  }),
  request: z.object({ host: z.string().optional() }).optional(),
  actor: z.object({ name: z.string().optional() }).optional(),
});

export const DistributionPayloadSchema = z.object({ events: z.array(EventSchema) });
export type DistributionPayload = z.infer<typeof DistributionPayloadSchema>;
type DistributionEvent = DistributionPayload['events'][number];

export const MANIFEST_MEDIA_TYPES: readonly string[] = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
];

/**
 * Distribution has no signing: operators configure `notifications.endpoints[].headers` with
 * `Authorization: [Bearer <token>]`, and that token is the secret. No timestamp is sent, so replays are
 * caught by deduplicating on `events[].id` downstream.
 */
export const verifyDistribution = (request: SourceRequest, secret: string): AuthResult => {
  const configured = configuredSecret(secret);
  return configured.ok ? verifyBearer(header(request.headers, 'authorization'), secret) : configured;
};

/** Each tag push of the batch becomes an event with the registry's own `events[].id`. */
export const normalizeDistribution = (payload: unknown, _receivedAt: Date): Normalized => {
  const { events } = parsePayload('distribution', DistributionPayloadSchema, payload);
  const result: Normalized = { events: [], ignored: [] };
  events.forEach((event, i) => {
    const where = `events[${i}]`;
    const skip = ignoreReason(event);
    if (skip) {
      result.ignored.push({ reason: `${where}: ${skip}` } satisfies Ignored);
      return;
    }
    const { digest, tag = '', mediaType, repository, url } = event.target;
    if (!digest || !DigestSchema.safeParse(digest).success) {
      throw invalidField('distribution', `${where}.target.digest`, 'a tag push needs a "sha256:<64 hex>" digest');
    }
    // target.url is built from the registry's configured `http.host` when set, so it names the registry as
    // clients know it; request.host is whatever Host header the pusher used (often localhost:5000).
    const registry = (url && hostOf(url)) || nonEmpty(event.request?.host?.toLowerCase());
    if (!registry) throw invalidField('distribution', `${where}.request.host`, 'no registry host (nor target.url)');
    result.events.push(
      imagePushed(
        {
          id: event.id,
          producer: 'distribution',
          registry,
          repository,
          tag,
          digest,
          ...(mediaType ? { mediaType } : {}),
          ...(event.actor?.name ? { pushedBy: event.actor.name } : {}),
          pushedAt: isoTime(event.timestamp),
        },
        where,
      ),
    );
  });
  return result;
};

const ignoreReason = (event: DistributionEvent): string | undefined => {
  const { action, target } = event;
  const what = `${target.repository}${target.tag ? `:${target.tag}` : ''}${target.digest ? `@${target.digest}` : ''}`;
  if (action !== 'push') return `${action} of ${what} is not a push`;
  if (target.mediaType === 'application/octet-stream' || target.url?.includes('/blobs/')) {
    return `blob push to ${target.repository} (layers and configs are not images)`;
  }
  const manifest =
    target.url?.includes('/manifests/') || (target.mediaType && MANIFEST_MEDIA_TYPES.includes(target.mediaType));
  if (!manifest) return `push of ${what} (${target.mediaType ?? 'no media type'}) is not a manifest`;
  if (!target.tag) return `push of ${what} by digest, without a tag (e.g. a child manifest of a multi-arch index)`;
  return undefined;
};
