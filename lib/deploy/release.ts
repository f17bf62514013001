import type { KubernetesObject } from '@kubernetes/client-node';
import { parseImageRef } from '../../events/image-ref.ts';
import type { DeployRequested, ReleaseAdvance, RollbackRequested, RolloutCheck } from '../../events/index.ts';
import { eventId } from '../../events/index.ts';
import type { AppSpec } from '../apps/spec.ts';
import { CapstanError, isRetryable, messageOf, PartialFailureError } from '../errors.ts';
import { applyAll, applyObject, combineOutcomes } from '../kube/apply.ts';
import type { KubeClients } from '../kube/connect.ts';
import { diffApplied } from '../kube/diff.ts';
import { findApp } from '../store/apps.ts';
import { type Cluster, clustersOfEnvironment } from '../store/clusters.ts';
import { environmentPolicy } from '../store/environments.ts';
import type { HistoryEntry } from '../store/history.ts';
import {
  advanceWave,
  createRelease,
  getRelease,
  listReleases,
  type NewRelease,
  type Release,
  revisionOfEvent,
  setClusterRelease,
  setReleaseStatus,
} from '../store/releases.ts';
import type { DeployDeps } from './deps.ts';
import { currentRelease, requestedContainers, targetContainer } from './images.ts';
import { stampRevision } from './manifests.ts';
import { planRelease } from './plan.ts';
import { quotaGate } from './quota-gate.ts';
import { type Cause, internalEvent, recordStep } from './record.ts';
import { sameJson } from './same.ts';
import { shouldAdvance } from './tag-policy.ts';
import { runningImage } from './track.ts';
import { groupWaves } from './waves.ts';

export interface ReleaseSummary {
  readonly app: string;
  readonly environment: string;
  readonly revision?: number;
  readonly outcome: 'released' | 'skipped' | 'refused' | 'failed';
  readonly reason?: string;
  readonly clusters: Record<string, string>;
}

/**
 * deploy.requested -> one release of the environment, started on its first wave (the rollout checker
 * starts each next wave once the one before is healthy). Safe to run again for the same event: the
 * release is found, not duplicated, and applying it again changes nothing.
 */
export const releaseToEnvironment = async (event: DeployRequested, deps: DeployDeps): Promise<ReleaseSummary> => {
  const { app, environment } = event.data;
  const history = (entry: Pick<HistoryEntry, 'outcome' | 'reason' | 'details'>) =>
    recordStep(deps, event, { app, environment }, { action: 'release', ...entry });

  // Independent reads, at once: each is a round trip to the table on the way to the first apply.
  const [clusters, registered, policy, recent] = await Promise.all([
    clustersOfEnvironment(deps.db, environment),
    findApp(deps.db, app).then((record) => record?.spec),
    environmentPolicy(deps.db, environment),
    listReleases(deps.db, app, environment, 20),
  ]);
  if (clusters.length === 0) {
    const reason = `no clusters are registered in environment ${environment}`;
    await history({ outcome: 'skipped', reason });
    return { app, environment, outcome: 'skipped', reason, clusters: {} };
  }
  const [newest] = recent;
  const plan = planRelease(event.data, registered, policy, currentRelease(recent));
  if (!plan.ok) {
    // Refused before anything is created or applied: the history names every reason.
    const reason = `refused: ${plan.reasons.join('; ')}`;
    await history({ outcome: 'rejected', reason, details: { reasons: plan.reasons } });
    return { app, environment, outcome: 'refused', reason, clusters: {} };
  }

  if (event.data.dryRun) return dryRun(event, plan.manifests, clusters, deps);
  const containers = registered ? requestedContainers(event.data, registered) : undefined;
  const backwards =
    newest?.eventId === event.id ? undefined : staleness(event, registered, containers, recent, plan.manifests);
  if (backwards) {
    await history({ outcome: 'skipped', reason: backwards });
    return { app, environment, outcome: 'skipped', reason: backwards, clusters: {} };
  }
  return startRelease(
    {
      app,
      environment,
      eventId: event.id,
      image: event.data.image,
      namespace: plan.namespace,
      manifests: plan.manifests as Release['manifests'],
      containers,
      autoRollback: plan.autoRollback,
      requestedBy: event.data.requestedBy,
      reason: event.data.reason,
      createdAt: deps.now().toISOString(),
      requestedAt: event.time,
      waves: groupWaves(clusters),
    },
    clusters,
    event,
    deps,
  );
};

