import { randomUUID } from 'node:crypto';
import { SCHEMA_VERSION } from '../../../events/envelope.ts';
import { parseEvent } from '../../../events/index.ts';
import { InvalidInputError } from '../../errors.ts';
import { listReleases } from '../../store/releases.ts';
import { openDb } from '../connect.ts';
import { renderTable, since } from '../format.ts';
import { postEvent } from './send.ts';

/** `capstan releases <app> --env <env>`: every release, newest first, with where it went. */
export const releasesCommand = async (
  app: string,
  o: { env: string; limit: number; json?: boolean },
  out: (line: string) => void,
) => {
  const { db, close } = await openDb();
  try {
    const releases = await listReleases(db, app, o.env, o.limit);
    if (o.json) return out(JSON.stringify(releases, null, 2));
    if (releases.length === 0) return out(`no releases of ${app} in ${o.env}`);
    out(
      renderTable(
        ['REV', 'STATUS', 'CREATED', 'IMAGE', 'CLUSTERS', 'NOTE'],
        releases.map((r) => [
          `#${r.revision}`,
          r.status,
          since(r.createdAt),
          r.image,
          Object.entries(r.clusters)
            .map(([c, s]) => `${c}:${s.rollout}`)
            .join(' '),
          r.rollbackOf ? `rollback to #${r.rollbackOf}` : (r.reason ?? ''),
        ]),
      ),
    );
  } finally {
    close();
  }
};

export interface RollbackOptions {
  readonly env: string;
  readonly to?: string;
  readonly reason?: string;
  readonly url?: string;
  readonly token?: string;
}

/** `capstan rollback <app> --env <env> [--to <rev>]`: asks for a release that re-applies a past one. */
export const rollbackCommand = async (app: string, o: RollbackOptions, out: (line: string) => void) => {
  if (o.to !== undefined && !/^\d+$/.test(o.to.replace(/^#/, ''))) {
    throw new InvalidInputError('cannot roll back', [`--to "${o.to}" must be a release number such as 3 or #3`]);
  }
  const parsed = parseEvent({
    specversion: '1.0',
    id: randomUUID(),
    type: 'rollback.requested',
    source: 'capstan/cli',
    time: new Date().toISOString(),
    subject: `${app}/${o.env}`,
    schemaversion: SCHEMA_VERSION,
    data: {
      app,
      environment: o.env,
      ...(o.to ? { toRevision: Number(o.to.replace(/^#/, '')) } : {}),
      requestedBy: process.env.USER ?? 'cli',
      ...(o.reason ? { reason: o.reason } : {}),
    },
  });
  if (!parsed.ok) throw new InvalidInputError('cannot roll back', parsed.issues);
  const answer = await postEvent(JSON.stringify(parsed.event), o);
  out(
    `rollback of ${app} in ${o.env}${o.to ? ` to #${o.to.replace(/^#/, '')}` : ''} requested (${answer.accepted}); follow it with \`capstan releases ${app} --env ${o.env}\``,
  );
};
