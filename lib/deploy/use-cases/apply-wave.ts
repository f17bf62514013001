import type { KubernetesObject } from '@kubernetes/client-node';
import { ConflictError, isRetryable, messageOf, PartialFailureError } from '../../errors.ts';
import type { ApplyOutcome, ApplyResult } from '../../kube/apply.ts';
import { type Reason, type ReasonCode, reasonCodeOf } from '../../reasons.ts';
import type { Cluster } from '../../store/clusters.ts';
import type { HistoryEntry } from '../../store/history.ts';
import { workloadLease } from '../../store/ports.ts';
import type { Release } from '../../store/releases.ts';
import { type ClusterApply, gateRefusal, settledRollout, strongestChange, waveResult } from '../decisions/waves.ts';
import type { DeployDeps } from '../ports.ts';
import { firstRolloutCheck } from '../render/events.ts';
import { stampRevision } from '../render/manifests.ts';
import { deploymentWorkload, withOverride } from '../render/override.ts';
import { releaseLeaseHolder, releaseLeaseSeconds } from '../settings.ts';
import { notifyPeople } from './notice.ts';
import { quotaGate } from './quota-gate.ts';
import { byOf, type Cause, recordStep } from './record.ts';
import type { ReleaseSummary } from './summary.ts';

/**
 * Applies one wave to all its clusters at once. One unreachable cluster does not stop the others; it makes
 * the message retry, which re-applies as `unchanged` where it already succeeded.
 */
export const applyWave = async (
  release: Release,
  wave: number,
  registered: readonly Cluster[],
  cause: Cause,
  deps: DeployDeps,
): Promise<ReleaseSummary> => {
  const { app, environment, revision } = release;
  const subject = { app, environment, revision, ...byOf(release.requester) };
  const names = release.waves[wave] ?? [];
  const refusals = await gateWave(release, names, registered, deps);
  const refused = gateRefusal(refusals);
  if (refused) {
    if (await deps.store.releases.setStatus(release, 'failed', ['applying', 'progressing'], refused)) {
      const details = { wave, reasons: refusals.map((r) => r.reason) };
      await recordStep(deps, cause, subject, { action: 'release', outcome: 'refused', ...refused, details });
      await notifyPeople(deps, { ...subject, request: release.eventId }, 'failed', [release]);
    }
    return { app, environment, revision, outcome: 'refused', ...refused, clusters: {} };
  }
  const results = await Promise.all(
    names.map((name): Promise<ClusterApply> | ClusterApply => {
      const cluster = registered.find((c) => c.name === name);
      return cluster
        ? applyToCluster(release, cluster, cause, deps)
        : {
            cluster: name,
            outcome: 'failed',
            retryable: false,
            code: 'not-found',
            message: `cluster ${name} is no longer registered`,
          };
    }),
  );
  const clusters = Object.fromEntries(results.map((r) => [r.cluster, r.outcome]));
  const result = waveResult(results);
  if (result.next === 'retry') {
    throw new PartialFailureError(`release ${app}/${environment}#${revision}: ${result.message}`);
  }
  if (result.next === 'released') {
    // Only from `applying`: the rollout checks of a quick cluster may already have moved the release on.
    await deps.store.releases.setStatus(release, 'progressing', ['applying']);
    return { app, environment, revision, outcome: 'released', clusters };
  }
  if (await deps.store.releases.setStatus(release, 'failed', ['applying', 'progressing'], result.why)) {
    await recordStep(deps, cause, subject, { action: 'release', outcome: 'failed', ...result.why });
    await notifyPeople(deps, { ...subject, request: release.eventId }, 'failed', [release]);
  }
  return { app, environment, revision, outcome: 'failed', ...result.why, clusters };
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
): Promise<Reason[]> => {
  const answers = await Promise.all(
    names.map(async (name) => {
      const cluster = registered.find((c) => c.name === name);
      if (!cluster) return [];
      const manifests = await clusterManifests(release, cluster.name, deps);
      try {
        const shortfalls = await quotaGate(await deps.kube(cluster), manifests);
        return shortfalls.map((reason): Reason => ({ code: 'quota', reason }));
      } catch (error) {
        if (isRetryable(error)) return [];
        return [{ code: reasonCodeOf(error), reason: `cluster ${name}: ${messageOf(error)}` }];
      }
    }),
  );
  return answers.flat();
};

const releaseWorkload = (release: Release, cluster: string) =>
  deploymentWorkload(release.manifests as KubernetesObject[], cluster);

/**
 * What a release applies to one cluster: its manifests stamped with the revision, with an active scale
 * override of the Deployment kept (render/override.ts), so a release or a rollback never undoes a raised
 * ceiling while the alert that bought it lasts.
 */
