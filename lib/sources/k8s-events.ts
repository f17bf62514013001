import { z } from 'zod';
import { NameSchema, SCHEMA_VERSION } from '../../events/envelope.ts';
import { DateTimeSchema } from '../../events/fields.ts';
import { eventId, type NodeLost } from '../../events/index.ts';
import { NodeLostEventSchema } from '../../events/node-lost.ts';
import { InvalidInputError } from '../errors.ts';
import { formatIssue } from '../issues.ts';
import { isoTime } from './image-event.ts';
import { invalidField, parsePayload } from './payload.ts';
import type { Ignored } from './types.ts';

export const KUBERNETES_EVENT_EXPORTER = 'kubernetes-event-exporter';
const PRODUCER = KUBERNETES_EVENT_EXPORTER;

/** metav1.Time and MicroTime marshal a zero time as `null`; the legacy recorder leaves `eventTime` zero. */
const TimeSchema = DateTimeSchema.nullish();

/**
 * A core/v1 Event as kubernetes-event-exporter's webhook and SQS sinks send it: the Event inline, `involvedObject`
 * enriched (`labels`, `annotations`, `ownerReferences`, `deleted`, not read here) and a top-level `clusterName`
 * ("" unless the exporter is configured with one). Only the fields capstan reads are checked; the rest pass.
 */
export const KubernetesEventPayloadSchema = z.object({
  metadata: z.object({
    name: z.string().optional(),
    namespace: z.string().optional(),
    // Every API object has one; with `count` it names one occurrence of the Event, see `occurrenceId`.
    uid: z.string().min(1),
  }),
  involvedObject: z.object({
    kind: z.string().min(1),
    name: z.string().min(1),
    // Empty (omitted) for a cluster-scoped object such as a Node.
    namespace: z.string().optional(),
    uid: z.string().optional(),
  }),
  reason: z.string().optional(),
  message: z.string().optional(),
  type: z.string().optional(),
  source: z.object({ component: z.string().optional(), host: z.string().optional() }).optional(),
  reportingComponent: z.string().optional(),
  firstTimestamp: TimeSchema,
  lastTimestamp: TimeSchema,
  eventTime: TimeSchema,
  count: z.number().int().nonnegative().optional(),
  clusterName: z.string().optional(),
});

export type KubernetesEventPayload = z.infer<typeof KubernetesEventPayloadSchema>;

/** `Normalized` of the registries, for `node.lost`: what was heard and what was passed over, with why. */
export interface NodeLostCandidates {
  readonly events: NodeLost[];
  readonly ignored: Ignored[];
}

/** The node lifecycle controller's event source (`v1.EventSource{Component: "node-controller"}`). */
const NODE_CONTROLLER = 'node-controller';

/**
 * One forwarded Kubernetes Event -> at most one `node.lost` candidate. Only the node lifecycle controller's
 * `NodeNotReady` is one: Normal on the Node, Warning on each of its pods; it records them when the node's Ready
 * condition leaves True because the kubelet went silent, so the status is taken as `Unknown`. A candidate is
 * never proof: the heal decision (lib/heal/decisions/node-lost.ts) reads the Node (a pod's, the node it is bound
 * to) and its Lease fresh from the API server before anything is done, so a forged or stale event changes nothing
 * on a Ready node.
 *
 * `cluster` is the route's configured cluster, used when the exporter sends no `clusterName` (its default, "").
 */
export const normalizeKubernetesEvent = (payload: unknown, receivedAt: Date, cluster?: string): NodeLostCandidates => {
  const event = parsePayload(PRODUCER, KubernetesEventPayloadSchema, payload);
  // Checked before anything is ignored: a misconfigured exporter then fails on its first delivery, not its first loss.
  const clusterName = clusterOf(event, cluster);
  const skip = whyNotACandidate(event);
  if (skip) return { events: [], ignored: [{ reason: skip }] };
  return { events: [nodeLost(event, clusterName, receivedAt)], ignored: [] };
};

/** The exporter's `clusterName`, else the route's cluster; a name the contract refuses is the sender's error. */
export const clusterOf = (event: KubernetesEventPayload, configured: string | undefined): string => {
  const [field, name] = event.clusterName ? ['clusterName', event.clusterName] : ['cluster', configured];
  if (name === undefined) {
    throw invalidField(PRODUCER, 'clusterName', 'missing or "", and no cluster is configured for this route');
  }
  const result = NameSchema.safeParse(name);
  if (!result.success) {
    const where = field === 'cluster' ? 'cluster (the route setting)' : field;
    throw invalidField(PRODUCER, where, `${JSON.stringify(name)} ${result.error.issues[0]?.message ?? 'is invalid'}`);
  }
  return result.data;
};

