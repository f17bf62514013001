import { SCHEMA_VERSION } from '../../events/envelope.ts';
import { type DeployRequested, eventId, type ImagePushed } from '../../events/index.ts';
import { canonicalRepository } from '../apps/repository.ts';
import { ResolveError } from '../registry/resolve.ts';
import { DOCKER_HUB_REGISTRY } from '../sources/dockerhub.ts';
import { offerApproval } from '../store/approvals.ts';
import { appsTracking } from '../store/apps.ts';
import type { HistoryEntry } from '../store/history.ts';
import { UNROUTED_APP } from '../store/keys.ts';
import { listReleases } from '../store/releases.ts';
import type { DeployDeps } from './deps.ts';
import { recordStep } from './record.ts';
import { decidePush, type PushDecision } from './track.ts';

export interface PushSummary {
  readonly repository: string;
  readonly decisions: readonly (PushDecision & { readonly app: string; readonly container: string })[];
  readonly reason?: string;
}

/**
 * image.pushed -> for every app tracking the repository, each environment whose tag policy takes the tag
 * gets a deploy request (pinned by digest), or a pending approval; the rest is recorded as skipped with
 * its reason. The deploy request's id derives from the push's, so a redelivered push requests nothing new.
 */
export const onImagePushed = async (event: ImagePushed, deps: DeployDeps): Promise<PushSummary> => {
  const { registry, repository: path, tag } = event.data;
  const repository = canonicalRepository(registry, path);
  const unrouted = async (reason: string, digest = event.data.digest): Promise<PushSummary> => {
    await record({ app: UNROUTED_APP }, { outcome: 'skipped', reason, details: { repository, tag, digest } });
    return { repository, decisions: [], reason };
  };
  const record = (
    subject: { app: string; environment?: string },
    step: Pick<HistoryEntry, 'outcome' | 'reason' | 'details'>,
  ) => recordStep(deps, event, subject, { action: 'track', ...step });

  if (tag === undefined) {
    return unrouted(`push of ${repository}@${event.data.digest} carries no tag: capstan deploys tags`);
  }
  const apps = await appsTracking(deps.db, repository);
  if (apps.length === 0) return unrouted(`no registered app runs ${repository}`);
  const found = await pushedDigest(event, deps);
  if (!found.digest) return unrouted(`push of ${repository}:${tag} carries no digest, and ${found.why}`);
  const { digest } = found;

  const pushedAt = new Date(event.data.pushedAt ?? event.time).toISOString();
  const image = `${repository}:${tag}@${digest}`;
  const decisions: (PushDecision & { app: string; container: string })[] = [];
  for (const { record: app, containers } of apps) {
    const { spec } = app;
    const newest = new Map(
      await Promise.all(
        Object.keys(spec.environments).map(
          async (env) => [env, (await listReleases(deps.db, spec.name, env, 1))[0]] as const,
        ),
      ),
    );
    for (const container of containers) {
      for (const decision of decidePush({ tag, digest, pushedAt }, spec, container, (env) => newest.get(env))) {
        const subject = { app: spec.name, environment: decision.environment };
        const details = { image, container, producer: event.data.producer };
        if (decision.action === 'deploy') {
          await deps.enqueue(deployRequest(event, { ...subject, container, image, pushedAt }));
          await record(subject, { outcome: 'accepted', reason: decision.reason, details });
        } else if (decision.action === 'await-approval') {
          const offered = await offerApproval(deps.db, {
            ...subject,
            container,
            image,
            tag,
            pushedAt,
            eventId: event.id,
            pushedBy: event.data.pushedBy,
          });
          await record(subject, {
            outcome: offered ? 'pending' : 'skipped',
            reason: offered ? decision.reason : 'a newer push already waits for approval',
            details,
          });
        } else {
          await record(subject, { outcome: 'skipped', reason: decision.reason, details });
        }
        decisions.push({ ...decision, app: spec.name, container });
      }
    }
  }
  return { repository, decisions };
};

/**
 * The digest of the pushed manifest: the event's own, or, for Docker Hub (whose webhook sends none), what
 * the tag points at when asked. A registry's "no" is recorded; a registry that cannot be reached throws,
 * so the message is retried. Only Docker Hub is ever asked: a push cannot make capstan call another host.
 */
const pushedDigest = async (
  event: ImagePushed,
  deps: DeployDeps,
): Promise<{ digest: string; why?: undefined } | { digest?: undefined; why: string }> => {
  const { registry, repository, tag, digest } = event.data;
  if (digest !== undefined) return { digest };
  if (registry !== DOCKER_HUB_REGISTRY || tag === undefined || !deps.dockerHubDigest) {
    return { why: 'capstan deploys by digest only' };
  }
  try {
    return { digest: await deps.dockerHubDigest(repository, tag) };
  } catch (error) {
    if (error instanceof ResolveError) return { why: `Docker Hub could not resolve it: ${error.message}` };
    throw error;
  }
};

/** The deploy request a push makes for one container of an app in one environment; id and time derive from the push. */
export const deployRequest = (
  push: ImagePushed,
  target: { app: string; environment: string; container: string; image: string; pushedAt: string },
): DeployRequested => {
  const { app, environment, container, image, pushedAt } = target;
  return {
    specversion: '1.0',
    id: eventId(['deploy.requested', push.id, app, environment, container]),
    type: 'deploy.requested',
    source: 'capstan/track',
    time: pushedAt,
    subject: `${app}/${environment}`,
    schemaversion: SCHEMA_VERSION,
    data: {
      app,
      environment,
      image,
      container,
      namespace: 'default',
      replicas: 1,
      ports: [],
      env: {},
      dryRun: false,
      requestedBy: `${push.data.producer}${push.data.pushedBy ? `:${push.data.pushedBy}` : ''}`.slice(0, 256),
      reason: `push of ${push.data.tag}`,
    },
  };
};
