import { SCHEMA_VERSION } from '../../events/envelope.ts';
import { SubdomainSchema } from '../../events/fields.ts';
import { eventId, type RbdLockDetected, type RbdLockDetectedData } from '../../events/index.ts';
import { CephNameSchema, RbdLockDetectedEventSchema } from '../../events/rbd-lock-detected.ts';
import { isoTime } from './image-event.ts';
import {
  clusterOf,
  exporterCandidate,
  KUBERNETES_EVENT_EXPORTER,
  type KubernetesEventPayload,
  KubernetesEventPayloadSchema,
} from './k8s-events.ts';
import { parsePayload } from './payload.ts';
import type { Ignored } from './types.ts';

const PRODUCER = KUBERNETES_EVENT_EXPORTER;

/** `Normalized` of the registries, for `rbd.lock.detected`: what was heard and what was passed over, with why. */
export interface RbdLockCandidates {
  readonly events: RbdLockDetected[];
  readonly ignored: Ignored[];
}

type Symptom = RbdLockDetectedData['symptom'];

/**
 * The Event reasons that carry a symptom (see `readMessage`): what the exporter's route lets through
 * (lib/ingest/exporter-config.ts) and what the sweep lists (lib/heal/use-cases/sweep-rbd.ts).
 */
export const RBD_SYMPTOM_REASONS: readonly string[] = ['FailedMount', 'FailedAttachVolume'];

/** What one message says: the symptom, and the pool and image when it names them (as one `rbd` spec). */
interface Reading {
  readonly symptom: Symptom;
  /** `<pool>/<image>` (ceph-csi, in-tree) or `<image>` (legacy), unchecked: see `cephNames`. */
  readonly spec?: string;
  readonly poolKnown: boolean;
}

/**
 * The messages of formats section 10, by the event reason that carries them. ceph-csi's `MountDevice` and the
 * in-tree `WaitForAttach` both end in "rbd image <pool>/<image> is still being used"; the legacy in-tree
 * `SetUp` says "rbd: image <image> is locked by other nodes" and names no pool; the attach/detach controller's
 * "Multi-Attach error" names only the volume. `\S+` takes the spec as written, checked afterwards, so a name
 * that would read as an option or an extra path segment is ignored with a reason, never matched around.
 */
const readMessage = (reason: string | undefined, message: string): Reading | undefined => {
  if (reason === 'FailedMount') {
    const inUse = /\brbd image (\S+) is still being used\b/.exec(message);
    if (inUse) return { symptom: 'still-in-use', spec: inUse[1], poolKnown: true };
    const locked = /\brbd: image (\S+) is locked by other nodes\b/.exec(message);
    if (locked) return { symptom: 'locked-by-other-node', spec: locked[1], poolKnown: false };
  }
  if (reason === 'FailedAttachVolume' && /^Multi-Attach error for volume "[^"]*"/.test(message)) {
    return { symptom: 'multi-attach', poolKnown: false };
  }
  return undefined;
};

/**
 * One forwarded Kubernetes Event -> at most one `rbd.lock.detected` candidate: a Warning on a Pod that says its
 * RBD volume is held elsewhere. Like `node.lost`, a candidate is never proof: the heal decision resolves pod ->
 * PVC -> PV -> pool/image and the holding node from the API server before anything is freed, so a forged event
 * for an image no PV uses changes nothing.
 *
 * `cluster` is the route's configured cluster, used when the exporter sends no `clusterName` (its default, "").
 */
export const normalizeRbdLockEvent = (payload: unknown, receivedAt: Date, cluster?: string): RbdLockCandidates => {
  const event = parsePayload(PRODUCER, KubernetesEventPayloadSchema, payload);
  const clusterName = clusterOf(event, cluster);
  const skip = whyNotAPodWarning(event);
  if (skip) return { events: [], ignored: [{ reason: skip }] };
  const reading = event.message ? readMessage(event.reason, event.message) : undefined;
  if (!reading) return { events: [], ignored: [{ reason: `${describe(event)}: not an RBD lock symptom` }] };
  const names = cephNames(reading);
  if ('why' in names) return { events: [], ignored: [{ reason: `${describe(event)}: ${names.why}` }] };
  return { events: [rbdLockDetected(event, clusterName, reading.symptom, names, receivedAt)], ignored: [] };
};

/** The reader the sweep is given (lib/heal/use-cases/sweep-rbd.ts): the reasons it reads, and its reading. */
export const rbdSymptomReader = { reasons: RBD_SYMPTOM_REASONS, read: normalizeRbdLockEvent } as const;

