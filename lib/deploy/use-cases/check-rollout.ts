import { eventId, type RolloutCheck } from '../../../events/index.ts';
import { ClusterRejectedError } from '../../errors.ts';
import { workloadLease } from '../../store/ports.ts';
import { checkVerdict } from '../decisions/rollout.ts';
import { settleVerdict } from '../decisions/settle.ts';
import type { DeployDeps } from '../ports.ts';
import { automaticRollback, nextRolloutCheck, releaseAdvance } from '../render/events.ts';
import { releaseLeaseHolder } from '../settings.ts';
import { notifyPeople } from './notice.ts';
import { byOf, recordStep } from './record.ts';

export type RolloutCheckOutcome = 'ready' | 'failed' | 'waiting' | 'superseded';

/**
 * rollout.check -> read the Deployment once and decide: ready, failed, or check again later. Waiting is a
 * delayed message, never a sleep, so no function runs longer than one API call.
 */
export const checkRollout = async (event: RolloutCheck, deps: DeployDeps): Promise<RolloutCheckOutcome> => {
  const d = event.data;
  const { releases } = deps.store;
  const { status, requester } = await releases.get(d.app, d.environment, d.revision);
  if (status !== 'applying' && status !== 'progressing') {
    await letGo(deps, d); // nothing left to watch: a failed or superseded release lets the workload go
    return 'superseded';
  }
  const kube = await deps.kube(await deps.store.clusters.get(d.cluster));
  const deployment = await kube.readDeployment(d.namespace, d.deployment);
  // Deleted under the release: nothing will ever roll out, so retrying is pointless.
  if (!deployment) throw new ClusterRejectedError(d.cluster, `deployment ${d.namespace}/${d.deployment} not found`);
  const now = deps.now();
  const subject = {
    app: d.app,
    environment: d.environment,
    cluster: d.cluster,
    revision: d.revision,
    ...byOf(requester),
  };

  const verdict = checkVerdict(deployment, d, now, deps.rollout);
  if (verdict.next === 'superseded') {
    await recordStep(deps, event, subject, {
      action: 'rollout',
      outcome: 'skipped',
      code: 'superseded',
      reason: verdict.reason,
    });
    return 'superseded';
  }
  if (verdict.next === 'check-again') {
    const { message, replicas } = verdict;
    // Before the next check is asked for: the entry is never behind the check that follows (it may settle it).
    const recorded = await releases.setClusterProgress(d, d.cluster, {
      replicas,
      message,
      updatedAt: now.toISOString(),
    });
    // Refused: the cluster settled already, so this is a late or duplicate check; another one would only
    // watch a settled cluster until its deadline and then write a failure over it.
    if (!recorded) return 'superseded';
    await deps.enqueue(nextRolloutCheck(event, now), { delaySeconds: verdict.delaySeconds });
    return 'waiting';
  }

  const release = await releases.get(d.app, d.environment, d.revision);
  const { code, message, replicas } = verdict;
  await releases.setCluster(release, d.cluster, {
    ...(release.clusters[d.cluster] ?? { apply: 'unchanged' }),
    rollout: verdict.rollout,
    code,
    message,
    replicas,
    updatedAt: now.toISOString(),
  });
  const outcome = verdict.rollout === 'ready' ? 'succeeded' : 'failed';
  await recordStep(deps, event, subject, { action: 'rollout', outcome, code, reason: message });
  await letGo(deps, d);
  await settleRelease(deps, d);
  return verdict.rollout;
};

/**
 * The cluster settled: a scaling step may act on the workload again (apply-wave.ts took the lease). Every
 * revision of an app and environment holds it as one holder, so only the newest revision lets it go: a
 * late check of an older one must not free the lease a newer rollout holds.
 */
const letGo = async (deps: DeployDeps, d: RolloutCheck['data']) => {
  const [newest] = await deps.store.releases.list(d.app, d.environment, 1);
  if (newest && newest.revision > d.revision) return;
  await deps.store.leases.release(
    workloadLease({ cluster: d.cluster, workload: { namespace: d.namespace, kind: 'Deployment', name: d.deployment } }),
    releaseLeaseHolder(d.app, d.environment),
  );
};

/**
 * Moves the release on once one of its clusters settled (see settleVerdict): the next wave starts through a
 * release.advance in the app+environment's FIFO group, the last wave completes it, a failure halts it.
 * Each check writes its own cluster first and reads the whole release after (consistently), so whichever
 * check of a wave finishes last sees the whole wave done; a duplicate advance has the same id and is dropped.
 */
const settleRelease = async (deps: DeployDeps, d: RolloutCheck['data']) => {
  const release = await deps.store.releases.get(d.app, d.environment, d.revision);
  if (release.status !== 'applying' && release.status !== 'progressing') return; // settled or superseded
  const verdict = settleVerdict(release, deps.autoRollback);
  if (verdict.next === 'wait') return;
  const about = { app: d.app, environment: d.environment, request: release.eventId, revision: d.revision };
  if (verdict.next === 'advance') {
    await deps.enqueue(releaseAdvance(release, verdict.wave, deps.now()));
    await notifyPeople(deps, { ...about, wave: verdict.wave - 1 }, 'wave-ready', [release]);
    return;
  }
  const why = verdict.next === 'failed' ? verdict.why : undefined;
  const words = verdict.next === 'failed' ? verdict.why : { reason: verdict.reason };
  if (!(await deps.store.releases.setStatus(release, verdict.next, ['applying', 'progressing'], why))) return; // settled by a twin
  if (verdict.next === 'failed' && verdict.rollback) {
    await deps.enqueue(automaticRollback(release, verdict.clusters, deps.now()));
  }
  await recordStep(
    deps,
    // Its own cause, named after the release: the receipt of its id files the entry under when it settled.
    {
      id: eventId(['release.settled', d.app, d.environment, String(d.revision)]),
      type: 'release.settled',
      time: deps.now().toISOString(),
    },
    { app: d.app, environment: d.environment, revision: d.revision, ...byOf(release.requester) },
    { action: 'release', outcome: verdict.next, ...words },
  );
  const what = verdict.next === 'failed' ? 'failed' : release.rollbackOf ? 'rolled-back' : 'succeeded';
  await notifyPeople(deps, about, what, [release]);
};
