import type { CapstanEvent, EventType } from '../../events/index.ts';
import type { QueueName } from '../topology.ts';

interface Route {
  readonly queue: QueueName;
  /** FIFO message group: messages of one group are handled one at a time, in order. */
  readonly group?: (event: CapstanEvent) => string;
}

/** Which queue carries each event type that has a consumer today. */
export const routes: Partial<Record<EventType, Route>> = {
  // One release at a time per app and environment.
  'deploy.requested': {
    queue: 'deploy',
    group: (e) => (e.type === 'deploy.requested' ? `${e.data.app}#${e.data.environment}` : e.type),
  },
  'rollout.check': { queue: 'rollout' },
};

export const routeOf = (type: string): Route | undefined => routes[type as EventType];
