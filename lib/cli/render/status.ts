import type { ClusterStatus } from '../../deploy/use-cases/status.ts';
import { renderTable } from '../format.ts';

/** What runs where, one row per environment and cluster. */
export const renderStatus = (rows: readonly ClusterStatus[]): string =>
  renderTable(
    ['ENV', 'CLUSTER', 'RELEASE', 'IMAGE', 'LIVE', 'HEALTHY'],
    rows.map((r) => [
      r.environment,
      r.cluster,
      r.release ? `#${r.release} ${r.releaseStatus}` : '-',
      r.image ?? '-',
      `${r.live.revision ? `#${r.live.revision} ` : ''}${r.live.state}: ${r.live.message}`,
      r.healthy ? 'yes' : 'no',
    ]),
  );
