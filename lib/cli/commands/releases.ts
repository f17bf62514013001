import { listAppReleases, listReleases, type Release } from '../../store/releases.ts';
import { openDb } from '../connect.ts';
import { renderTable, since } from '../format.ts';
import { type RollbackOptions, requestRollback } from '../rollback-request.ts';

/** `capstan releases <app> [--env <env>]`: every release, newest first, with where it went. */
export const releasesCommand = async (
  app: string,
  o: { env?: string; limit: number; json?: boolean },
  out: (line: string) => void,
) => {
  const { db, close } = await openDb();
  try {
    const releases = o.env ? await listReleases(db, app, o.env, o.limit) : await listAppReleases(db, app, o.limit);
    if (o.json) return out(JSON.stringify(releases, null, 2));
    if (releases.length === 0) return out(`no releases of ${app}${o.env ? ` in ${o.env}` : ''}`);
    out(
      renderTable(
        ['ENV', 'REV', 'STATUS', 'CREATED', 'IMAGE', 'CLUSTERS', 'NOTE'],
        releases.map((r) => [
          r.environment,
          `#${r.revision}`,
          r.status,
          since(r.createdAt),
          r.image,
          Object.entries(r.clusters)
            .map(([c, s]) => `${c}:${s.rollout}`)
            .join(' '),
          note(r),
        ]),
      ),
    );
  } finally {
    close();
  }
};

/** Why it failed or was superseded (code first), else what it is: a rollback, or the request's reason. */
const note = (r: Release): string => {
  if (r.statusReason) return `${r.statusReason.code}: ${r.statusReason.reason}`;
  return r.rollbackOf ? `rollback to #${r.rollbackOf}` : (r.reason ?? '');
};

/** `capstan rollback <app> --env <env> [--to <rev>]`: asks for a release that re-applies a past one. */
export const rollbackCommand = (app: string, o: RollbackOptions, out: (line: string) => void) =>
  requestRollback(app, o, out);
