import type { DeployRequested } from '../../../events/index.ts';
import type { ReleaseApproval } from '../../store/release-approvals.ts';

/** The source of the deploy requests capstan makes of pushes (lib/deploy/render/events.ts deployRequest). */
export const PUSH_SOURCE = 'capstan/track';

/** A deploy request as the approval gate sees it: a push's asks to wait (`awaitApproval`) and comes from PUSH_SOURCE. */
export interface WaitingRequest {
  readonly id: string;
  readonly source: string;
  /** The request's time: a push's, so two pushes compare by when they were pushed, not delivered. */
  readonly time: string;
  readonly data: Pick<DeployRequested['data'], 'container' | 'images' | 'awaitApproval'>;
}

export type Supersession =
  /** Open this request's approval, and end these older open ones (their containers are all this request's). */
  | { readonly next: 'open'; readonly supersede: readonly ReleaseApproval[] }
  /** A late delivery: a newer push of the same containers already asked (open or ended); open nothing. */
  | { readonly next: 'late'; readonly by: ReleaseApproval };

/** Whether a request is a push's: only those are superseded, or supersede. */
export const isPushRequest = (r: Pick<WaitingRequest, 'source' | 'data'>): boolean =>
  r.source === PUSH_SOURCE && r.data.awaitApproval === true;

const containersOf = (data: WaitingRequest['data']): string[] =>
  data.images ? Object.keys(data.images) : data.container ? [data.container] : [];

const covers = (wider: readonly string[], narrower: readonly string[]) =>
  narrower.length > 0 && narrower.every((c) => wider.includes(c));

/** Pushed later, or at the same second (Harbor's times are whole seconds) with the greater id: one order for all. */
const newerThan = (a: { time: string; id: string }, b: { time: string; id: string }) => {
  const d = Date.parse(a.time) - Date.parse(b.time);
  return d > 0 || (d === 0 && a.id > b.id);
};

/**
 * Of two pushes waiting for approval in one environment, only the newer one is worth a vote: approving the
 * older would release an image already replaced (and a release then refuses it as stale). So a newer push
 * supersedes every open push approval whose containers it all sets, and a late delivery of an older push
 * opens nothing where a newer one of its containers asked, whether that one still waits or has ended
 * (granted, rejected, expired). Pushes of different containers (a sidecar's repository beside the app's)
 * wait side by side. Only push requests take part (isPushRequest): an approval people asked for is never
 * ended by a push. `approvals`: the environment's approvals of this app, in any state.
 */
export const supersessionOf = (request: WaitingRequest, approvals: readonly ReleaseApproval[]): Supersession => {
  if (!isPushRequest(request)) return { next: 'open', supersede: [] };
  const mine = containersOf(request.data);
  const pushes = approvals
    .filter((a) => a.id !== request.id && a.request.awaitApproval && a.push && a.requestedAt)
    .map((a) => ({ approval: a, time: a.requestedAt as string, id: a.id }));
  const newer = pushes.find((p) => newerThan(p, request) && covers(containersOf(p.approval.request), mine));
  if (newer) return { next: 'late', by: newer.approval };
  const older = pushes.filter(
    (p) => p.approval.state === 'open' && !newerThan(p, request) && covers(mine, containersOf(p.approval.request)),
  );
  return { next: 'open', supersede: older.map((p) => p.approval) };
};
