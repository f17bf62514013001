import type { DeployRequested } from '../../../events/index.ts';
import { approvalCheck, approvalNotice } from '../../approvals/render/events.ts';
import type { ApprovalPolicy } from '../../apps/chat-ops.ts';
import { REASONS } from '../../reasons.ts';
import type { ReleaseApproval } from '../../store/release-approvals.ts';
import { isPushRequest, supersessionOf } from '../decisions/supersede.ts';
import type { DeployDeps } from '../ports.ts';
import { recordStep } from './record.ts';
import type { ReleaseSummary } from './summary.ts';

/**
 * A valid deploy request into an environment whose spec asks for approvals (lib/apps/chat-ops.ts): instead
 * of a release, an approval holding the request (once per request id), its first expiry look and a chat
 * notice. A redelivered request finds the approval it opened and sends the same look again (a duplicate).
 * A push's request ends the older push approvals it replaces, or, delivered late, opens nothing
 * (decisions/supersede.ts).
 */
export const openApprovalFor = async (
  event: DeployRequested,
  policy: ApprovalPolicy,
  deps: DeployDeps,
): Promise<ReleaseSummary> => {
  const { app, environment } = event.data;
  const now = deps.now();
  const push = isPushRequest(event);
  // Only a push's request needs the others (a read of every approval of the app there).
  const approvals = push ? await deps.store.releaseApprovals.list(app, environment) : [];
  const supersession = supersessionOf(event, approvals);
  if (supersession.next === 'late') return late(event, supersession.by, deps);
  const { record, created } = await deps.store.releaseApprovals.open({
    app,
    environment,
    id: event.id,
    request: event.data,
    requester: event.data.requester ?? { kind: 'token' },
    required: policy.required,
    role: policy.role,
    selfApproval: policy.selfApproval,
    openedAt: now.toISOString(),
    requestedAt: event.time,
    ...(push ? { push } : {}),
    dueAt: new Date(now.getTime() + policy.expiry * 1000).toISOString(),
    state: 'open',
    votes: [],
    version: 0,
  } satisfies ReleaseApproval);
  const reason = `waits for ${record.required} approver(s) until ${record.dueAt}`;
  if (record.state === 'open') {
    await recordStep(
      deps,
      event,
      { app, environment },
      {
        action: 'release',
        outcome: 'pending',
        code: 'awaiting-approvals',
        reason,
        details: { approval: record.id, required: record.required, dueAt: record.dueAt, opened: created },
      },
    );
    const check = approvalCheck(record, now);
    await deps.enqueue(check, { delaySeconds: Math.ceil((Date.parse(record.dueAt) - now.getTime()) / 1000) });
    await deps.enqueue(approvalNotice(record, 'approval-opened', event.id, now));
  }
  // Whatever became of this one since (a redelivery after a crash): the older ones it replaces still end,
  // and those it ended before are told again (their notices and history entry are the same ones).
  const endedBefore = approvals.filter((a) => a.state === 'superseded' && a.supersededBy === event.id);
  await supersedeAll(supersession.supersede, endedBefore, event, deps);
  return {
    app,
    environment,
    outcome: 'waiting',
    code: 'awaiting-approvals',
    reason: record.state === 'open' ? reason : `${REASONS['approval-ended']} (${record.state})`,
    clusters: {},
  };
};

const late = async (event: DeployRequested, by: ReleaseApproval, deps: DeployDeps): Promise<ReleaseSummary> => {
  const { app, environment } = event.data;
  const reason = `a newer push (${by.request.image}, request ${by.id}) already asked for approval (${by.state})`;
  await recordStep(
    deps,
    event,
    { app, environment },
    { action: 'release', outcome: 'skipped', code: 'superseded', reason, details: { approval: by.id } },
  );
  return { app, environment, outcome: 'skipped', code: 'superseded', reason, clusters: {} };
};

/**
 * Ends the older push approvals the request replaces, unless a vote ended one first (each write is
 * conditional on its version: on a race it is read again, and left alone once it is no longer open). One
 * history entry names them all (`approval` `superseded`, not a refusal of this request); each one's message
 * is told.
 */
const supersedeAll = async (
  older: readonly ReleaseApproval[],
  endedBefore: readonly ReleaseApproval[],
  event: DeployRequested,
  deps: DeployDeps,
): Promise<void> => {
  const ended = [...endedBefore];
  for (const approval of older) if (await supersede(approval, event.id, deps)) ended.push(approval);
  if (ended.length === 0) return;
  const { app, environment } = event.data;
  const what = ended.map((a) => `${a.id} (${a.request.image})`).join(', ');
  await recordStep(
    deps,
    event,
    { app, environment },
    {
      action: 'approval',
      outcome: 'superseded',
      code: 'superseded',
      reason: `no longer waiting for approval, replaced by this newer push: ${what}`,
      details: { superseded: ended.map((a) => a.id).sort() },
    },
  );
  for (const a of ended) await deps.enqueue(approvalNotice(a, 'approval-superseded', event.id, deps.now()));
};

const supersede = async (older: ReleaseApproval, by: string, deps: DeployDeps): Promise<boolean> => {
  const { releaseApprovals } = deps.store;
  for (let current: ReleaseApproval | undefined = older; current?.state === 'open'; ) {
    const next = { ...current, state: 'superseded' as const, endedAt: deps.now().toISOString(), supersededBy: by };
    if (await releaseApprovals.save(next, current.version)) return true;
    current = await releaseApprovals.get(older.app, older.environment, older.id);
  }
  return false;
};
