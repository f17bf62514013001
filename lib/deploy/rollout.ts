import type { ReleaseAdvance, RollbackRequested, RolloutCheck } from '../../events/index.ts';
import { translateKubeError } from '../kube/errors.ts';
import type { Reason, ReasonCode } from '../reasons.ts';
import { getCluster } from '../store/clusters.ts';
import { getRelease, type Release, setClusterRelease, setReleaseStatus } from '../store/releases.ts';
import { rolloutCheckId } from './apply-wave.ts';
import type { DeployDeps } from './deps.ts';
import { REVISION_ANNOTATION } from './manifests.ts';
import { internalEvent, recordStep } from './record.ts';
import { rolloutStatus } from './rollout-status.ts';
import { waveVerdict } from './waves.ts';

export type RolloutCheckOutcome = 'ready' | 'failed' | 'waiting' | 'superseded';

/**
 * rollout.check -> read the Deployment once and decide: ready, failed, or check again later. Waiting is a
 * delayed message, never a sleep, so no function runs longer than one API call.
 */
export const checkRollout = async (event: RolloutCheck, deps: DeployDeps): Promise<RolloutCheckOutcome> => {
  const d = event.data;
  const { status } = await getRelease(deps.db, d.app, d.environment, d.revision);
  if (status !== 'applying' && status !== 'progressing') return 'superseded'; // nothing left to watch
  const cluster = await getCluster(deps.db, d.cluster);
  const kube = await deps.connect(cluster);
  const deployment = await kube.apps
    .readNamespacedDeployment({ name: d.deployment, namespace: d.namespace })
    .catch((error) => translateKubeError(d.cluster, error));
  const now = deps.now();
  const history = (outcome: 'succeeded' | 'failed' | 'skipped', reason: string, code?: ReasonCode) =>
    recordStep(
      deps,
      event,
      { app: d.app, environment: d.environment, cluster: d.cluster, revision: d.revision },
      { action: 'rollout', outcome, code, reason },
    );

  const running = Number(deployment.metadata?.annotations?.[REVISION_ANNOTATION] ?? 0);
  if (running > d.revision) {
    await history('skipped', `superseded: the cluster runs release #${running}`, 'superseded');
    return 'superseded';
  }

  const verdict = rolloutStatus(deployment);
  const timedOut = verdict.state === 'progressing' && now.getTime() >= Date.parse(d.deadline);
  if (verdict.state === 'progressing' && !timedOut) {
    const delaySeconds = Math.min(
      deps.rollout.maxCheckIntervalSeconds,
      deps.rollout.firstCheckSeconds * 2 ** d.attempt,
    );
    await deps.enqueue(
      {
        ...event,
        id: rolloutCheckId({ ...d, attempt: d.attempt + 1 }),
        time: now.toISOString(),
        data: { ...d, attempt: d.attempt + 1 },
      },
      { delaySeconds },
    );
    return 'waiting';
  }

  const ready = verdict.state === 'ready';
  const message = timedOut ? `timed out after waiting until ${d.deadline}: ${verdict.message}` : verdict.message;
  const code: ReasonCode | undefined = ready ? undefined : timedOut ? 'rollout-timeout' : 'rollout-failed';
  const release = await getRelease(deps.db, d.app, d.environment, d.revision);
  await setClusterRelease(deps.db, release, d.cluster, {
    ...(release.clusters[d.cluster] ?? { apply: 'unchanged' }),
    rollout: ready ? 'ready' : 'failed',
    code,
    message,
    updatedAt: now.toISOString(),
  });
  await history(ready ? 'succeeded' : 'failed', message, code);
  await settleRelease(deps, d);
  return ready ? 'ready' : 'failed';
};

/**
 * Moves the release on once one of its clusters settled (see waveVerdict): the next wave starts through a
 * release.advance in the app+environment's FIFO group, the last wave completes it, a failure halts it.
 * Each check writes its own cluster first and reads the whole release after (consistently), so whichever
 * check of a wave finishes last sees the whole wave done; a duplicate advance has the same id and is dropped.
 */
const settleRelease = async (deps: DeployDeps, d: RolloutCheck['data']) => {
  const release = await getRelease(deps.db, d.app, d.environment, d.revision);
  if (release.status !== 'applying' && release.status !== 'progressing') return; // settled or superseded
  const verdict = waveVerdict(release, (c) => release.clusters[c]?.rollout);
  if (verdict.next === 'wait') return;
  if (verdict.next === 'advance') {
    await deps.enqueue(releaseAdvance(release, verdict.wave, deps));
    return;
  }
  const status = verdict.next;
  const rollback = verdict.next === 'failed' ? rollbackDecision(release, deps) : undefined;
  const states = Object.entries(release.clusters).map(([c, s]) => `${c} ${s.rollout}`);
  const why: Reason | undefined =
    verdict.next === 'failed'
      ? {
          // Timed out only if every failed cluster timed out; any real failure is the stronger signal.
          code: verdict.clusters.every((c) => release.clusters[c]?.code === 'rollout-timeout')
            ? 'rollout-timeout'
            : 'rollout-failed',
          reason: `halted at wave ${release.wave + 1} of ${release.waves.length}: ${verdict.clusters.join(', ')} failed; ${rollback?.why}`,
        }
      : undefined;
  if (!(await setReleaseStatus(deps.db, release, status, ['applying', 'progressing'], why))) return; // settled by a twin
  if (rollback?.start && verdict.next === 'failed')
    await deps.enqueue(automaticRollback(release, verdict.clusters, deps));
  await recordStep(
    deps,
    { id: `release-${d.revision}`, type: 'release.settled', time: deps.now().toISOString() },
    { app: d.app, environment: d.environment, revision: d.revision },
    { action: 'release', outcome: status, ...(why ?? { reason: `${states.length} cluster(s): ${states.join(', ')}` }) },
  );
};

/** Whether a failed release brings back the last good one, and the words the history gives for it. */
const rollbackDecision = (release: Release, deps: DeployDeps): { start: boolean; why: string } => {
  // A failed rollback is not rolled back again: that could loop between two bad releases.
  if (release.rollbackOf !== undefined) return { start: false, why: 'a failed rollback is not rolled back again' };
  if (!deps.autoRollback) return { start: false, why: 'automatic rollback is off (CAPSTAN_AUTO_ROLLBACK=false)' };
  if (release.autoRollback === false) {
    return {
      start: false,
      why: `automatic rollback is off for ${release.app} in ${release.environment} (autoRollback: false)`,
    };
  }
  return { start: true, why: 'asking for a rollback to the last successful release' };
};

const releaseAdvance = (release: Release, wave: number, deps: DeployDeps): ReleaseAdvance => {
  const { app, environment, revision } = release;
  return internalEvent<ReleaseAdvance>(
    'release.advance',
    [app, environment, String(revision), String(wave)],
    { app, environment, revision, wave },
    deps.now(),
  );
};

const automaticRollback = (release: Release, failed: readonly string[], deps: DeployDeps): RollbackRequested => {
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
    deps.now(),
  );
};
