import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { SCHEMA_VERSION } from '../../events/envelope.ts';
import { parseEvent } from '../../events/index.ts';
import { InvalidInputError } from '../errors.ts';
import { listApprovals, type ReleaseApproval } from '../store/release-approvals.ts';
import { openDb } from './connect.ts';
import { type EndpointOptions, postEvent } from './post-event.ts';

/** Who is at the terminal: CAPSTAN_ACTOR (a CI job, a chat-ops bot) or the OS user. */
const actor = (): string => process.env.CAPSTAN_ACTOR || userInfo().username;

export interface VoteOptions extends EndpointOptions {
  readonly env: string;
  readonly request?: string;
  readonly reason?: string;
}

/**
 * Votes on the environment's open release approval (the one `--request` names when there are several) with
 * an approval.vote through the HTTP edge; the approvals consumer counts it. A push waiting for approval is
 * one such approval too.
 */
export const voteOnApproval = async (
  app: string,
  decision: 'approve' | 'reject',
  o: VoteOptions,
  out: (line: string) => void,
): Promise<void> => {
  const { db, close } = await openDb();
  let open: ReleaseApproval[];
  try {
    open = await listApprovals(db, app, o.env, { state: 'open' });
  } finally {
    close();
  }
  const approval = o.request ?? pick(open, app, o.env);
  if (o.request && !open.some((a) => a.id === o.request)) {
    throw new InvalidInputError(`no open approval ${o.request} for ${app} in ${o.env}`, [
      `open: ${open.map((a) => a.id).join(', ') || 'none'} (see \`capstan approvals ${app} --env ${o.env}\`)`,
    ]);
  }
  const parsed = parseEvent({
    specversion: '1.0',
    id: randomUUID(),
    type: 'approval.vote',
    source: 'capstan/cli',
    time: new Date().toISOString(),
    subject: `${app}/${o.env}`,
    schemaversion: SCHEMA_VERSION,
    data: {
      app,
      environment: o.env,
      approval,
      decision,
      voter: { kind: 'cli', user: actor() },
      via: 'cli',
      ...(o.reason ? { comment: o.reason } : {}),
    },
  });
  if (!parsed.ok) throw new InvalidInputError(`cannot ${decision}`, parsed.issues);
  const answer = await postEvent(JSON.stringify(parsed.event), o);
  out(
    `${decision === 'approve' ? 'approved' : 'rejected'} release request ${approval} of ${app} in ${o.env} as cli ${actor()} (${answer.accepted}); see \`capstan approvals ${app} --env ${o.env}\``,
  );
};

const pick = (open: readonly ReleaseApproval[], app: string, env: string): string => {
  const [only, ...more] = open;
  if (!only) {
    throw new InvalidInputError(`no open approval for ${app} in ${env}`, [
      `nothing waits there (see \`capstan approvals ${app} --env ${env}\`)`,
    ]);
  }
  if (more.length > 0) {
    throw new InvalidInputError(`${open.length} approvals are open for ${app} in ${env}: choose one with --request`, [
      ...open.map((a) => `--request ${a.id} (${a.request.image})`),
    ]);
  }
  return only.id;
};