/** The node lifecycle controller's records: Normal on the Node itself, Warning on each of its pods. */
const EXPECTED_TYPE = { Node: 'Normal', Pod: 'Warning' } as const;

/** Undefined for a candidate; else the reason, recorded as every source records what it does not act on. */
const whyNotACandidate = (event: KubernetesEventPayload): string | undefined => {
  const { kind, name, namespace } = event.involvedObject;
  const what = `${event.type ?? '?'} ${event.reason ?? '(no reason)'} on ${kind} ${namespace ? `${namespace}/` : ''}${name}`;
  if (event.reason !== 'NodeNotReady') return `${what}: not a NodeNotReady event`;
  if (kind !== 'Node' && kind !== 'Pod') return `${what}: not about a Node or a Pod`;
  const component = event.source?.component || event.reportingComponent;
  if (component !== NODE_CONTROLLER) {
    // The kubelet records its own NodeNotReady (Ready=False): it is alive and talking, not lost.
    return `${what}: reported by ${component ? JSON.stringify(component) : 'no component'}, not by ${NODE_CONTROLLER}`;
  }
  if (event.type !== EXPECTED_TYPE[kind]) {
    return `${what}: ${NODE_CONTROLLER} records NodeNotReady on a ${kind} as ${EXPECTED_TYPE[kind]}`;
  }
  const eventNamespace = event.metadata.namespace;
  if (kind === 'Node' && eventNamespace && eventNamespace !== 'default') {
    return `${what}: recorded in namespace ${eventNamespace}, events on a Node are recorded in "default"`;
  }
  // A pod's event is recorded in the pod's namespace, which its reference must name.
  if (kind === 'Pod' && (!namespace || (eventNamespace && eventNamespace !== namespace))) {
    return `${what}: a pod's event is recorded in the pod's namespace, and this one is not`;
  }
  return undefined;
};

/**
 * The Node's event names the node. A pod's (the controller marks each pod of the node not ready) names only the
 * pod: neither the message ("Node is not ready"), `source.host` nor the exporter's enrichment (labels,
 * annotations, owners; not `spec.nodeName`) names its node, so the candidate names the pod and healing reads the
 * node it is bound to from the API server.
 */
const nodeLost = (event: KubernetesEventPayload, cluster: string, receivedAt: Date): NodeLost => {
  const { kind, name, namespace } = event.involvedObject;
  const target = kind === 'Pod' ? { pod: { namespace: namespace ?? '', name } } : { node: name };
  const seen = event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp;
  const observedAt = seen ? isoTime(seen) : receivedAt.toISOString();
  const candidate = {
    specversion: '1.0',
    id: occurrenceId(event, cluster),
    type: 'node.lost',
    source: `capstan/sources/${PRODUCER}/${cluster}`,
    time: observedAt,
    subject: kind === 'Pod' ? `${cluster}/pods/${namespace}/${name}` : `${cluster}/${name}`,
    schemaversion: SCHEMA_VERSION,
    data: {
      cluster,
      ...target,
      readyStatus: 'Unknown',
      ...(event.reason ? { reason: event.reason.slice(0, 128) } : {}),
      ...(event.message ? { message: event.message.slice(0, 1024) } : {}),
      observedAt,
    },
  };
  return exporterCandidate(NodeLostEventSchema, candidate, {
    'data.node': 'involvedObject.name',
    'data.pod.name': 'involvedObject.name',
    'data.pod.namespace': 'involvedObject.namespace',
  });
};

/**
 * A candidate held to its event's contract; a name the contract refuses is named by the exporter's field
 * (`fields`: the candidate's path -> the Event's), not by the candidate's, so the producer can fix it.
 */
export const exporterCandidate = <T>(
  schema: z.ZodType<T>,
  candidate: unknown,
  fields: Readonly<Record<string, string>>,
): T => {
  const result = schema.safeParse(candidate);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => {
    const field = fields[issue.path.join('.')];
    return field ? `${field}: ${issue.message}` : formatIssue(issue);
  });
  throw new InvalidInputError(`${PRODUCER} payload is invalid`, issues);
};

/**
 * The recorder keeps one Event object per repeated occurrence and bumps `count` (and `lastTimestamp`) each time,
 * so uid + count name one occurrence: a redelivery (the SQS sink's or the webhook's retry, both sinks at once) is
 * the same event, a repeat of NodeNotReady (count 2) is a new candidate. The Event's own time is folded in for
 * Events that carry no `count` (events.k8s.io series); it never changes on a redelivery. Never `receivedAt`.
 */
export const occurrenceId = (event: KubernetesEventPayload, cluster: string, ...kind: string[]): string =>
  eventId([
    PRODUCER,
    ...kind,
    cluster,
    event.metadata.uid,
    String(event.count ?? ''),
    event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? '',
  ]);
