import { eventId } from '../../../events/index.ts';
import { specImages } from '../../deploy/decisions/images.ts';
import { InvalidInputError } from '../../errors.ts';
import { clearApproval, pendingApprovals } from '../../store/approvals.ts';
import { findApp } from '../../store/apps.ts';
import { listReleases } from '../../store/releases.ts';
import { openDb } from '../connect.ts';
import { type EndpointOptions, requestEvent } from '../request.ts';

/**
 * `capstan promote <app> --from <env> --to <env>`: the images (by digest, every container's) of the newest
 * release that succeeded in one environment, released to the next. The target renders it from the app's spec and its
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
    const registered = await findApp(db, app);
    if (!registered) {
      throw new InvalidInputError('cannot promote', [
        `app ${app} is not registered: promotion renders the app from its spec (\`capstan apps add\`)`,
      ]);
    }
    const source = (await listReleases(db, app, o.from, 100)).find((r) => r.status === 'succeeded');
    if (!source) throw new InvalidInputError('cannot promote', [`no release of ${app} succeeded in ${o.from}`]);
    // Every container's image, as the source release runs them (containers the spec has since dropped aside).
    const images = specImages(registered.spec, source);
    const unpinned = Object.entries(images).filter(([, image]) => !image.includes('@sha256:'));
    if (unpinned.length > 0 || Object.keys(images).length === 0) {
      throw new InvalidInputError(
        'cannot promote',
        unpinned.length > 0
          ? unpinned.map(
              ([c, image]) =>
                `release #${source.revision} in ${o.from} runs ${image} in container ${c}, not pinned by digest: promote only what is pinned`,
            )
          : [`release #${source.revision} in ${o.from} runs none of ${app}'s containers`],
      );
    }
    const [[container, image]] = Object.entries(images) as [[string, string]];
    const answer = await requestEvent(
      'promote',
      {
        type: 'deploy.requested',
        subject: `${app}/${o.to}`,
        data: {
          app,
          environment: o.to,
          image,
          container,
          images,
          reason: o.reason ?? `promoted from ${o.from} #${source.revision}`,
        },
      },
      o,
    );
    out(
      `promoting ${app} ${Object.values(images).join(', ')} from ${o.from} #${source.revision} to ${o.to} (${answer.accepted}); follow it with \`capstan status ${app}\``,
    );
  } finally {
    close();
  }
};

/** `capstan approve <app> --env <env>`: releases, in one release, every push waiting for approval there. */
export const approveCommand = async (
  app: string,
  o: EndpointOptions & { env: string },
  out: (line: string) => void,
) => {
  const { db, close } = await openDb();
  try {
    // In the spec's container order, so the request's `image` is the main container's where it waits.
    const order = (await findApp(db, app))?.spec.containers.map((c) => c.name) ?? [];
    const pending = (await pendingApprovals(db, app, o.env)).sort(
      (a, b) => order.indexOf(a.container) - order.indexOf(b.container),
    );
    const [first] = pending;
    if (!first) throw new InvalidInputError('nothing to approve', [`no push of ${app} waits in ${o.env}`]);
    // One release for everything waiting (a push per container at most), its id derived from those pushes:
    // approving twice makes one release.
    const answer = await requestEvent(
      'approve',
      {
        id: eventId(['approve', ...pending.map((p) => p.eventId).sort(), app, o.env]),
        type: 'deploy.requested',
        subject: `${app}/${o.env}`,
        data: {
          app,
          environment: o.env,
          image: first.image,
          container: first.container,
          images: Object.fromEntries(pending.map((p) => [p.container, p.image])),
          reason: `approved push of ${pending.map((p) => p.tag).join(', ')}`,
        },
      },
      o,
    );
    await Promise.all(pending.map((p) => clearApproval(db, p)));
    out(
      `approved ${app} ${pending.map((p) => p.image).join(', ')} for ${o.env} (${answer.accepted}); follow it with \`capstan status ${app}\``,
    );
  } finally {
    close();
  }
};
