import type { KubernetesObject } from '@kubernetes/client-node';
import type { ReleaseAdvance, RolloutCheck } from '../../events/index.ts';
import { eventId } from '../../events/index.ts';
import { CapstanError, isRetryable, messageOf, PartialFailureError } from '../errors.ts';
import { applyAll, combineOutcomes } from '../kube/apply.ts';
import { type Reason, type ReasonCode, reasonCodeOf } from '../reasons.ts';
import { type Cluster, clustersOfEnvironment } from '../store/clusters.ts';
import type { HistoryEntry } from '../store/history.ts';
import { advanceWave, getRelease, type Release, setClusterRelease, setReleaseStatus } from '../store/releases.ts';
import type { DeployDeps } from './deps.ts';
import { stampRevision } from './manifests.ts';
import { quotaGate } from './quota-gate.ts';
import { type Cause, internalEvent, recordStep } from './record.ts';
import type { ReleaseSummary } from './release.ts';

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
    return { app, environment, revision, outcome: 'skipped', code: 'settled', reason, clusters: {} };
  }
  return applyWave(release, wave, await clustersOfEnvironment(deps.db, environment), event, deps);
};

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
  const { app, environment } = release;
  const names = release.waves[wave] ?? [];
  const refusals = await gateWave(release, names, registered, deps);
  if (refusals.length > 0) {
    const reasons = refusals.map((r) => r.reason);
    // Room in the namespace quota is what the gate asks; a cluster refusing the question for good says so.
    const why: Reason = {
      code: refusals.some((r) => r.code === 'quota') ? 'quota' : (refusals[0]?.code ?? 'quota'),
      reason: `refused: ${reasons.join('; ')}`,
    };
    if (await setReleaseStatus(deps.db, release, 'failed', ['applying', 'progressing'], why)) {
      await recordStep(
        deps,
        cause,
        { app, environment, revision: release.revision },
        { action: 'release', outcome: 'refused', ...why, details: { wave, reasons } },
      );
    }
    return { app, environment, revision: release.revision, outcome: 'refused', ...why, clusters: {} };
  }
  const results = await Promise.all(
    names.map((name) => {
      const cluster = registered.find((c) => c.name === name);
      return cluster
        ? applyToCluster(release, cluster, cause, deps)
        : {
            cluster: name,
            outcome: 'failed',
            retryable: false,
            code: 'not-found' as const,
            message: `cluster ${name} is no longer registered`,
          };
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
  const why: Reason = { code: failed[0]?.code ?? 'apply-failed', reason: failed.map((r) => r.message).join('; ') };
  if (await setReleaseStatus(deps.db, release, 'failed', ['applying', 'progressing'], why)) {
    await recordStep(
      deps,
      cause,
      { app, environment, revision: release.revision },
      { action: 'release', outcome: 'failed', ...why },
    );
  }
  return { app, environment, revision: release.revision, outcome: 'failed', ...why, clusters: summary };
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
        const shortfalls = await quotaGate(await deps.connect(cluster), manifests);
        return shortfalls.map((reason): Reason => ({ code: 'quota', reason }));
      } catch (error) {
        if (isRetryable(error)) return [];
        return [{ code: reasonCodeOf(error), reason: `cluster ${name}: ${messageOf(error)}` }];
      }
    }),
  );
  return answers.flat();
};

interface ClusterResult {
  readonly cluster: string;
  readonly outcome: string;
  readonly retryable?: boolean;
  readonly code?: ReasonCode;
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
  const record = (entry: Pick<HistoryEntry, 'outcome' | 'code' | 'reason' | 'details'>) =>
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
    const code: ReasonCode = retryable ? 'unreachable' : 'apply-failed';
    await setClusterRelease(deps.db, release, cluster.name, {
      apply: 'failed',
      rollout: 'pending',
      code,
      message,
      updatedAt: now(),
    });
    await record({ outcome: 'failed', code, reason: retryable ? `${message} (will retry)` : message });
    return { cluster: cluster.name, outcome: 'failed', retryable, code, message };
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