const describe = (event: KubernetesEventPayload): string => {
  const { kind, name, namespace } = event.involvedObject;
  return `${event.type ?? '?'} ${event.reason ?? '(no reason)'} on ${kind} ${namespace ? `${namespace}/` : ''}${name}`;
};

/** Undefined for a pod's Warning recorded in the pod's namespace; else the reason it is passed over. */
const whyNotAPodWarning = (event: KubernetesEventPayload): string | undefined => {
  const what = describe(event);
  if (event.involvedObject.kind !== 'Pod') return `${what}: not about a Pod`;
  if (event.type !== 'Warning') return `${what}: not a Warning`;
  const namespace = event.involvedObject.namespace;
  const eventNamespace = event.metadata.namespace;
  if (!namespace || (eventNamespace && eventNamespace !== namespace)) {
    return `${what}: a pod's event is recorded in the pod's namespace, and this one is not`;
  }
  return undefined;
};

type CephNames = { readonly pool?: string; readonly image?: string } | { readonly why: string };

/**
 * Pool and image end up as `rbd` arguments, so each must be a plain Ceph name. A spec with a RADOS namespace
 * (`pool/ns/image`) is passed over too: capstan does not free images in RADOS namespaces (yet).
 */
const cephNames = (reading: Reading): CephNames => {
  if (reading.spec === undefined) return {};
  const parts = reading.spec.split('/');
  const expected = reading.poolKnown ? 2 : 1;
  if (parts.length !== expected) {
    const shape = reading.poolKnown ? '<pool>/<image>' : '<image>';
    return { why: `rbd image ${JSON.stringify(reading.spec)} is not ${shape}` };
  }
  for (const part of parts) {
    const result = CephNameSchema.safeParse(part);
    if (!result.success) {
      return {
        why: `rbd image ${JSON.stringify(reading.spec)}: ${JSON.stringify(part)} ${result.error.issues[0]?.message}`,
      };
    }
  }
  return reading.poolKnown ? { pool: parts[0], image: parts[1] } : { image: parts[0] };
};

/**
 * Every message names the volume as the kubelet or the controller knows it: the PV's name for a PV, the pod's
 * volume name for an inline volume. Only a dynamically provisioned PV's name (`pvc-<uid>`) tells the two apart;
 * any other PV is found from the pod's claim when the candidate is resolved.
 */
const persistentVolumeOf = (message: string): string | undefined => {
  const named = /\bvolume "(pvc-[^"]+)"/.exec(message)?.[1];
  return named && SubdomainSchema.safeParse(named).success ? named : undefined;
};

const rbdLockDetected = (
  event: KubernetesEventPayload,
  cluster: string,
  symptom: Symptom,
  names: { readonly pool?: string; readonly image?: string },
  receivedAt: Date,
): RbdLockDetected => {
  const { name, namespace = '' } = event.involvedObject;
  const message = event.message ?? '';
  const persistentVolume = persistentVolumeOf(message);
  const seen = event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp;
  const observedAt = seen ? isoTime(seen) : receivedAt.toISOString();
  const candidate = {
    specversion: '1.0',
    id: candidateId(event, cluster),
    type: 'rbd.lock.detected',
    source: `capstan/sources/${PRODUCER}/${cluster}`,
    time: observedAt,
    subject: `${cluster}/${namespace}/${name}`,
    schemaversion: SCHEMA_VERSION,
    data: {
      cluster,
      namespace,
      pod: name,
      ...(persistentVolume ? { persistentVolume } : {}),
      ...names,
      symptom,
      message: message.slice(0, 2048),
      observedAt,
    },
  };
  return exporterCandidate(RbdLockDetectedEventSchema, candidate, {
    'data.pod': 'involvedObject.name',
    'data.namespace': 'involvedObject.namespace',
  });
};

/**
 * As `node.lost`'s: uid + count name one occurrence (a redelivery is the same event, a repeat with count 2 a new
 * candidate), the Event's own time for series without `count`; never `receivedAt`. The type is folded in so that
 * an id never collides with a `node.lost` one. The time goes in as an instant, not as spelled: the sweep reads
 * the same Event through the API client (lib/kube/events.ts), which hands times over as `Date`s
 * (`...:38.000Z` where the exporter's Go writes `...:38Z`; MicroTime's microseconds cut to milliseconds), so the
 * webhook, the SQS sink and the sweep all name one occurrence with one id.
 */
const candidateId = (event: KubernetesEventPayload, cluster: string): string => {
  const seen = event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp;
  return eventId([
    PRODUCER,
    'rbd.lock.detected',
    cluster,
    event.metadata.uid,
    String(event.count ?? ''),
    seen ? isoTime(seen) : '',
  ]);
};
