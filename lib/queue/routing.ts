import type { CapstanEvent } from '../../events/index.ts';
import { eventQueues, type QueueName, type RoutedEventType } from '../topology.ts';

interface Route {
  readonly queue: QueueName;
  /** FIFO message group: messages of one group are handled one at a time, in order. */
  readonly group?: (event: CapstanEvent) => string;
  /** Sent only by capstan itself: the HTTP edge refuses it, so no producer can forge a step of a release. */
  readonly internal: boolean;
}

/** One release at a time per app and environment: deploys, next waves and rollbacks share the group. */
const appEnvironment = (e: CapstanEvent) =>
  e.type === 'deploy.requested' ||
  e.type === 'release.advance' ||
  e.type === 'rollback.requested' ||
  e.type === 'release.approved'
    ? `${e.data.app}#${e.data.environment}`
    : e.type;

/** FIFO groups per routed type; the queue and internal flag come from the topology. */
const groups: Partial<Record<RoutedEventType, (event: CapstanEvent) => string>> = {
  'deploy.requested': appEnvironment,
  'release.advance': appEnvironment,
  'rollback.requested': appEnvironment,
  // A granted approval releases in the same group as the requests it waited beside.
  'release.approved': appEnvironment,
  // Pushes of one repository in order, so the second of two quick pushes sees the first's deploy request.
  'image.pushed': (e) => (e.type === 'image.pushed' ? `image#${e.data.registry}/${e.data.repository}` : e.type),
};

export const routeOf = (type: string): Route | undefined => {
  const routed = eventQueues[type as RoutedEventType];
  if (!routed) return undefined;
  const group = groups[type as RoutedEventType];
  return { queue: routed.queue, internal: routed.internal, ...(group ? { group } : {}) };
};
