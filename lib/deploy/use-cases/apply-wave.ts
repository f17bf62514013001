import type { KubernetesObject } from '@kubernetes/client-node';
import { isRetryable, messageOf, PartialFailureError } from '../../errors.ts';
import type { ApplyResult } from '../../kube/apply.ts';
import { type Reason, type ReasonCode, reasonCodeOf } from '../../reasons.ts';
import type { Cluster } from '../../store/clusters.ts';
import type { HistoryEntry } from '../../store/history.ts';
import type { Release } from '../../store/releases.ts';
import { type ClusterApply, gateRefusal, settledRollout, strongestChange, waveResult } from '../decisions/waves.ts';
import type { DeployDeps } from '../ports.ts';
import { firstRolloutCheck } from '../render/events.ts';
import { stampRevision } from '../render/manifests.ts';
import { quotaGate } from './quota-gate.ts';
import { type Cause, recordStep } from './record.ts';
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
  const subject = { app, environment, revision };
  const names = release.waves[wave] ?? [];
  const refusals = await gateWave(release, names, registered, deps);
  const refused = gateRefusal(refusals);
  if (refused) {
    if (await deps.store.releases.setStatus(release, 'failed', ['applying', 'progressing'], refused)) {
      const details = { wave, reasons: refusals.map((r) => r.reason) };
      await recordStep(deps, cause, subject, { action: 'release', outcome: 'refused', ...refused, details });
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
  const manifests = release.manifests as KubernetesObject[];
  const answers = await Promise.all(
    names.map(async (name) => {
      const cluster = registered.find((c) => c.name === name);
      if (!cluster) return [];
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
  };
  const record = (entry: Pick<HistoryEntry, 'outcome' | 'code' | 'reason' | 'details'>) =>
    recordStep(deps, cause, subject, { action: 'apply', ...entry });
  let applied: readonly ApplyResult[];
  try {
    const kube = await deps.kube(cluster);
    applied = await kube.apply(stampRevision(release.manifests as KubernetesObject[], release.revision));
  } catch (error) {
    const retryable = isRetryable(error);
    const message = messageOf(error);
    // Typed by the gateway: a refusal for good is `apply-failed`, credentials that can never work `credentials`.
    const code: ReasonCode = retryable ? 'unreachable' : reasonCodeOf(error);
    await deps.store.releases.setCluster(release, cluster.name, {
      apply: 'failed',
      rollout: 'pending',
      code,
      message,
      updatedAt: now(),
    });
    await record({ outcome: 'failed', code, reason: retryable ? `${message} (will retry)` : message });
    return { cluster: cluster.name, outcome: 'failed', retryable, code, message };
  }
  // Applied. What fails from here on (the table, the queue) is capstan's own trouble, not the cluster's: it
  // throws, the message is retried, and the retry re-applies here as `unchanged`.
  const outcome = strongestChange(applied.map((a) => a.outcome));
  const settled = settledRollout(outcome, release.clusters[cluster.name]?.rollout);
  const generation = applied.find((a) => a.kind === 'Deployment')?.object.metadata?.generation ?? 1;
  // The cluster's state first: the rollout check must never find it older than itself and overwrite it.
  await deps.store.releases.setCluster(release, cluster.name, {
    apply: outcome,
    rollout: settled ?? 'progressing',
    updatedAt: now(),
  });
  await Promise.all([
    record({ outcome, details: { objects: applied.map((a) => `${a.kind}/${a.name}: ${a.outcome}`) } }),
    settled
      ? undefined
      : deps.enqueue(firstRolloutCheck(release, cluster.name, generation, deps.now(), deps.rollout.timeoutSeconds), {
          delaySeconds: deps.rollout.firstCheckSeconds,
        }),
  ]);
  return { cluster: cluster.name, outcome };
};
