import { z } from 'zod';
import { DateTimeSchema, UnixSecondsSchema } from '../../events/fields.ts';
import { DigestSchema, RepositorySchema } from '../../events/image-ref.ts';
import { eventId } from '../../events/index.ts';
import { type AuthResult, configuredSecret, verifyBearer } from './auth.ts';
import { hostOf, imagePushed, isoFromUnixSeconds, isoTime, nonEmpty } from './image-event.ts';
import { invalidField, parsePayload } from './payload.ts';
import { header, type Normalized, type SourceRequest } from './types.ts';

/** `event_data` of the default format, and `data` of the CloudEvents format (Harbor >= 2.10). */
const EventDataSchema = z.object({
  resources: z
    .array(
      z.object({
        digest: z.string().optional(),
        tag: z.string().optional(),
        resource_url: z.string().optional(),
      }),
    )
    .default([]),
  repository: z.object({
    name: z.string().optional(),
    namespace: z.string().optional(),
    repo_full_name: RepositorySchema,
  }),
});

export const HarborDefaultPayloadSchema = z.object({
  type: z.string().min(1),
  occur_at: UnixSecondsSchema,
  operator: z.string().optional(),
  event_data: EventDataSchema,
});

export const HarborCloudEventPayloadSchema = z.object({
  specversion: z.literal('1.0'),
  id: z.string().min(1).max(256),
  source: z.string().optional(),
  type: z.string().min(1),
  time: DateTimeSchema,
  operator: z.string().optional(),
  data: EventDataSchema,
});

type EventData = z.infer<typeof EventDataSchema>;

/**
 * Harbor has no signature and no timestamp: it sends the webhook policy's "Auth Header" verbatim as the
 * `Authorization` header (goharbor/harbor src/pkg/notifier/handler/notification/http_handler.go). Users
 * set it to `Bearer <this route's secret>`, as `capstan hooks` says, so the token is checked like any
 * bearer token, in constant time; a bare secret without its scheme is refused.
 */
export const verifyHarbor = (request: SourceRequest, secret: string): AuthResult => {
  const configured = configuredSecret(secret);
  if (!configured.ok) return configured;
  const result = verifyBearer(header(request.headers, 'authorization'), secret);
  return result.ok || result.reason === 'invalid token'
    ? result
    : { ok: false, reason: `${result.reason}: set the webhook policy's Auth Header to "Bearer <secret>"` };
};

/**
 * Both formats, told apart by `specversion`. The CloudEvents id is used when the event carries one resource;
 * the default format has no id, so one is derived from what Harbor resends unchanged on each of its retries.
 */
export const normalizeHarbor = (payload: unknown, _receivedAt: Date): Normalized => {
  const cloudEvent = typeof payload === 'object' && payload !== null && 'specversion' in payload;
  if (cloudEvent) {
    const ce = parsePayload('harbor', HarborCloudEventPayloadSchema, payload);
    return fromEventData(ce.type === 'harbor.artifact.pushed', ce.type, ce.data, 'data', {
      time: isoTime(ce.time),
      operator: ce.operator,
      id: (resource, count) =>
        count === 1 ? ce.id : eventId(['harbor', ce.id, resource.digest ?? '', resource.tag ?? '']),
    });
  }
  const body = parsePayload('harbor', HarborDefaultPayloadSchema, payload);
  return fromEventData(body.type === 'PUSH_ARTIFACT', body.type, body.event_data, 'event_data', {
    time: isoFromUnixSeconds(body.occur_at),
    operator: body.operator,
    id: (resource) =>
      eventId([
        'harbor',
        body.type,
        String(body.occur_at),
        body.event_data.repository.repo_full_name,
        resource.digest ?? '',
        resource.tag ?? '',
      ]),
  });
};

interface Context {
  readonly time: string;
  readonly operator: string | undefined;
  readonly id: (resource: EventData['resources'][number], count: number) => string;
}

const fromEventData = (isPush: boolean, type: string, data: EventData, at: string, ctx: Context): Normalized => {
  const repository = data.repository.repo_full_name;
  if (!isPush) return { events: [], ignored: [{ reason: `${type} on ${repository} is not a push` }] };
  const result: Normalized = { events: [], ignored: [] };
  data.resources.forEach((resource, i) => {
    const where = `${at}.resources[${i}]`;
    const { digest, tag } = resource;
    // Harbor puts the digest in `tag` for an untagged artifact.
    if (!tag || tag === digest || tag.startsWith('sha256:')) {
      result.ignored.push({ reason: `${where}: untagged artifact ${repository}@${digest ?? '?'} (no tag)` });
      return;
    }
    if (!digest || !DigestSchema.safeParse(digest).success) {
      throw invalidField('harbor', `${where}.digest`, 'a tag push needs a "sha256:<64 hex>" digest');
    }
    const registry = resource.resource_url ? hostOf(resource.resource_url) : undefined;
    if (!registry) {
      throw invalidField('harbor', `${where}.resource_url`, 'needs the registry host, e.g. "harbor.example.com/p/r:t"');
    }
    const operator = nonEmpty(ctx.operator);
    result.events.push(
      imagePushed(
        {
          id: ctx.id(resource, data.resources.length),
          producer: 'harbor',
          registry,
          repository,
          tag,
          digest,
          ...(operator ? { pushedBy: operator } : {}),
          pushedAt: ctx.time,
        },
        where,
      ),
    );
  });
  return result;
};
