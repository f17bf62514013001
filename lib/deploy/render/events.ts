import { SCHEMA_VERSION } from '../../../events/envelope.ts';
import {
  type DeployRequested,
  eventId,
  type ImagePushed,
  type ReleaseAdvance,
  type RollbackRequested,
  type RolloutCheck,
} from '../../../events/index.ts';
import type { Release } from '../../store/releases.ts';
import { PUSH_SOURCE } from '../decisions/supersede.ts';

type Internal = RolloutCheck | ReleaseAdvance | RollbackRequested;

/**
 * An event capstan sends itself, as CloudEvents like any other. Its id is derived from what it is about,
 * so a step taken twice sends the same event, which the queue and the idempotency record then drop.
 */
export const internalEvent = <E extends Internal>(
  type: E['type'],
  idParts: readonly string[],
  data: E['data'],
  now: Date,
): E =>
  ({
    specversion: '1.0',
    id: eventId([type, ...idParts]),
    type,
    source: 'capstan',
    time: now.toISOString(),
    subject: `${data.app}/${data.environment}`,
    schemaversion: SCHEMA_VERSION,
    data,
  }) as E;

type CheckKey = Pick<RolloutCheck['data'], 'app' | 'environment' | 'revision' | 'cluster' | 'generation' | 'attempt'>;

/**
 * A check's id names the release, cluster, Deployment generation and attempt: a duplicate first check for
 * the same generation is dropped by idempotency, while a changed Deployment gets checks of its own.
 */
export const rolloutCheckId = (k: CheckKey) => eventId(['rollout.check', ...checkIdParts(k)]);

const checkIdParts = (k: CheckKey) => [
  k.app,
  k.environment,
  String(k.revision),
  k.cluster,
  String(k.generation),
  String(k.attempt),
];

/** The first look at a cluster's rollout of a release, with the deadline it must be ready by. */
export const firstRolloutCheck = (
  release: Release,
  cluster: string,
  generation: number,
  now: Date,
  timeoutSeconds: number,
): RolloutCheck => {
  const deployment = release.manifests.find((m) => m.kind === 'Deployment') as { metadata: { name: string } };
  const data = {
    app: release.app,
    environment: release.environment,
    revision: release.revision,
    cluster,
    namespace: release.namespace,
    deployment: deployment.metadata.name,
    generation,
    attempt: 0,
    deadline: new Date(now.getTime() + timeoutSeconds * 1000).toISOString(),
  };
  return internalEvent<RolloutCheck>('rollout.check', checkIdParts(data), data, now);
};

/** The same check, one attempt later. */
export const nextRolloutCheck = (check: RolloutCheck, now: Date): RolloutCheck => {
  const data = { ...check.data, attempt: check.data.attempt + 1 };
  return { ...check, id: rolloutCheckId(data), time: now.toISOString(), data };
};

export const releaseAdvance = (release: Release, wave: number, now: Date): ReleaseAdvance => {
  const { app, environment, revision } = release;
  return internalEvent<ReleaseAdvance>(
    'release.advance',
    [app, environment, String(revision), String(wave)],
    { app, environment, revision, wave },
    now,
  );
};

export const automaticRollback = (release: Release, failed: readonly string[], now: Date): RollbackRequested => {
  const { app, environment, revision } = release;
  return internalEvent<RollbackRequested>(
    'rollback.requested',
    [app, environment, String(revision)],
    {
      app,
      environment,
      failedRevision: revision,
      requestedBy: 'capstan',
      reason: `automatic: the rollout of #${revision} failed in ${failed.join(', ')}`,
    },
    now,
  );
};

/**
 * The deploy request a push makes in one environment of an app, for the containers that run the pushed
 * repository (`image` for the first, `images` naming them all when there are several); its id and time
 * derive from the push.
 */
export const deployRequest = (
  push: ImagePushed,
  target: { app: string; environment: string; containers: readonly string[]; image: string; pushedAt: string },
  o: { awaitApproval: boolean } = { awaitApproval: false },
): DeployRequested => {
  const { app, environment, containers, image, pushedAt } = target;
  return {
    specversion: '1.0',
    id: eventId(['deploy.requested', push.id, app, environment, ...(o.awaitApproval ? ['await-approval'] : [])]),
    type: 'deploy.requested',
    source: PUSH_SOURCE,
    time: pushedAt,
    subject: `${app}/${environment}`,
    schemaversion: SCHEMA_VERSION,
    data: {
      app,
      environment,
      image,
      container: containers[0],
      ...(containers.length > 1 ? { images: Object.fromEntries(containers.map((c) => [c, image])) } : {}),
      namespace: 'default',
      replicas: 1,
      ports: [],
      env: {},
      dryRun: false,
      requestedBy: `${push.data.producer}${push.data.pushedBy ? `:${push.data.pushedBy}` : ''}`.slice(0, 256),
      reason: `push of ${push.data.tag}`,
      ...(o.awaitApproval ? { awaitApproval: true } : {}),
    },
  };
};
