import { promotionOf, promotionRouteRefusals } from '../../deploy/decisions/promotion.ts';
import { InvalidInputError } from '../../errors.ts';
import { findApp } from '../../store/apps.ts';
import { listReleases } from '../../store/releases.ts';
import { openDb } from '../connect.ts';
import type { EndpointOptions } from '../post-event.ts';
import { requestEvent } from '../request.ts';

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
  const route = promotionRouteRefusals(o.from, o.to);
  if (route.length > 0) throw new InvalidInputError('cannot promote', route);
  const { db, close } = await openDb();
  try {
    const spec = (await findApp(db, app))?.spec;
    const promotion = promotionOf({
      app,
      spec,
      from: o.from,
      to: o.to,
      fromReleases: spec ? await listReleases(db, app, o.from, 100) : [],
      reason: o.reason,
    });
    if (!promotion.ok) throw new InvalidInputError('cannot promote', promotion.reasons);
    const { request, revision } = promotion;
    const answer = await requestEvent(
      'promote',
      { type: 'deploy.requested', subject: `${app}/${o.to}`, data: { ...request } },
      o,
    );
    out(
      `promoting ${app} ${Object.values(request.images).join(', ')} from ${o.from} #${revision} to ${o.to} (${answer.accepted}); follow it with \`capstan status ${app}\``,
    );
  } finally {
    close();
  }
};
