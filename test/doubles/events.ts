import { type DeployRequested, DeployRequestedEventSchema } from '../../events/deploy-requested.ts';
import { SCHEMA_VERSION } from '../../events/envelope.ts';
import { type ImagePushed, ImagePushedEventSchema } from '../../events/image-pushed.ts';
import { type RollbackRequested, RollbackRequestedEventSchema } from '../../events/rollback-requested.ts';
import { digestOf } from '../support/registry.ts';

/** Events as they arrive on the queues, parsed by their own schemas (defaults filled in), for use-case tests. */

export const HELLO_REPOSITORY = 'registry.local:5000/acme/hello';
export const helloImage = (version: string) => `${HELLO_REPOSITORY}@${digestOf(version)}`;

export const deployRequested = (
  id: string,
  time: string,
  data: Partial<DeployRequested['data']> = {},
): DeployRequested =>
  DeployRequestedEventSchema.parse({
    specversion: '1.0',
    id,
    type: 'deploy.requested',
    source: 'capstan/cli',
    time,
    schemaversion: SCHEMA_VERSION,
    data: { app: 'hello', environment: 'staging', image: helloImage('1.0.0'), namespace: 'demo', replicas: 2, ...data },
  });

export const rollbackRequested = (
  id: string,
  time: string,
  data: Partial<RollbackRequested['data']> = {},
): RollbackRequested =>
  RollbackRequestedEventSchema.parse({
    specversion: '1.0',
    id,
    type: 'rollback.requested',
    source: 'capstan/cli',
    time,
    schemaversion: SCHEMA_VERSION,
    data: { app: 'hello', environment: 'staging', requestedBy: 'alice', ...data },
  });

export const imagePushed = (id: string, data: Partial<ImagePushed['data']> & { tag?: string }): ImagePushed =>
  ImagePushedEventSchema.parse({
    specversion: '1.0',
    id,
    type: 'image.pushed',
    source: 'capstan/sources/distribution/registry.local:5000',
    time: data.pushedAt ?? '2026-12-01T10:00:00.000Z',
    schemaversion: SCHEMA_VERSION,
    data: {
      registry: 'registry.local:5000',
      repository: 'acme/hello',
      action: 'push',
      producer: 'distribution',
      pushedAt: '2026-12-01T10:00:00.000Z',
      ...(data.tag ? { digest: digestOf(data.tag) } : {}),
      ...data,
    },
  });
