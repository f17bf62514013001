import fc from 'fast-check';
import type { CapstanEvent } from '../../../../events/index.ts';
import { kubeEventCandidates } from '../../../../lib/sources/kube-candidates.ts';
import type { ExpectedEvent, FuzzCase } from '../case.ts';
import { badAuthorizations, bearer, type Secrets } from '../credentials.ts';
import { type Breaker, bodyOf, type Credential, inPlace, type Produced, type RouteFuzzSpec } from '../route-spec.ts';
import { rfc3339 } from '../values.ts';

/** The one cluster whose exporter this route is fuzzed as; its neighbour's token and clusterName must not pass. */
const CLUSTER = 'fuzz-dc1';
const OTHER = 'fuzz-dc2';
const PATH = `/hooks/kubernetes/${CLUSTER}`;

const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,14}[a-z0-9])?$/);
const nodeName = fc.array(label, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('.'));
const uid = fc.uuid();
/** The exporter's `clusterName`: its default "", absent (a layout-less older exporter), or this cluster. */
const clusterName = fc.constantFrom<string | undefined>('', undefined, CLUSTER);

interface EventShape {
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  readonly reason: string;
  readonly type: string;
  readonly component: string;
  /** Where the component is named: core/v1's `source.component`, or events.k8s.io's `reportingComponent` only. */
  readonly reportedVia: 'source' | 'reportingComponent';
  /** The Event's words; node-controller's by default. */
  readonly message?: string;
}

/** A core/v1 Event as the exporter's default layout sends it: the Event inline, enriched involvedObject, clusterName. */
const exported = (shape: EventShape) =>
  fc
    .record({
      uid,
      objectUid: uid,
      first: rfc3339,
      last: fc.option(rfc3339, { nil: null }),
      count: fc.option(fc.integer({ min: 1, max: 10_000 }), { nil: undefined }),
      cluster: clusterName,
      zone: label,
    })
    .map((r) => {
      const event: Record<string, unknown> = {
        metadata: {
          name: `${shape.name}.1879a4c2d0e5b6f1`,
          namespace: shape.namespace ?? 'default',
          uid: r.uid,
          resourceVersion: '4815162',
          creationTimestamp: r.first,
        },
        involvedObject: {
          kind: shape.kind,
          name: shape.name,
          ...(shape.namespace ? { namespace: shape.namespace } : {}),
          uid: r.objectUid,
          apiVersion: 'v1',
          labels: { 'kubernetes.io/hostname': shape.name, 'topology.kubernetes.io/zone': r.zone },
          deleted: false,
        },
        reason: shape.reason,
        message: shape.message ?? `Node ${shape.name} status is now: ${shape.reason}`,
        source: shape.reportedVia === 'source' ? { component: shape.component } : {},
        firstTimestamp: r.first,
        lastTimestamp: r.last,
        ...(r.count === undefined ? {} : { count: r.count }),
        type: shape.type,
        eventTime: null,
        reportingComponent: shape.component,
        reportingInstance: '',
        ...(r.cluster === undefined ? {} : { clusterName: r.cluster }),
      };
      return event;
    });

/** What a candidate names: the node, or (a pod's NodeNotReady, an RBD symptom) the pod. */
const target = (event: CapstanEvent): string | undefined => {
  if (event.type === 'rbd.lock.detected') return `${event.data.namespace}/${event.data.pod}`;
  if (event.type !== 'node.lost') return undefined;
  return event.data.node ?? (event.data.pod ? `${event.data.pod.namespace}/${event.data.pod.name}` : undefined);
};

/** The candidate the edge must enqueue: the id as the source derives it (one per Event occurrence), for this object. */
const candidate = (payload: unknown, type: CapstanEvent['type'], named: string): ExpectedEvent => {
  const [event] = kubeEventCandidates(payload, new Date(), CLUSTER).events;
  if (!event || event.type !== type) throw new Error(`generated an Event that is no ${type} candidate`);
  return {
    id: event.id,
    differs: (got) =>
      got.type === type && got.data.cluster === CLUSTER && target(got) === named && got.id === event.id
        ? undefined
        : `got ${JSON.stringify(got).slice(0, 300)}`,
  };
};

const produced = (payload: Record<string, unknown>, note: string, events: readonly ExpectedEvent[]): Produced => ({
  note,
  payload,
  events,
  contentType: 'application/json',
});

const viaOf = fc.constantFrom<EventShape['reportedVia']>('source', 'reportingComponent');

/** A Ceph pool or image name as ceph-csi and the in-tree plugin create them. */
const cephName = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,30}$/);
const pvName = uid.map((u) => `pvc-${u}`);