/**
 * Why a request may not replace the newest release, if it may not: it was asked for before a release that
 * set the same containers (a late delivery), it asks for exactly what the newest release applies (a
 * duplicate), or, for an app that tracks tags, its image is not newer than what runs (an environment
 * never moves back; going back is what `capstan rollback` is for). `recent` is newest first.
 */
const staleness = (
  event: DeployRequested,
  app: AppSpec | undefined,
  containers: readonly string[] | undefined,
  recent: readonly Release[],
  manifests: readonly KubernetesObject[],
): string | undefined => {
  const [newest] = recent;
  if (!newest) return undefined;
  // A later release of another container (a sidecar pushed after the main image) does not make this late.
  const overlaps = (r: Release) => !containers || !r.containers || r.containers.some((c) => containers.includes(c));
  const later = recent.find((r) => r.requestedAt && Date.parse(r.requestedAt) > Date.parse(event.time) && overlaps(r));
  if (later) {
    return `stale: release #${later.revision} was requested later (${later.requestedAt}) than this request (${event.time})`;
  }
  // Several requests for one version (CI retries, a double click) make one release, whatever their ids.
  if (newest.status !== 'failed' && newest.status !== 'superseded' && sameJson(newest.manifests, manifests)) {
    return `release #${newest.revision} (${newest.status}) already applies exactly this`;
  }
  const policy = app?.environments[event.data.environment]?.track?.tags;
  const tag = parseImageRef(event.data.image)?.tag;
  const running = runningImage(newest, app && targetContainer(event.data, app));
  if (!policy || !tag || !running) return undefined;
  const candidate = { tag, digest: parseImageRef(event.data.image)?.digest, pushedAt: event.time };
  const verdict = shouldAdvance(policy, candidate, running);
  return verdict.advance
    ? undefined
    : `${verdict.reason} (release #${newest.revision}); use \`capstan rollback\` to go back`;
};

/**
 * rollback.requested -> a new release that re-applies exactly what a past release applied (its stored
 * manifests), so it works long after Kubernetes' ReplicaSet history dropped that version. Without a
 * target, the newest release that succeeded before the current (or the failed) one is brought back.
 */
export const rollbackRelease = async (event: RollbackRequested, deps: DeployDeps): Promise<ReleaseSummary> => {
  const { app, environment, toRevision, failedRevision } = event.data;
  const skip = async (reason: string): Promise<ReleaseSummary> => {
    await recordStep(deps, event, { app, environment }, { action: 'rollback', outcome: 'skipped', reason });
    return { app, environment, outcome: 'skipped', reason, clusters: {} };
  };
  const releases = await listReleases(deps.db, app, environment, 500);
  const [newest] = releases;
  if (!newest) return skip(`${app} has no release in ${environment}`);
  if (failedRevision && newest.revision > failedRevision && newest.eventId !== event.id) {
    return skip(`release #${failedRevision} failed, but #${newest.revision} has superseded it since`);
  }
  const before = failedRevision ?? newest.revision;
  const target = toRevision
    ? await getRelease(deps.db, app, environment, toRevision)
    : releases.find((r) => r.status === 'succeeded' && r.revision < before);
  if (!target) return skip(`no release of ${app} in ${environment} succeeded before #${before}`);
  const clusters = await clustersOfEnvironment(deps.db, environment);
  if (clusters.length === 0) return skip(`no clusters are registered in environment ${environment}`);
  return startRelease(
    {
      app,
      environment,
      eventId: event.id,
      image: target.image,
      namespace: target.namespace,
      manifests: target.manifests,
      requestedBy: event.data.requestedBy,
      reason: `rollback to #${target.revision}${event.data.reason ? `: ${event.data.reason}` : ''}`,
      createdAt: deps.now().toISOString(),
      requestedAt: event.time,
      waves: groupWaves(clusters),
      rollbackOf: target.revision,
      autoRollback: false,
    },
    clusters,
    event,
    deps,
  );
};