const clusterManifests = async (release: Release, cluster: string, deps: DeployDeps): Promise<KubernetesObject[]> => {
  const stamped = stampRevision(release.manifests as KubernetesObject[], release.revision);
  const workload = releaseWorkload(release, cluster);
  const override = workload ? await deps.store.overrides.get(workload) : undefined;
  return withOverride(stamped, override, deps.now());
};

/**
 * Applies the release to one cluster. It holds the workload's lease (workloadLease) from here until the
 * cluster's rollout settles (check-rollout.ts lets go of it), so a scaling step never writes the same
 * Deployment or HPA while a release does; held by a scaling step, the apply fails retryable (`lease-held`)
 * and the message is tried again later. Without an HPA among the manifests, one capstan made before
 * (autoscaling since turned off) is deleted once the apply succeeded.
 */
const applyToCluster = async (
  release: Release,
  cluster: Cluster,
  cause: Cause,
  deps: DeployDeps,
): Promise<ClusterApply> => {
  const now = () => deps.now().toISOString();
  const subject = {
    app: release.app,
    environment: release.environment,
    cluster: cluster.name,
    revision: release.revision,
    ...byOf(release.requester),
  };
  const record = (entry: Pick<HistoryEntry, 'outcome' | 'code' | 'reason' | 'details'>) =>
    recordStep(deps, cause, subject, { action: 'apply', ...entry });
  const workload = releaseWorkload(release, cluster.name);
  const lease = workload ? workloadLease(workload) : undefined;
  const holder = releaseLeaseHolder(release.app, release.environment);
  const failed = async (code: ReasonCode, message: string, retryable: boolean): Promise<ClusterApply> => {
    await deps.store.releases.setCluster(release, cluster.name, {
      apply: 'failed',
      rollout: 'pending',
      code,
      message,
      updatedAt: now(),
    });
    await record({ outcome: 'failed', code, reason: retryable ? `${message} (will retry)` : message });
    return { cluster: cluster.name, outcome: 'failed', retryable, code, message };
  };
  if (lease) {
    try {
      await deps.store.leases.acquire(lease, holder, releaseLeaseSeconds(deps.rollout), deps.now().getTime());
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      return failed('lease-held', `cluster ${cluster.name}: ${messageOf(error)}`, true);
    }
  }
  let applied: readonly ApplyResult[];
  let removed: string[] = [];
  try {
    const kube = await deps.kube(cluster);
    const objects = await clusterManifests(release, cluster.name, deps);
    applied = await kube.apply(objects);
    const hpa = objects.some((o) => o.kind === 'HorizontalPodAutoscaler');
    if (workload && !hpa) {
      const { namespace, name } = workload.workload;
      const deleted = await kube.deleteHpa(namespace, name);
      if (deleted === 'changed') removed = [`HorizontalPodAutoscaler/${name}: deleted`];
    }
  } catch (error) {
    const retryable = isRetryable(error);
    // Refused for good: nothing of this release will roll out here, so the lease is not kept waiting.
    if (!retryable && lease) await deps.store.leases.release(lease, holder);
    // Typed by the gateway: a refusal for good is `apply-failed`, credentials that can never work `credentials`.
    return failed(retryable ? 'unreachable' : reasonCodeOf(error), messageOf(error), retryable);
  }
  // Applied. What fails from here on (the table, the queue) is capstan's own trouble, not the cluster's: it
  // throws, the message is retried, and the retry re-applies here as `unchanged`.
  const outcomes: ApplyOutcome[] = [
    ...applied.map((a) => a.outcome),
    ...(removed.length > 0 ? ['configured' as const] : []),
  ];
  const outcome = strongestChange(outcomes);
  const settled = settledRollout(outcome, release.clusters[cluster.name]?.rollout);
  const generation = applied.find((a) => a.kind === 'Deployment')?.object.metadata?.generation ?? 1;
  // The cluster's state first: the rollout check must never find it older than itself and overwrite it.
  await deps.store.releases.setCluster(release, cluster.name, {
    apply: outcome,
    rollout: settled ?? 'progressing',
    updatedAt: now(),
  });
  await Promise.all([
    record({
      outcome,
      details: { objects: [...applied.map((a) => `${a.kind}/${a.name}: ${a.outcome}`), ...removed] },
    }),
    settled
      ? undefined
      : deps.enqueue(firstRolloutCheck(release, cluster.name, generation, deps.now(), deps.rollout.timeoutSeconds), {
          delaySeconds: deps.rollout.firstCheckSeconds,
        }),
  ]);
  // Settled already (nothing changed on a rolled-out cluster): no rollout check will come to let go.
  if (settled && lease) await deps.store.leases.release(lease, holder);
  return { cluster: cluster.name, outcome };
};
