import { messageOf } from '../../errors.ts';
import { healModeOf } from '../../heal/decisions/mode.ts';
import { healSettingsFromEnv } from '../../heal/settings.ts';
import { connector } from '../../kube/connect.ts';
import { gatewayConnector } from '../../kube/gateway.ts';
import { getCluster, listClusters } from '../../store/clusters.ts';
import { environmentPolicy } from '../../store/environments.ts';
import { listHeals } from '../../store/heals.ts';
import { openDb } from '../connect.ts';
import { type ClusterNodes, nodeRows, renderNodes } from '../render/nodes.ts';

/**
 * `capstan nodes [--cluster <name>]`: every node of every registered cluster (or one), read live, with
 * capstan's verdict computed on that very read, as the heal use case would judge it now (the
 * CAPSTAN_HEAL_* thresholds of this shell). A cluster that does not answer is reported and the others
 * shown; only when none answered does the command fail.
 */
export const nodesCommand = async (o: { cluster?: string; json?: boolean }, out: (line: string) => void) => {
  const { db, close } = await openDb();
  try {
    const clusters = o.cluster ? [await getCluster(db, o.cluster)] : await listClusters(db);
    if (clusters.length === 0) return out('no clusters registered: add one with `capstan clusters add`');
    const kube = gatewayConnector(connector());
    const policy = healSettingsFromEnv().lost;
    const results = await Promise.all(
      clusters.map(async (cluster): Promise<ClusterNodes> => {
        const [heals, environment] = await Promise.all([
          listHeals(db, cluster.name),
          environmentPolicy(db, cluster.environment),
        ]);
        const about = {
          cluster: cluster.name,
          environment: cluster.environment,
          healMode: healModeOf(cluster, environment),
        };
        try {
          const nodes = await (await kube(cluster)).listNodes();
          return { ...about, reachable: true, nodes: nodeRows(nodes, heals, new Date(), policy) };
        } catch (error) {
          return { ...about, reachable: false, error: messageOf(error) };
        }
      }),
    );
    out(o.json ? JSON.stringify(results, null, 2) : renderNodes(results));
    // Scripts can tell "nothing could be read" from a fleet where some cluster is down (reported above).
    if (results.every((r) => !r.reachable)) process.exitCode = 1;
  } finally {
    close();
  }
};
