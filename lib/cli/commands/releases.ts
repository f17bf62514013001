import { listAppReleases, listReleases } from '../../store/releases.ts';
import { openDb } from '../connect.ts';
import { renderReleases } from '../render/releases.ts';
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
    out(renderReleases(releases));
  } finally {
    close();
  }
};

/** `capstan rollback <app> --env <env> [--to <rev>]`: asks for a release that re-applies a past one. */
export const rollbackCommand = (app: string, o: RollbackOptions, out: (line: string) => void) =>
  requestRollback(app, o, out);