/**
 * One release at a time per app and environment: a new release stops the older ones still in flight
 * (their pending waves and rollout checks find them superseded), instead of both rolling out.
 */
const supersedeOlder = async (release: Release, cause: Cause, deps: DeployDeps) => {
  const older = (await listReleases(deps.db, release.app, release.environment, 10)).filter(
    (r) => r.revision < release.revision && (r.status === 'applying' || r.status === 'progressing'),
  );
  for (const r of older) {
    if (!(await setReleaseStatus(deps.db, r, 'superseded', ['applying', 'progressing']))) continue;
    await recordStep(
      deps,
      cause,
      { app: r.app, environment: r.environment, revision: r.revision },
      { action: 'release', outcome: 'superseded', reason: `superseded by #${release.revision}` },
    );
  }
};

/** Creates the release (once per event id) and starts its first wave. */
const startRelease = async (
  input: NewRelease,
  clusters: readonly Cluster[],
  cause: Cause,
  deps: DeployDeps,
): Promise<ReleaseSummary> => {
  const { app, environment } = input;
  const { release, created } = await createRelease(deps.db, input);
  if (!created) {
    const [newest] = await listReleases(deps.db, app, environment, 1);
    if (release.status !== 'applying' || release.wave > 0 || (newest && newest.revision > release.revision)) {
      // A redelivery of an event whose release already went out, or was overtaken by a newer one.
      const reason = `release #${release.revision} was already ${newest && newest.revision > release.revision ? `superseded by #${newest.revision}` : release.status}`;
      return { app, environment, revision: release.revision, outcome: 'skipped', reason, clusters: {} };
    }
  }
  await Promise.all([
    supersedeOlder(release, cause, deps),
    recordStep(
      deps,
      cause,
      { app, environment, revision: release.revision },
      {
        action: 'release',
        outcome: 'accepted',
        reason: release.rollbackOf ? release.reason : undefined,
        details: { image: release.image, waves: release.waves },
      },
    ),
  ]);
  return applyWave(release, 0, clusters, cause, deps);
};

/**
 * release.advance -> the next wave of a release whose previous wave is healthy. A redelivery re-applies
 * the same wave (unchanged where done); an advance for a wave already passed, or a settled release, is
 * skipped.
 */
export const advanceRelease = async (event: ReleaseAdvance, deps: DeployDeps): Promise<ReleaseSummary> => {
  const { app, environment, revision, wave } = event.data;
  let release = await getRelease(deps.db, app, environment, revision);
  if (release.wave === wave - 1 && (await advanceWave(deps.db, release, wave - 1))) {
    release = { ...release, wave, status: 'applying' };
    await recordStep(
      deps,
      event,
      { app, environment, revision },
      {
        action: 'wave',
        outcome: 'accepted',
        reason: `wave ${wave + 1} of ${release.waves.length}: ${release.waves[wave]?.join(', ')}`,
      },
    );
  }
  if (release.wave !== wave || !['applying', 'progressing'].includes(release.status)) {
    const reason = `release #${revision} is ${release.status} at wave ${release.wave + 1}`;
    return { app, environment, revision, outcome: 'skipped', reason, clusters: {} };
  }
  return applyWave(release, wave, await clustersOfEnvironment(deps.db, environment), event, deps);
};

/**
 * Applies one wave to all its clusters at once. One unreachable cluster does not stop the others; it makes
 * the message retry, which re-applies as `unchanged` where it already succeeded.
 */