/** The messages a pod's Warning carries when its RBD volume is held elsewhere (lib/sources/rbd-symptoms.ts). */
const rbdSymptom = fc.oneof(
  fc.tuple(pvName, cephName, cephName).map(([pv, pool, image]) => ({
    reason: 'FailedMount',
    component: 'kubelet',
    message: `MountVolume.MountDevice failed for volume "${pv}" : rpc error: code = Internal desc = rbd image ${pool}/${image} is still being used`,
  })),
  fc.tuple(pvName, cephName).map(([pv, image]) => ({
    reason: 'FailedMount',
    component: 'kubelet',
    message: `MountVolume.SetUp failed for volume "${pv}" : rbd: image ${image} is locked by other nodes`,
  })),
  pvName.map((pv) => ({
    reason: 'FailedAttachVolume',
    component: 'attachdetach-controller',
    message: `Multi-Attach error for volume "${pv}" Volume is already exclusively attached to one node and can't be attached to another`,
  })),
);

/** node-controller's NodeNotReady: Normal on the Node, Warning on each of the node's pods; RBD symptoms on pods. */
const valid: fc.Arbitrary<Produced> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.tuple(nodeName, viaOf).chain(([name, reportedVia]) =>
      exported({
        kind: 'Node',
        name,
        reason: 'NodeNotReady',
        type: 'Normal',
        component: 'node-controller',
        reportedVia,
      }).map((payload) => produced(payload, `Node ${name} NodeNotReady`, [candidate(payload, 'node.lost', name)])),
    ),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(label, nodeName, viaOf).chain(([namespace, name, reportedVia]) =>
      exported({
        kind: 'Pod',
        namespace,
        name,
        reason: 'NodeNotReady',
        type: 'Warning',
        component: 'node-controller',
        reportedVia,
      }).map((payload) =>
        produced(payload, `Pod ${namespace}/${name} NodeNotReady`, [
          candidate(payload, 'node.lost', `${namespace}/${name}`),
        ]),
      ),
    ),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(label, nodeName, viaOf, rbdSymptom)
      .chain(([namespace, name, reportedVia, symptom]) =>
        exported({ kind: 'Pod', namespace, name, type: 'Warning', reportedVia, ...symptom }).map((payload) =>
          produced(payload, `Pod ${namespace}/${name} ${symptom.reason}`, [
            candidate(payload, 'rbd.lock.detected', `${namespace}/${name}`),
          ]),
        ),
      ),
  },
);

/** What the exporter forwards and capstan passes over: the kubelet's NodeNotReady, the wrong type, other reasons. */
const ignored: fc.Arbitrary<Produced> = fc
  .tuple(
    nodeName,
    fc.constantFrom<Omit<EventShape, 'name'>>(
      {
        kind: 'Pod',
        namespace: 'shop',
        reason: 'NodeNotReady',
        type: 'Normal',
        component: 'node-controller',
        reportedVia: 'source',
      },
      {
        kind: 'Pod',
        namespace: 'shop',
        reason: 'NodeNotReady',
        type: 'Warning',
        component: 'kubelet',
        reportedVia: 'source',
      },
      { kind: 'Node', reason: 'NodeNotReady', type: 'Normal', component: 'kubelet', reportedVia: 'source' },
      { kind: 'Node', reason: 'NodeNotReady', type: 'Warning', component: 'node-controller', reportedVia: 'source' },
      { kind: 'Node', reason: 'NodeReady', type: 'Normal', component: 'node-controller', reportedVia: 'source' },
      { kind: 'Node', reason: 'RegisteredNode', type: 'Normal', component: 'node-controller', reportedVia: 'source' },
      {
        kind: 'Pod',
        namespace: 'shop',
        reason: 'Scheduled',
        type: 'Normal',
        component: 'default-scheduler',
        reportedVia: 'reportingComponent',
      },
      {
        kind: 'Pod',
        namespace: 'shop',
        reason: 'FailedMount',
        type: 'Warning',
        component: 'kubelet',
        reportedVia: 'source',
        message: 'Unable to attach or mount volumes: unmounted volumes=[data]: timed out waiting for the condition',
      },
      {
        kind: 'Pod',
        namespace: 'shop',
        reason: 'FailedMount',
        type: 'Warning',
        component: 'kubelet',
        reportedVia: 'source',
        message: 'MountVolume.MountDevice failed: rbd image replicapool/tenant-a/img-1 is still being used',
      },
      {
        kind: 'Pod',
        namespace: 'shop',
        reason: 'FailedMount',
        type: 'Normal',
        component: 'kubelet',
        reportedVia: 'source',
        message: 'MountVolume.MountDevice failed: rbd image replicapool/img-1 is still being used',
      },
      {
        kind: 'Node',
        reason: 'FailedAttachVolume',
        type: 'Warning',
        component: 'attachdetach-controller',
        reportedVia: 'source',
        message: 'Multi-Attach error for volume "pvc-1" Volume is already exclusively attached to one node',
      },
    ),
  )
  .chain(([name, shape]) =>
    exported({ ...shape, name }).map((payload) =>
      produced(payload, `${shape.kind} ${name} ${shape.type} ${shape.reason} by ${shape.component}`, []),
    ),
  );

