import { DOCKER_HUB_REGISTRY } from '../../../events/image-ref.ts';
import type { ImagePushed } from '../../../events/index.ts';
import { canonicalRepository } from '../../apps/repository.ts';
import type { ReasonCode } from '../../reasons.ts';
import type { HistoryEntry } from '../../store/history.ts';
import { UNROUTED_APP } from '../../store/ports.ts';
import { namesLatest } from '../decisions/policy.ts';
import { decidePush, type PushDecision } from '../decisions/push.ts';
import type { DeployDeps } from '../ports.ts';
import { deployRequest } from '../render/events.ts';
import { recordStep, type Subject } from './record.ts';

export interface PushSummary {
  readonly repository: string;
  readonly decisions: readonly (PushDecision & { readonly app: string; readonly container: string })[];
  readonly code?: ReasonCode;
  readonly reason?: string;
}

/**
 * image.pushed -> for every app tracking the repository, each environment whose tag policy takes the tag
 * gets one deploy request (pinned by digest) for the containers that run the repository, asking to wait for
 * an approval where the environment does not deploy by itself (lib/deploy/use-cases/approval-gate.ts); the
 * rest is recorded as skipped with its reason. The deploy request's id derives from the push's, so a
 * redelivered push requests nothing new.
 */
export const onImagePushed = async (event: ImagePushed, deps: DeployDeps): Promise<PushSummary> => {
  const { registry, repository: path, tag } = event.data;
  const repository = canonicalRepository(registry, path);
  const record = (subject: Subject, step: Pick<HistoryEntry, 'outcome' | 'code' | 'reason' | 'details'>) =>
    recordStep(deps, event, subject, { action: 'track', ...step });
  const skipAll = async (apps: readonly string[], code: ReasonCode, reason: string): Promise<PushSummary> => {
    const details = { repository, tag, digest: event.data.digest };
    for (const app of apps) await record({ app }, { outcome: 'skipped', code, reason, details });
    return { repository, decisions: [], code, reason };
  };

  if (tag === undefined) {
    const reason = `push of ${repository}@${event.data.digest} carries no tag: capstan deploys tags`;
    return skipAll([UNROUTED_APP], 'no-tag', reason);
  }
  const apps = await deps.store.apps.tracking(repository);
  if (apps.length === 0) return skipAll([UNROUTED_APP], 'not-tracked', `no registered app runs ${repository}`);
  const found = await pushedDigest(event, tag, deps);
  if (!found.digest) {
    const reason = `push of ${repository}:${tag} carries no digest, and ${found.why}`;
    return skipAll(
      apps.map((a) => a.record.spec.name),
      'unresolvable-tag',
      reason,
    );
  }
  const digest = found.digest;

  const pushedAt = new Date(event.data.pushedAt ?? event.time).toISOString();
  const image = `${repository}:${tag}@${digest}`;
  const decisions: (PushDecision & { app: string; container: string })[] = [];
  for (const { record: app, containers } of apps) {
    const { spec } = app;
    const newest = new Map(
      await Promise.all(
        Object.keys(spec.environments).map(
          async (env) => [env, (await deps.store.releases.list(spec.name, env, 1))[0]] as const,
        ),
      ),
    );
    const pushed = { tag, digest, pushedAt };
    // Only a `latest` push needs to know which environments are protected.
    const guarded = namesLatest(pushed) ? await protectedEnvironments(Object.keys(spec.environments), deps) : undefined;
    const decided = containers.flatMap((container) =>
      decidePush(pushed, spec, container, (env) => newest.get(env), guarded).map((d) => ({ ...d, container })),
    );
    // One request per environment, for every container the push changes there (two may run one repository);
    // where the environment does not deploy by itself, the request asks to wait for an approval.
    for (const action of ['deploy', 'await-approval'] as const) {
      for (const [environment, names] of containersByEnvironment(decided, action)) {
        const target = { app: spec.name, environment, containers: names, image, pushedAt };
        await deps.enqueue(deployRequest(event, target, { awaitApproval: action === 'await-approval' }));
      }
    }
    for (const decision of decided) {
      const subject = { app: spec.name, environment: decision.environment, container: decision.container };
      const details = { image, container: decision.container, producer: event.data.producer };
      if (decision.action === 'deploy') {
        await record(subject, { outcome: 'accepted', reason: decision.reason, details });
      } else if (decision.action === 'await-approval') {
        await record(subject, { outcome: 'pending', code: 'awaiting-approvals', reason: decision.reason, details });
      } else {
        const outcome = decision.action === 'refuse' ? 'refused' : 'skipped';
        await record(subject, { outcome, code: decision.code, reason: decision.reason, details });
      }
      decisions.push({ ...decision, app: spec.name });
    }
  }
  return { repository, decisions };
};

const containersByEnvironment = (
  decided: readonly (PushDecision & { container: string })[],
  action: 'deploy' | 'await-approval',
): Map<string, string[]> => {
  const found = new Map<string, string[]>();
  for (const d of decided.filter((d) => d.action === action)) {
    found.set(d.environment, [...(found.get(d.environment) ?? []), d.container]);
  }
  return found;
};

const protectedEnvironments = async (names: readonly string[], deps: DeployDeps): Promise<Set<string>> => {
  const policies = await Promise.all(names.map((name) => deps.store.environments.policy(name)));
  return new Set(policies.filter((p) => p.protected).map((p) => p.name));
};

/**
 * The digest of the pushed manifest: the event's own, or, for Docker Hub (whose webhook sends none), what
 * the tag points at when asked. A registry's "no" is recorded; a registry that cannot answer now throws
 * (RegistryUnavailableError), so the message is retried. Only Docker Hub is ever asked: a push cannot
 * make capstan call another host.
 */
const pushedDigest = async (
  event: ImagePushed,
  tag: string,
  deps: DeployDeps,
): Promise<{ digest: string; why?: undefined } | { digest?: undefined; why: string }> => {
  const { registry, repository, digest } = event.data;
  if (digest !== undefined) return { digest };
  if (registry !== DOCKER_HUB_REGISTRY || !deps.dockerHubDigest) return { why: 'capstan deploys by digest only' };
  const answer = await deps.dockerHubDigest(repository, tag);
  return 'digest' in answer ? answer : { why: `Docker Hub could not resolve it: ${answer.refused}` };
};
