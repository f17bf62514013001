import type { KubernetesObject } from '@kubernetes/client-node';
import type { DeployRequested } from '../../../events/index.ts';
import { messageOf } from '../../errors.ts';
import { type ReasonCode, reasonCodeOf } from '../../reasons.ts';
import type { Cluster } from '../../store/clusters.ts';
import type { HistoryEntry } from '../../store/history.ts';
import type { DeployDeps } from '../ports.ts';
import { stampRevision } from '../render/manifests.ts';
import { deploymentWorkload, withOverride } from '../render/override.ts';
import { byOf, recordStep } from './record.ts';
import type { ReleaseSummary } from './summary.ts';

/**
 * dryRun: every cluster of the environment is asked what the release would change (server-side dry run);
 * the answer, per cluster, goes to the history. No release is made and nothing changes. What is asked is
 * what the release would apply there: with an active scale override kept (apply-wave.ts).
 */
export const dryRun = async (
  event: DeployRequested,
  manifests: readonly KubernetesObject[],
  clusters: readonly Cluster[],
  deps: DeployDeps,
): Promise<ReleaseSummary> => {
  const { app, environment } = event.data;
  const [newest] = await deps.store.releases.list(app, environment, 1);
  const objects = stampRevision(manifests, (newest?.revision ?? 0) + 1);
  const results = await Promise.all(
    clusters.map(async (cluster) => {
      let outcome: HistoryEntry['outcome'];
      let diff: readonly string[] = [];
      let reason: string | undefined;
      let code: ReasonCode | undefined;
      try {
        const workload = deploymentWorkload(objects, cluster.name);
        const override = workload ? await deps.store.overrides.get(workload) : undefined;
        diff = await (await deps.kube(cluster)).dryRun(withOverride(objects, override, deps.now()));
        outcome = diff.length === 0 ? 'unchanged' : 'configured';
        reason = diff.length === 0 ? 'would change nothing' : `would change ${diff.length} field(s)`;
      } catch (error) {
        outcome = 'failed';
        reason = messageOf(error);
        code = reasonCodeOf(error);
      }
      await recordStep(
        deps,
        event,
        { app, environment, cluster: cluster.name, ...byOf(event.data.requester) },
        { action: 'dry-run', outcome, code, reason, details: { diff } },
      );
      return [cluster.name, outcome] as const;
    }),
  );
  return { app, environment, outcome: 'skipped', reason: 'dry run', clusters: Object.fromEntries(results) };
};