const breakers = fc.constantFrom<Breaker>(
  { note: 'no metadata', apply: inPlace((p) => delete p.metadata) },
  { note: 'metadata.uid empty', apply: inPlace((p) => (p.metadata.uid = '')) },
  { note: 'no involvedObject', apply: inPlace((p) => delete p.involvedObject) },
  { note: 'involvedObject.name empty', apply: inPlace((p) => (p.involvedObject.name = '')) },
  { note: 'involvedObject.kind a number', apply: inPlace((p) => (p.involvedObject.kind = 7)) },
  { note: 'node name not a DNS subdomain', apply: inPlace((p) => (p.involvedObject.name = 'Worker_3')) },
  { note: 'lastTimestamp not RFC 3339', apply: inPlace((p) => (p.lastTimestamp = 'yesterday')) },
  { note: 'firstTimestamp a number', apply: inPlace((p) => (p.firstTimestamp = 1732095061)) },
  { note: 'count negative', apply: inPlace((p) => (p.count = -1)) },
  { note: 'count a string', apply: inPlace((p) => (p.count = '1')) },
  { note: 'clusterName a number', apply: inPlace((p) => (p.clusterName = 7)) },
  { note: 'the Event in an array', apply: (p) => [p] },
  { note: 'a JSON string', apply: () => 'NodeNotReady' },
);

const header =
  (path: string, headers: Record<string, string>): Credential['apply'] =>
  () => ({ headers, path });

/**
 * The exporter's webhook sink on its own route (lib/ingest/kube-hook.ts): one cluster's bearer token, node.lost
 * and rbd.lock.detected candidates onto the heal queue, a standard queue (no deduplication: every 202 is one message, the heal
 * consumer dedupes on the id). Another cluster's token, or an Event naming another cluster, never passes.
 */
export const kubernetesRoute = (secrets: Secrets): RouteFuzzSpec => {
  const token = secrets.kubernetes(CLUSTER);
  return {
    name: 'kubernetes',
    queue: 'heal',
    valid,
    ignored,
    breakers,
    credential: bearer(PATH, token),
    badCredential: fc.oneof(
      badAuthorizations(PATH, token, [
        secrets.token,
        secrets.kubernetes(OTHER),
        secrets.hook('distribution'),
        secrets.hook('harbor'),
      ]),
      fc.constantFrom<Credential>(
        { note: 'token without "Bearer"', apply: header(PATH, { authorization: token }) },
        {
          note: "this cluster's token on another cluster's route",
          apply: header(`/hooks/kubernetes/${OTHER}`, { authorization: `Bearer ${token}` }),
        },
        {
          note: 'no cluster in the path',
          apply: header('/hooks/kubernetes/', { authorization: `Bearer ${token}` }),
          expect: [404],
        },
        {
          note: 'a path cluster that is no cluster name',
          apply: header('/hooks/kubernetes/Fuzz_DC1', { authorization: `Bearer ${token}` }),
          expect: [400],
        },
        {
          note: 'cluster and one more segment',
          apply: header(`${PATH}/x`, { authorization: `Bearer ${token}` }),
          expect: [404],
        },
      ),
    ),
    credentialHeader: 'authorization',
    contentTypes: ['application/json'],
    checksContentType: true,
    // A mutation may name another cluster (403), break the Event (400), or still be a candidate.
    mutationExpect: [202, 400, 403],
    corresponds: (body: Buffer, event: CapstanEvent) => {
      const candidateType = event.type === 'node.lost' || event.type === 'rbd.lock.detected';
      if (!candidateType || event.data.cluster !== CLUSTER) return `not a node.lost or rbd.lock.detected of ${CLUSTER}`;
      const name =
        event.type === 'rbd.lock.detected' ? event.data.pod : (event.data.node ?? event.data.pod?.name ?? '');
      return name && body.toString('utf8').includes(name) ? undefined : `${name || 'no name'} is not in the body`;
    },
    extra: [
      {
        // The token speaks for its own cluster only: an Event naming another is refused, whatever it says.
        weight: 5,
        arbitrary: fc
          .tuple(valid, fc.constantFrom(OTHER, 'dc2', CLUSTER.toUpperCase(), ` ${CLUSTER}`, 'x'.repeat(300)))
          .map(
            ([p, other]): FuzzCase => ({
              kind: 'other-cluster',
              note: `${p.note}; clusterName ${JSON.stringify(other).slice(0, 20)}`,
              request: () => ({
                path: PATH,
                headers: { 'content-type': p.contentType, authorization: `Bearer ${token}` },
                body: bodyOf(p, { ...(p.payload as object), clusterName: other }),
              }),
              sends: 1,
              expect: [403],
              authOk: true,
            }),
          ),
      },
      {
        // The path is percent-decoded before the cluster is read, as API Gateway hands it to the handler.
        weight: 2,
        arbitrary: valid.map(
          (p): FuzzCase => ({
            kind: 'valid',
            note: `${p.note}; cluster percent-encoded in the path`,
            request: () => ({
              path: `/hooks/kubernetes/${[...CLUSTER].map((c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).join('')}`,
              headers: { 'content-type': p.contentType, authorization: `Bearer ${token}` },
              body: bodyOf(p),
            }),
            sends: 1,
            expect: [202],
            events: p.events,
            authOk: true,
          }),
        ),
      },
    ],
  };
};