const applyWave = async (
  release: Release,
  wave: number,
  registered: readonly Cluster[],
  cause: Cause,
  deps: DeployDeps,
): Promise<ReleaseSummary> => {
  const { app, environment } = release;
  const names = release.waves[wave] ?? [];
  const refusals = await gateWave(release, names, registered, deps);
  if (refusals.length > 0) {
    const reason = `refused: ${refusals.join('; ')}`;
    if (await setReleaseStatus(deps.db, release, 'failed', ['applying', 'progressing'])) {
      await recordStep(
        deps,
        cause,
        { app, environment, revision: release.revision },
        { action: 'release', outcome: 'rejected', reason, details: { wave, reasons: refusals } },
      );
    }
    return { app, environment, revision: release.revision, outcome: 'refused', reason, clusters: {} };
  }
  const results = await Promise.all(
    names.map((name) => {
      const cluster = registered.find((c) => c.name === name);
      return cluster
        ? applyToCluster(release, cluster, cause, deps)
        : { cluster: name, outcome: 'failed', retryable: false, message: `cluster ${name} is no longer registered` };
    }),
  );
  const summary = Object.fromEntries(results.map((r) => [r.cluster, r.outcome]));
  const retryable = results.filter((r) => r.outcome === 'failed' && r.retryable);
  if (retryable.length > 0) {
    throw new PartialFailureError(
      `release ${app}/${environment}#${release.revision}: ${retryable.map((r) => r.message).join('; ')}`,
    );
  }
  const failed = results.filter((r) => r.outcome === 'failed');
  if (failed.length === 0) {
    // Only from `applying`: the rollout checks of a quick cluster may already have moved the release on.
    await setReleaseStatus(deps.db, release, 'progressing', ['applying']);
    return { app, environment, revision: release.revision, outcome: 'released', clusters: summary };
  }
  const reason = failed.map((r) => r.message).join('; ');
  if (await setReleaseStatus(deps.db, release, 'failed', ['applying', 'progressing'])) {
    await recordStep(
      deps,
      cause,
      { app, environment, revision: release.revision },
      { action: 'release', outcome: 'failed', reason },
    );
  }
  return { app, environment, revision: release.revision, outcome: 'failed', reason, clusters: summary };
};

/**
 * The gates a wave must pass in every cluster before any of them is touched, so a refused release
 * changes nothing. A cluster that cannot be asked now is not a refusal: its apply will fail and retry,
 * and the gate is asked again then.
 */
const gateWave = async (
  release: Release,
  names: readonly string[],
  registered: readonly Cluster[],
  deps: DeployDeps,
): Promise<string[]> => {
  const manifests = release.manifests as KubernetesObject[];
  const answers = await Promise.all(
    names.map(async (name) => {
      const cluster = registered.find((c) => c.name === name);
      if (!cluster) return [];
      try {
        return await quotaGate(await deps.connect(cluster), manifests);
      } catch (error) {
        if (isRetryable(error)) return [];
        return [`cluster ${name}: ${messageOf(error)}`];
      }
    }),
  );
  return answers.flat();
};

/**
 * dryRun: every cluster of the environment is asked what the release would change (server-side dry run);
 * the answer, per cluster, goes to the history. No release is made and nothing changes.
 */
const dryRun = async (
  event: DeployRequested,
  manifests: readonly KubernetesObject[],
  clusters: readonly Cluster[],
  deps: DeployDeps,
): Promise<ReleaseSummary> => {
  const { app, environment } = event.data;
  const [newest] = await listReleases(deps.db, app, environment, 1);
  const objects = stampRevision(manifests, (newest?.revision ?? 0) + 1);
  const results = await Promise.all(
    clusters.map(async (cluster) => {
      let outcome: HistoryEntry['outcome'];
      let diff: string[] = [];
      let reason: string | undefined;
      try {
        diff = await dryRunDiff(await deps.connect(cluster), objects);
        outcome = diff.length === 0 ? 'unchanged' : 'configured';
        reason = diff.length === 0 ? 'would change nothing' : `would change ${diff.length} field(s)`;
      } catch (error) {
        outcome = 'failed';
        reason = messageOf(error);
      }
      await recordStep(
        deps,
        event,
        { app, environment, cluster: cluster.name },
        { action: 'dry-run', outcome, reason, details: { diff } },
      );
      return [cluster.name, outcome] as const;
    }),
  );
  return { app, environment, outcome: 'skipped', reason: 'dry run', clusters: Object.fromEntries(results) };
};

