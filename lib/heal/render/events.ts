import { SCHEMA_VERSION } from '../../../events/envelope.ts';
import type { HealCheckStep } from '../../../events/heal-check.ts';
import { eventId, type HealCheck, type NodeLost, type NodeRecovered } from '../../../events/index.ts';
import type { NodeView } from '../../kube/nodes.ts';

/**
 * The events a sweep sends about a node. Their ids name the cluster, the node, the moment its Ready
 * condition last changed and the hour: every sweep during one outage (one a minute) sends the same
 * node.lost within an hour, which the idempotency record drops, while the next outage of the same node is an
 * event of its own, and a long outage is looked at afresh each hour (its earlier looks may have run out).
 */
const swept = <E extends NodeLost | NodeRecovered>(
  type: E['type'],
  cluster: string,
  node: NodeView,
  now: Date,
  data: E['data'],
): E =>
  ({
    specversion: '1.0',
    id: eventId([type, cluster, node.name, node.readySince ?? 'never', String(Math.floor(now.getTime() / 3_600_000))]),
    type,
    source: 'capstan/sweep',
    time: now.toISOString(),
    subject: `${cluster}/${node.name}`,
    schemaversion: SCHEMA_VERSION,
    data,
  }) as E;

export const sweptNodeLost = (cluster: string, node: NodeView, now: Date): NodeLost =>
  swept<NodeLost>('node.lost', cluster, node, now, {
    cluster,
    node: node.name,
    readyStatus: node.ready === 'False' ? 'False' : 'Unknown',
    ...(node.lastHeartbeat ? { lastHeartbeatTime: node.lastHeartbeat } : {}),
    observedAt: now.toISOString(),
  });

export const sweptNodeRecovered = (cluster: string, node: NodeView, now: Date): NodeRecovered =>
  swept<NodeRecovered>('node.recovered', cluster, node, now, {
    cluster,
    node: node.name,
    ...(node.readySince ? { readySince: node.readySince } : {}),
    observedAt: now.toISOString(),
  });

/**
 * The next look at a node (heal.check): its id names the step, the chain's cause and the look's number, so
 * a redelivered look is the same event and the next one is new. A person's approval starts fencing: `fence`.
 */
export const healCheck = (
  cluster: string,
  node: string,
  cause: string,
  attempt: number,
  now: Date,
  step: HealCheckStep = 'fence',
  image?: string,
): HealCheck => ({
  specversion: '1.0',
  id: eventId(['heal.check', step, cluster, node, ...(image ? [image] : []), cause, String(attempt)]),
  type: 'heal.check',
  source: 'capstan/heal',
  time: now.toISOString(),
  subject: `${cluster}/${node}`,
  schemaversion: SCHEMA_VERSION,
  data: { cluster, node, step, cause, attempt, ...(image ? { image } : {}) },
});
