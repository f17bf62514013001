import { eventId } from '../../../events/index.ts';
import { approvalOf, promotionOf, promotionRouteRefusals } from '../../deploy/decisions/promotion.ts';
import { InvalidInputError } from '../../errors.ts';
import { clearApproval, pendingApprovals } from '../../store/approvals.ts';
import { findApp } from '../../store/apps.ts';
import { listReleases } from '../../store/releases.ts';
import { type VoteOptions, voteOnApproval } from '../approval-vote.ts';
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

/**
 * `capstan approve <app> --env <env>`: a vote on the environment's open release approval when there is one
 * (./approvals.ts); otherwise releases, in one release, every push waiting for approval there.
 */
export const approveCommand = async (app: string, o: VoteOptions, out: (line: string) => void) => {
  if (await voteOnApproval(app, 'approve', o, out)) return;
  const { db, close } = await openDb();
  try {
    const approval = approvalOf({
      app,
      environment: o.env,
      containerOrder: (await findApp(db, app))?.spec.containers.map((c) => c.name) ?? [],
      pending: await pendingApprovals(db, app, o.env),
    });
    if (!approval.ok) throw new InvalidInputError('nothing to approve', approval.reasons);
    const { request, approved } = approval;
    const answer = await requestEvent(
      'approve',
      {
        id: eventId(approval.eventIdParts),
        type: 'deploy.requested',
        subject: `${app}/${o.env}`,
        data: { ...request },
      },
      o,
    );
    await Promise.all(approved.map((p) => clearApproval(db, p)));
    out(
      `approved ${app} ${approved.map((p) => p.image).join(', ')} for ${o.env} (${answer.accepted}); follow it with \`capstan status ${app}\``,
    );
  } finally {
    close();
  }
};
