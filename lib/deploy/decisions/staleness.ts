import type { KubernetesObject } from '@kubernetes/client-node';
import { parseImageRef } from '../../../events/image-ref.ts';
import type { DeployRequested } from '../../../events/index.ts';
import type { AppSpec } from '../../apps/spec.ts';
import { shouldAdvance } from '../../apps/tag-policy.ts';
import type { Reason } from '../../reasons.ts';
import type { Release } from '../../store/releases.ts';
import { targetContainer } from './images.ts';
import { runningImage } from './push.ts';
import { sameJson } from './same-json.ts';

export interface StalenessInput {
  readonly event: Pick<DeployRequested, 'id' | 'time' | 'data'>;
  readonly app: AppSpec | undefined;
  /** The containers the request sets an image for (undefined: the whole app). */
  readonly containers: readonly string[] | undefined;
  /** The environment's recent releases, newest first. */
  readonly recent: readonly Release[];
  /** What the request would apply. */
  readonly manifests: readonly KubernetesObject[];
}

/**
 * Why a request may not replace the newest release, if it may not: it was asked for before a release that
 * set the same containers (a late delivery), it asks for exactly what the newest release applies (a
 * duplicate), or, for an app that tracks tags, its image is not newer than what runs (an environment
 * never moves back; going back is what `capstan rollback` is for). The newest release's own event, redelivered,
 * is never stale: it carries on the release it made.
 */
export const staleness = ({ event, app, containers, recent, manifests }: StalenessInput): Reason | undefined => {
  const [newest] = recent;
  if (!newest || newest.eventId === event.id) return undefined;
  // A later release of another container (a sidecar pushed after the main image) does not make this late.
  const overlaps = (r: Release) => !containers || !r.containers || r.containers.some((c) => containers.includes(c));
  const later = recent.find((r) => r.requestedAt && Date.parse(r.requestedAt) > Date.parse(event.time) && overlaps(r));
  if (later) {
    return {
      code: 'stale',
      reason: `stale: release #${later.revision} was requested later (${later.requestedAt}) than this request (${event.time})`,
    };
  }
  // Several requests for one version (CI retries, a double click) make one release, whatever their ids.
  if (newest.status !== 'failed' && newest.status !== 'superseded' && sameJson(newest.manifests, manifests)) {
    return { code: 'duplicate', reason: `release #${newest.revision} (${newest.status}) already applies exactly this` };
  }
  const policy = app?.environments[event.data.environment]?.track?.tags;
  const tag = parseImageRef(event.data.image)?.tag;
  const running = runningImage(newest, app && targetContainer(event.data, app));
  if (!policy || !tag || !running) return undefined;
  const candidate = { tag, digest: parseImageRef(event.data.image)?.digest, pushedAt: event.time };
  const verdict = shouldAdvance(policy, candidate, running);
  return verdict.advance
    ? undefined
    : {
        code: verdict.code,
        reason: `${verdict.reason} (release #${newest.revision}); use \`capstan rollback\` to go back`,
      };
};
