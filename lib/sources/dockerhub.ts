import { z } from 'zod';
import { UnixSecondsSchema } from '../../events/fields.ts';
import { DOCKER_HUB_REGISTRY } from '../../events/image-ref.ts';
import { eventId } from '../../events/index.ts';
import { type AuthResult, verifyStaticSecret } from './auth.ts';
import { imagePushed, isoFromUnixSeconds, nonEmpty } from './image-event.ts';
import { parsePayload } from './payload.ts';
import type { Normalized, SourceRequest } from './types.ts';

export const DockerHubPayloadSchema = z.object({
  callback_url: z.string().optional(),
  push_data: z.object({
    pushed_at: UnixSecondsSchema,
    pusher: z.string().optional(),
    tag: z.string().optional(),
  }),
  repository: z.object({
    repo_name: z.string().min(1),
    namespace: z.string().optional(),
    name: z.string().optional(),
  }),
});

/**
 * Docker Hub webhooks carry no authentication at all, so the webhook URL itself holds the secret:
 * `/hooks/dockerhub/<secret>`, compared in constant time. Keep that URL out of access logs where possible.
 */
export const verifyDockerhub = (request: SourceRequest, secret: string): AuthResult =>
  verifyStaticSecret(request.pathSecret, secret, 'secret path segment');

/**
 * Hub sends no digest and no delivery id: the id is derived from repository, tag and push time, which a
 * redelivery repeats. The release must resolve the tag to a digest before deploying (capstan deploys by digest).
 */
export const normalizeDockerhub = (payload: unknown, _receivedAt: Date): Normalized => {
  const body = parsePayload('dockerhub', DockerHubPayloadSchema, payload);
  const { pushed_at, pusher, tag } = body.push_data;
  const name = body.repository.repo_name.toLowerCase();
  // Official images are `library/<name>`, as the Docker CLI expands `nginx`.
  const repository = name.includes('/') ? name : `library/${name}`;
  if (!tag) return { events: [], ignored: [{ reason: `push to ${repository} without a tag` }] };
  const pushedBy = nonEmpty(pusher);
  const image = imagePushed(
    {
      id: eventId(['dockerhub', repository, tag, String(pushed_at)]),
      producer: 'dockerhub',
      registry: DOCKER_HUB_REGISTRY,
      repository,
      tag,
      ...(pushedBy ? { pushedBy } : {}),
      pushedAt: isoFromUnixSeconds(pushed_at),
    },
    'push_data',
  );
  return { events: [image], ignored: [] };
};
