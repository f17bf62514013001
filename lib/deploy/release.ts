import type { KubernetesObject } from '@kubernetes/client-node';
import { parseImageRef } from '../../events/image-ref.ts';
import type { DeployRequested, ReleaseAdvance, RollbackRequested } from '../../events/index.ts';
import type { AppSpec } from '../apps/spec.ts';
import type { Reason, ReasonCode } from '../reasons.ts';
import { findApp } from '../store/apps.ts';
import { type Cluster, clustersOfEnvironment } from '../store/clusters.ts';
import { environmentPolicy } from '../store/environments.ts';
import type { HistoryEntry } from '../store/history.ts';
import {
  createRelease,
  getRelease,
  listReleases,
  type NewRelease,
  type Release,
  revisionOfEvent,
  setReleaseStatus,
} from '../store/releases.ts';
import { applyWave } from './apply-wave.ts';
import type { DeployDeps } from './deps.ts';
import { dryRun } from './dry-run.ts';
import { currentRelease, requestedContainers, targetContainer } from './images.ts';
import { planRelease } from './plan.ts';
import { type Cause, recordStep } from './record.ts';
import { sameJson } from './same.ts';
import { shouldAdvance } from './tag-policy.ts';
import { runningImage } from './track.ts';
import { groupWaves } from './waves.ts';

export interface ReleaseSummary {
  readonly app: string;
  readonly environment: string;
  readonly revision?: number;
  readonly outcome: 'released' | 'skipped' | 'refused' | 'failed';
  readonly code?: ReasonCode;
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
  const history = (entry: Pick<HistoryEntry, 'outcome' | 'code' | 'reason' | 'details'>) =>
    recordStep(deps, event, { app, environment }, { action: 'release', ...entry });
  const skip = async (why: Reason): Promise<ReleaseSummary> => {
    await history({ outcome: 'skipped', ...why });
    return { app, environment, outcome: 'skipped', ...why, clusters: {} };
  };

  // Independent reads, at once: each is a round trip to the table on the way to the first apply.
  const [clusters, registered, policy, recent] = await Promise.all([
    clustersOfEnvironment(deps.db, environment),
    findApp(deps.db, app).then((record) => record?.spec),
    environmentPolicy(deps.db, environment),
    listReleases(deps.db, app, environment, 20),
  ]);
  if (clusters.length === 0) {
    return skip({ code: 'no-clusters', reason: `no clusters are registered in environment ${environment}` });
  }
  const [newest] = recent;
  const plan = planRelease(event.data, registered, policy, currentRelease(recent));
  if (!plan.ok) {
    // Refused before anything is created or applied: the history names every reason.
    const reason = `refused: ${plan.reasons.join('; ')}`;
    await history({ outcome: 'refused', code: 'policy', reason, details: { reasons: plan.reasons } });
    return { app, environment, outcome: 'refused', code: 'policy', reason, clusters: {} };
  }

  if (event.data.dryRun) return dryRun(event, plan.manifests, clusters, deps);
  const containers = registered ? requestedContainers(event.data, registered) : undefined;
  const backwards =
    newest?.eventId === event.id ? undefined : staleness(event, registered, containers, recent, plan.manifests);
  if (backwards) return skip(backwards);
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
): Reason | undefined => {
  const [newest] = recent;
  if (!newest) return undefined;
  // A later release of another container (a sidecar pushed after the main image) does not make this late.
  const overlaps = (r: Release) => !containers || !r.containers || r.containers.some((c) => containers.includes(c));
  const later = recent.find((r) => r.requestedAt && Date.parse(r.requestedAt) > Date.parse(event.time) && overlaps(r));
  if (later) {
    return {
      code: 'stale',
      reason: `stale: release #${later.revision} was requested later (${later.requestedAt}) than this request (${event.time})`,
    };
  }
  // Several requests for one version (CI retries, a double click) make one release, whatever their ids.
  if (newest.status !== 'failed' && newest.status !== 'superseded' && sameJson(newest.manifests, manifests)) {
    return { code: 'duplicate', reason: `release #${newest.revision} (${newest.status}) already applies exactly this` };
  }
  const policy = app?.environments[event.data.environment]?.track?.tags;
  const tag = parseImageRef(event.data.image)?.tag;
  const running = runningImage(newest, app && targetContainer(event.data, app));
  if (!policy || !tag || !running) return undefined;
  const candidate = { tag, digest: parseImageRef(event.data.image)?.digest, pushedAt: event.time };
  const verdict = shouldAdvance(policy, candidate, running);
  return verdict.advance
    ? undefined
    : {
        code: verdict.code,
        reason: `${verdict.reason} (release #${newest.revision}); use \`capstan rollback\` to go back`,
      };
};

/**
 * rollback.requested -> a new release that re-applies exactly what a past release applied (its stored
 * manifests), so it works long after Kubernetes' ReplicaSet history dropped that version. Without a
 * target, the newest release that succeeded before the current (or the failed) one is brought back.
 */
export const rollbackRelease = async (event: RollbackRequested, deps: DeployDeps): Promise<ReleaseSummary> => {
  const { app, environment, toRevision, failedRevision } = event.data;
  const skip = async (code: ReasonCode, reason: string): Promise<ReleaseSummary> => {
    await recordStep(deps, event, { app, environment }, { action: 'rollback', outcome: 'skipped', code, reason });
    return { app, environment, outcome: 'skipped', code, reason, clusters: {} };
  };
  const releases = await listReleases(deps.db, app, environment, 500);
  const [newest] = releases;
  if (!newest) return skip('not-found', `${app} has no release in ${environment}`);
  if (failedRevision && newest.revision > failedRevision && newest.eventId !== event.id) {
    return skip('superseded', `release #${failedRevision} failed, but #${newest.revision} has superseded it since`);
  }
  const before = failedRevision ?? newest.revision;
  const target = toRevision
    ? await getRelease(deps.db, app, environment, toRevision)
    : releases.find((r) => r.status === 'succeeded' && r.revision < before);
  if (!target) return skip('not-found', `no release of ${app} in ${environment} succeeded before #${before}`);
  const clusters = await clustersOfEnvironment(deps.db, environment);
  if (clusters.length === 0) return skip('no-clusters', `no clusters are registered in environment ${environment}`);
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
    const why: Reason = { code: 'superseded', reason: `superseded by #${release.revision}` };
    if (!(await setReleaseStatus(deps.db, r, 'superseded', ['applying', 'progressing'], why))) continue;
    await recordStep(
      deps,
      cause,
      { app: r.app, environment: r.environment, revision: r.revision },
      { action: 'release', outcome: 'superseded', ...why },
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
      return {
        app,
        environment,
        revision: release.revision,
        outcome: 'skipped',
        code: 'settled',
        reason,
        clusters: {},
      };
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

/** A release step that is given up fails its release (if there is one): none stays `applying` forever. */
export const failReleaseOfEvent = async (
  event: DeployRequested | ReleaseAdvance | RollbackRequested,
  why: Reason,
  deps: DeployDeps,
): Promise<void> => {
  const { app, environment } = event.data;
  const revision =
    event.type === 'release.advance' ? event.data.revision : await revisionOfEvent(deps.db, app, environment, event.id);
  if (revision === undefined) return;
  const release = { app, environment, revision };
  if (!(await setReleaseStatus(deps.db, release, 'failed', ['applying', 'progressing'], why))) return;
  await recordStep(deps, event, release, { action: 'release', outcome: 'failed', ...why });
};