/** In a namespace that does not exist yet nothing namespaced can be dry-run: all of it would be created. */
const dryRunDiff = async (kube: KubeClients, objects: readonly KubernetesObject[]): Promise<string[]> => {
  const lines: string[] = [];
  let newNamespace = false;
  for (const object of objects) {
    if (newNamespace && object.metadata?.namespace) {
      lines.push(`${object.kind}/${object.metadata.name}: created`);
      continue;
    }
    const result = await applyObject(kube, object, { dryRun: true });
    if (object.kind === 'Namespace' && result.outcome === 'created') newNamespace = true;
    lines.push(...diffApplied(object, result.before, result.object));
  }
  return lines;
};

interface ClusterResult {
  readonly cluster: string;
  readonly outcome: string;
  readonly retryable?: boolean;
  readonly message?: string;
}

const applyToCluster = async (
  release: Release,
  cluster: Cluster,
  cause: Cause,
  deps: DeployDeps,
): Promise<ClusterResult> => {
  const now = () => deps.now().toISOString();
  const subject = {
    app: release.app,
    environment: release.environment,
    cluster: cluster.name,
    revision: release.revision,
  };
  const record = (entry: Pick<HistoryEntry, 'outcome' | 'reason' | 'details'>) =>
    recordStep(deps, cause, subject, { action: 'apply', ...entry });
  try {
    const kube = await deps.connect(cluster);
    const applied = await applyAll(kube, stampRevision(release.manifests as never, release.revision));
    const outcome = combineOutcomes(applied.map((a) => a.outcome));
    // A retry re-applies clusters that already succeeded: unchanged there, so their rollout stands as it was.
    const previous = release.clusters[cluster.name]?.rollout;
    const settled = outcome === 'unchanged' && (previous === 'ready' || previous === 'failed') ? previous : undefined;
    const generation = applied.find((a) => a.kind === 'Deployment')?.object.metadata?.generation ?? 1;
    // The cluster's state first: the rollout check must never find it older than itself and overwrite it.
    await setClusterRelease(deps.db, release, cluster.name, {
      apply: outcome,
      rollout: settled ?? 'progressing',
      updatedAt: now(),
    });
    await Promise.all([
      record({ outcome, details: { objects: applied.map((a) => `${a.kind}/${a.name}: ${a.outcome}`) } }),
      settled
        ? undefined
        : deps.enqueue(rolloutCheck(release, cluster.name, generation, deps), {
            delaySeconds: deps.rollout.firstCheckSeconds,
          }),
    ]);
    return { cluster: cluster.name, outcome };
  } catch (error) {
    const retryable = !(error instanceof CapstanError) || error.retryable;
    const message = messageOf(error);
    await setClusterRelease(deps.db, release, cluster.name, {
      apply: 'failed',
      rollout: 'pending',
      message,
      updatedAt: now(),
    });
    await record({ outcome: 'failed', reason: retryable ? `${message} (will retry)` : message });
    return { cluster: cluster.name, outcome: 'failed', retryable, message };
  }
};

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

const rolloutCheck = (release: Release, cluster: string, generation: number, deps: DeployDeps): RolloutCheck => {
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
    deadline: new Date(deps.now().getTime() + deps.rollout.timeoutSeconds * 1000).toISOString(),
  };
  return internalEvent<RolloutCheck>('rollout.check', checkIdParts(data), data, deps.now());
};

/** A release step that is given up fails its release (if there is one): none stays `applying` forever. */
export const failReleaseOfEvent = async (
  event: DeployRequested | ReleaseAdvance | RollbackRequested,
  reason: string,
  deps: DeployDeps,
): Promise<void> => {
  const { app, environment } = event.data;
  const revision =
    event.type === 'release.advance' ? event.data.revision : await revisionOfEvent(deps.db, app, environment, event.id);
  if (revision === undefined) return;
  if (!(await setReleaseStatus(deps.db, { app, environment, revision }, 'failed', ['applying', 'progressing']))) return;
  await recordStep(deps, event, { app, environment, revision }, { action: 'release', outcome: 'failed', reason });
};
