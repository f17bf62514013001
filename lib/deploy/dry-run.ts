import type { KubernetesObject } from '@kubernetes/client-node';
import type { DeployRequested } from '../../events/index.ts';
import { messageOf } from '../errors.ts';
import { applyObject } from '../kube/apply.ts';
import type { KubeClients } from '../kube/connect.ts';
import { diffApplied } from '../kube/diff.ts';
import { type ReasonCode, reasonCodeOf } from '../reasons.ts';
import type { Cluster } from '../store/clusters.ts';
import type { HistoryEntry } from '../store/history.ts';
import { listReleases } from '../store/releases.ts';
import type { DeployDeps } from './deps.ts';
import { stampRevision } from './manifests.ts';
import { recordStep } from './record.ts';
import type { ReleaseSummary } from './release.ts';

/**
 * dryRun: every cluster of the environment is asked what the release would change (server-side dry run);
 * the answer, per cluster, goes to the history. No release is made and nothing changes.
 */
export const dryRun = async (
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
      let code: ReasonCode | undefined;
      try {
        diff = await dryRunDiff(await deps.connect(cluster), objects);
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
        { app, environment, cluster: cluster.name },
        { action: 'dry-run', outcome, code, reason, details: { diff } },
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
