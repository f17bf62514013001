import { approvalView } from '../../approvals/render/approval-view.ts';
import { NotFoundError } from '../../errors.ts';
import { findApp } from '../../store/apps.ts';
import { listApprovals, type ReleaseApproval } from '../../store/release-approvals.ts';
import { type VoteOptions, voteOnApproval } from '../approval-vote.ts';
import { openDb } from '../connect.ts';
import { RECENT, renderApprovals } from '../render/approvals.ts';

/** `capstan approvals <app> [--env <env>]`: the open approvals, then the most recent ended ones. */
export const approvalsCommand = async (
  app: string,
  o: { env?: string; json?: boolean },
  out: (line: string) => void,
) => {
  const { db, close } = await openDb();
  try {
    const spec = (await findApp(db, app))?.spec;
    if (!spec) throw new NotFoundError(`no app ${app} is registered`);
    const environments = o.env ? [o.env] : Object.keys(spec.environments);
    const shown = (all: ReleaseApproval[]) => [
      ...all.filter((a) => a.state === 'open'),
      ...all.filter((a) => a.state !== 'open').slice(0, RECENT),
    ];
    const lists = await Promise.all(environments.map((env) => listApprovals(db, app, env)));
    const views = lists.flatMap(shown).map(approvalView);
    out(o.json ? JSON.stringify(views, null, 2) : renderApprovals(views));
  } finally {
    close();
  }
};

/**
 * `capstan approve <app> --env <env>`: a vote on the environment's open release approval (a push waiting
 * for approval is one), counted by the approvals consumer like a vote in chat.
 */
export const approveCommand = (app: string, o: VoteOptions, out: (line: string) => void) =>
  voteOnApproval(app, 'approve', o, out);

/** `capstan reject <app> --env <env>`: one reject ends the open approval. */
export const rejectCommand = (app: string, o: VoteOptions, out: (line: string) => void) =>
  voteOnApproval(app, 'reject', o, out);
