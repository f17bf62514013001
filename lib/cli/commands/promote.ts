import { eventId } from '../../../events/index.ts';
import { InvalidInputError } from '../../errors.ts';
import { clearApproval, pendingApproval } from '../../store/approvals.ts';
import { findApp } from '../../store/apps.ts';
import { listReleases } from '../../store/releases.ts';
import { openDb } from '../connect.ts';
import { type EndpointOptions, requestEvent } from '../request.ts';

/**
 * `capstan promote <app> --from <env> --to <env>`: the image (by digest) of the newest release that
 * succeeded in one environment, released to the next. The target renders it from the app's spec and its
 * own gates, so promoting into production passes the production rules or is refused with every reason.
 */
export const promoteCommand = async (
  app: string,
  o: EndpointOptions & { from: string; to: string; reason?: string },
  out: (line: string) => void,
) => {
  if (o.from === o.to) throw new InvalidInputError('cannot promote', ['--from and --to must differ']);
  const { db, close } = await openDb();
  try {
    if (!(await findApp(db, app))) {
      throw new InvalidInputError('cannot promote', [
        `app ${app} is not registered: promotion renders the app from its spec (\`capstan apps add\`)`,
      ]);
    }
    const source = (await listReleases(db, app, o.from, 100)).find((r) => r.status === 'succeeded');
    if (!source) throw new InvalidInputError('cannot promote', [`no release of ${app} succeeded in ${o.from}`]);
    if (!source.image.includes('@sha256:')) {
      throw new InvalidInputError('cannot promote', [
        `release #${source.revision} in ${o.from} runs ${source.image}, not pinned by digest: promote only what is pinned`,
      ]);
    }
    const answer = await requestEvent(
      'promote',
      {
        type: 'deploy.requested',
        subject: `${app}/${o.to}`,
        data: {
          app,
          environment: o.to,
          image: source.image,
          reason: o.reason ?? `promoted from ${o.from} #${source.revision}`,
        },
      },
      o,
    );
    out(
      `promoting ${app} ${source.image} from ${o.from} #${source.revision} to ${o.to} (${answer.accepted}); follow it with \`capstan status ${app}\``,
    );
  } finally {
    close();
  }
};

/** `capstan approve <app> --env <env>`: releases the push waiting for approval there. */
export const approveCommand = async (
  app: string,
  o: EndpointOptions & { env: string },
  out: (line: string) => void,
) => {
  const { db, close } = await openDb();
  try {
    const pending = await pendingApproval(db, app, o.env);
    if (!pending) throw new InvalidInputError('nothing to approve', [`no push of ${app} waits in ${o.env}`]);
    const answer = await requestEvent(
      'approve',
      {
        // Derived from the push: approving twice makes one release.
        id: eventId(['approve', pending.eventId, app, o.env]),
        type: 'deploy.requested',
        subject: `${app}/${o.env}`,
        data: { app, environment: o.env, image: pending.image, reason: `approved push of ${pending.tag}` },
      },
      o,
    );
    await clearApproval(db, app, o.env, pending.eventId);
    out(`approved ${app} ${pending.image} for ${o.env} (${answer.accepted}); follow it with \`capstan status ${app}\``);
  } finally {
    close();
  }
};
