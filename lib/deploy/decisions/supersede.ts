import type { DeployRequested } from '../../../events/index.ts';
import type { ReleaseApproval } from '../../store/release-approvals.ts';

/** A request that waits because it asked to (`awaitApproval`): what a push into a manual environment sends. */
export interface WaitingRequest {
  readonly id: string;
  /** The request's time: a push's, so two pushes compare by when they were pushed, not delivered. */
  readonly time: string;
  readonly data: Pick<DeployRequested['data'], 'container' | 'images' | 'awaitApproval'>;
}

export type Supersession =
  /** Open this request's approval, and end these older ones (their containers are all this request's). */
  | { readonly next: 'open'; readonly supersede: readonly ReleaseApproval[] }
  /** A late delivery: a newer push of the same containers already waits; open nothing. */
  | { readonly next: 'late'; readonly by: ReleaseApproval };

const containersOf = (data: WaitingRequest['data']): string[] =>
  data.images ? Object.keys(data.images) : data.container ? [data.container] : [];

const covers = (wider: readonly string[], narrower: readonly string[]) =>
  narrower.length > 0 && narrower.every((c) => wider.includes(c));

/**
 * Of two pushes waiting for approval in one environment, only the newer one is worth a vote: approving the
 * older would release an image already replaced (and a release then refuses it as stale). So a newer push
 * supersedes every open push approval whose containers it all sets, and a late delivery of an older push
 * opens nothing where a newer one of its containers waits. Pushes of different containers (a sidecar's
 * repository beside the app's) wait side by side. Only requests that asked to wait take part: an
 * environment's own approvals for deploy requests people made are never ended by a push.
 */
export const supersessionOf = (request: WaitingRequest, open: readonly ReleaseApproval[]): Supersession => {
  if (!request.data.awaitApproval) return { next: 'open', supersede: [] };
  const mine = containersOf(request.data);
  const at = Date.parse(request.time);
  const pushes = open.filter(
    (a) => a.state === 'open' && a.id !== request.id && a.request.awaitApproval && a.requestedAt,
  );
  const newer = pushes.find((a) => Date.parse(a.requestedAt as string) > at && covers(containersOf(a.request), mine));
  if (newer) return { next: 'late', by: newer };
  const older = pushes.filter(
    (a) => Date.parse(a.requestedAt as string) <= at && covers(mine, containersOf(a.request)),
  );
  return { next: 'open', supersede: older };
};
