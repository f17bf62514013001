import { requesterText } from '../../../events/requester.ts';
import type { Release } from '../../store/releases.ts';
import { renderTable, since } from '../format.ts';

/** An app's releases as a table, newest first; BY is who asked (`-`: the ingest token, or recorded before). */
export const renderReleases = (releases: readonly Release[], now = Date.now()): string =>
  renderTable(
    ['ENV', 'REV', 'STATUS', 'CREATED', 'IMAGE', 'CLUSTERS', 'BY', 'NOTE'],
    releases.map((r) => [
      r.environment,
      `#${r.revision}`,
      r.status,
      since(r.createdAt, now),
      r.image,
      Object.entries(r.clusters)
        .map(([c, s]) => `${c}:${s.rollout}`)
        .join(' '),
      r.requester ? requesterText(r.requester) : '-',
      note(r),
    ]),
  );

/** Why it failed or was superseded (code first), else what it is: a rollback, or the request's reason. */
const note = (r: Release): string => {
  if (r.statusReason) return `${r.statusReason.code}: ${r.statusReason.reason}`;
  return r.rollbackOf ? `rollback to #${r.rollbackOf}` : (r.reason ?? '');
};
