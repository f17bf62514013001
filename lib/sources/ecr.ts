import { z } from 'zod';
import { DateTimeSchema } from '../../events/fields.ts';
import { DigestSchema, RepositorySchema } from '../../events/image-ref.ts';
import { eventId } from '../../events/index.ts';
import type { AuthResult } from './auth.ts';
import { imagePushed, isoTime } from './image-event.ts';
import { invalidField, parsePayload } from './payload.ts';
import type { Normalized, SourceRequest } from './types.ts';

/**
 * An EventBridge event from ECR, as the SQS message body of an EventBridge rule -> SQS target (raw event JSON).
 * Other ECR detail types (scans, replication, pull-through cache) may share the rule and are ignored.
 */
export const EcrPayloadSchema = z.object({
  version: z.string().optional(),
  id: z.string().optional(),
  'detail-type': z.string().min(1),
  source: z.literal('aws.ecr', 'must be "aws.ecr": only ECR events belong on this queue'),
  account: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id'),
  time: DateTimeSchema,
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be an AWS region such as "eu-west-1"'),
  detail: z.object({
    result: z.string().optional(),
    'repository-name': RepositorySchema,
    'image-digest': z.string().optional(),
    'action-type': z.string().optional(),
    'image-tag': z.string().optional(),
    'manifest-media-type': z.string().optional(),
    'artifact-media-type': z.string().optional(),
  }),
});

/**
 * ECR never calls an HTTP endpoint: its events reach capstan through EventBridge -> SQS, and IAM (the queue
 * policy allowing only that rule) is the authentication. An HTTP request claiming to be ECR is always refused,
 * so wiring a route for it by mistake cannot open an unauthenticated door.
 */
export const verifyEcr = (_request: SourceRequest, _secret: string): AuthResult => ({
  ok: false,
  reason: 'ECR events arrive through EventBridge -> SQS (IAM-authenticated), never over HTTP',
});

/** China regions live under amazonaws.com.cn. */
export const ecrRegistryHost = (account: string, region: string): string =>
  `${account}.dkr.ecr.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;

/**
 * The id is derived from the event's content rather than EventBridge's `id`: EventBridge keeps its id across its
 * own retries, but a duplicate emitted by the service gets a fresh one, while its content stays the same.
 */
export const normalizeEcr = (payload: unknown, _receivedAt: Date): Normalized => {
  const event = parsePayload('ecr', EcrPayloadSchema, payload);
  const d = event.detail;
  const repository = d['repository-name'];
  const tag = d['image-tag'] ?? '';
  const digest = d['image-digest'];
  const what = `${repository}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
  const ignore = (reason: string): Normalized => ({ events: [], ignored: [{ reason }] });
  if (event['detail-type'] !== 'ECR Image Action') return ignore(`${event['detail-type']} is not an image action`);
  if (d['action-type'] !== 'PUSH') return ignore(`${d['action-type'] ?? 'unknown action'} of ${what} is not a push`);
  if (d.result !== 'SUCCESS') return ignore(`push of ${what} did not succeed (result ${d.result ?? 'missing'})`);
  if (!tag) return ignore(`push of ${what} by digest, without a tag (e.g. a child manifest of a multi-arch index)`);
  if (!digest || !DigestSchema.safeParse(digest).success) {
    throw invalidField('ecr', 'detail.image-digest', 'a tag push needs a "sha256:<64 hex>" digest');
  }
  const registry = ecrRegistryHost(event.account, event.region);
  const mediaType = d['manifest-media-type'];
  const image = imagePushed(
    {
      id: eventId(['ecr', event.account, event.region, repository, tag, digest, event.time]),
      producer: 'ecr',
      registry,
      repository,
      tag,
      digest,
      ...(mediaType ? { mediaType } : {}),
      pushedAt: isoTime(event.time),
    },
    'detail',
  );
  return { events: [image], ignored: [] };
};
