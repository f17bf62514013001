import type { CapstanEvent, EventType } from '../../events/index.ts';
import type { QueueName } from '../topology.ts';

interface Route {
  readonly queue: QueueName;
  /** FIFO message group: messages of one group are handled one at a time, in order. */
  readonly group?: (event: CapstanEvent) => string;
  /** Sent only by capstan itself: the HTTP edge refuses it, so no producer can forge a step of a release. */
  readonly internal?: boolean;
}

/** Which queue carries each event type that has a consumer today. */
export const routes: Partial<Record<EventType, Route>> = {
  // One release at a time per app and environment.
  'deploy.requested': {
    queue: 'deploy',
    group: (e) => (e.type === 'deploy.requested' ? `${e.data.app}#${e.data.environment}` : e.type),
  },
  // The next wave of a release: same group as its deploys, so it never interleaves with another release.
  'release.advance': {
    queue: 'deploy',
    internal: true,
    group: (e) => (e.type === 'release.advance' ? `${e.data.app}#${e.data.environment}` : e.type),
  },
  'rollback.requested': {
    queue: 'deploy',
    group: (e) => (e.type === 'rollback.requested' ? `${e.data.app}#${e.data.environment}` : e.type),
  },
  'rollout.check': { queue: 'rollout', internal: true },
  // Pushes of one repository in order, so the second of two quick pushes sees the first's deploy request.
  'image.pushed': {
    queue: 'deploy',
    group: (e) => (e.type === 'image.pushed' ? `image#${e.data.registry}/${e.data.repository}` : e.type),
  },
};

export const routeOf = (type: string): Route | undefined => routes[type as EventType];
