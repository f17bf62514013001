import type { CapstanEvent } from '../../../events/index.ts';
import { type Requester, requesterText } from '../../../events/requester.ts';
import type { AppSpec } from '../../apps/spec.ts';
import { promotionOf } from '../../deploy/decisions/promotion.ts';
import { type Role, RoleSchema } from '../../roles.ts';
import type { ReleaseApproval } from '../../store/release-approvals.ts';
import type { Release } from '../../store/releases.ts';
import type { ChatCommand } from './grammar.ts';

/**
 * What an accepted chat command asks capstan for: one event, the role it needs in one environment, and the
 * words to answer with. Pure: the reads it needs (the app's spec, releases, approvals) are given.
 */
export interface ChatRequest {
  readonly environment: string;
  readonly role: Role;
  readonly type: CapstanEvent['type'];
  readonly subject: string;
  readonly data: Record<string, unknown>;
  /** The ephemeral answer once it is enqueued. */
  readonly answer: string;
}

export type Built =
  | { readonly ok: true; readonly request: ChatRequest }
  | { readonly ok: false; readonly reason: string };

const who = (r: Requester) => ({ requester: r, requestedBy: requesterText(r) });
const follow = (app: string) => `follow it with \`/capstan status ${app}\``;
/** The chat a person asked in, for the record: Slack unless it was Mattermost. */
const chatOf = (r: Requester) => (r.kind === 'mattermost' ? 'mattermost' : 'slack');
const asked = (r: Requester) => `asked in ${r.kind === 'mattermost' ? 'Mattermost' : 'Slack'}`;

export const deployRequest = (
  c: Extract<ChatCommand, { kind: 'deploy' }>,
  spec: AppSpec | undefined,
  r: Requester,
): Built => {
  let image = c.image;
  if (c.tag !== undefined) {
    // A tag names an image of the app's own repository: its first container's, as a push would.
    const first = spec?.containers[0];
    if (!first)
      return { ok: false, reason: `app ${c.app} is not registered: --tag needs its spec (give an image reference)` };
    image = `${first.repository}:${c.tag}`;
  }
  return {
    ok: true,
    request: {
      environment: c.environment,
      role: 'request',
      type: 'deploy.requested',
      subject: `${c.app}/${c.environment}`,
      data: { app: c.app, environment: c.environment, image, ...who(r), reason: asked(r) },
      answer: `deploy of ${c.app} ${image} to ${c.environment} requested; ${follow(c.app)}`,
    },
  };
};

export const rollbackRequest = (c: Extract<ChatCommand, { kind: 'rollback' }>, r: Requester): Built => ({
  ok: true,
  request: {
    environment: c.environment,
    role: 'rollback',
    type: 'rollback.requested',
    subject: `${c.app}/${c.environment}`,
    data: {
      app: c.app,
      environment: c.environment,
      ...(c.to !== undefined ? { toRevision: c.to } : {}),
      ...who(r),
      reason: asked(r),
    },
    answer: `rollback of ${c.app} in ${c.environment}${c.to !== undefined ? ` to #${c.to}` : ''} requested; ${follow(c.app)}`,
  },
});

/** The CLI's promotion decision (lib/deploy/decisions/promotion.ts), asked for by a person in chat. */
export const promoteRequest = (
  c: Extract<ChatCommand, { kind: 'promote' }>,
  spec: AppSpec | undefined,
  fromReleases: readonly Release[],
  r: Requester,
): Built => {
  const p = promotionOf({ app: c.app, spec, from: c.from, to: c.to, fromReleases });
  if (!p.ok) return { ok: false, reason: p.reasons.join('; ') };
  return {
    ok: true,
    request: {
      environment: c.to,
      role: 'request',
      type: 'deploy.requested',
      subject: `${c.app}/${c.to}`,
      data: { ...p.request, ...who(r) },
      answer: `promoting ${c.app} from ${c.from} #${p.revision} to ${c.to}; ${follow(c.app)}`,
    },
  };
};

export const scaleRequest = (c: Extract<ChatCommand, { kind: 'scale' }>, r: Requester): Built => ({
  ok: true,
  request: {
    environment: c.environment,
    role: 'scale',
    type: 'scale.requested',
    subject: `${c.app}/${c.environment}/${c.cluster}`,
    data: {
      app: c.app,
      environment: c.environment,
      cluster: c.cluster,
      ...(c.revert
        ? { revert: true }
        : { max: c.max, ...(c.forSeconds !== undefined ? { forSeconds: c.forSeconds } : {}) }),
      ...who(r),
    },
    answer: c.revert
      ? `putting ${c.app}'s scaling on ${c.cluster} (${c.environment}) back to its spec`
      : `raising ${c.app}'s ceiling on ${c.cluster} (${c.environment}) to ${c.max}`,
  },
});

/** The role an approval asks of its voters: the app spec's `approval.role`, recorded on the approval. */
export const voteRole = (approval: ReleaseApproval | undefined): Role => {
  const role = RoleSchema.safeParse(approval?.role);
  return role.success ? role.data : 'approve';
};

/**
 * The approval a person in chat means by "approve <app> <env>": the one still open. With several open (a
 * sidecar's push waiting beside the app's), the words cannot say which: the message's own buttons can.
 */
export const onlyOpen = (
  approvals: readonly ReleaseApproval[],
  app: string,
  environment: string,
): { readonly ok: true; readonly approval: ReleaseApproval } | { readonly ok: false; code: string; reason: string } => {
  const open = approvals.filter((a) => a.state === 'open');
  const [only, ...more] = open;
  if (!only) return { ok: false, code: 'not-found', reason: `no approval of ${app} in ${environment} is open` };
  if (more.length > 0) {
    const which = open.map((a) => a.request.image).join(', ');
    return {
      ok: false,
      code: 'ambiguous',
      reason: `${open.length} approvals of ${app} in ${environment} are open (${which}): use the Approve button on the one you mean`,
    };
  }
  return { ok: true, approval: only };
};

export const voteRequest = (
  app: string,
  environment: string,
  approvalId: string,
  /** The record, when it was found: its role; without it the approvals consumer says what became of the vote. */
  approval: ReleaseApproval | undefined,
  decision: 'approve' | 'reject',
  r: Requester,
): ChatRequest => ({
  environment,
  role: voteRole(approval),
  type: 'approval.vote',
  subject: `${app}/${environment}`,
  data: { app, environment, approval: approvalId, decision, voter: r, via: chatOf(r) },
  answer: `${decision === 'approve' ? 'approval' : 'rejection'} of ${app}${approval ? ` ${approval.request.image}` : ''} in ${environment} sent`,
});
