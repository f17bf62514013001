import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NodeLostEventSchema } from '../../events/node-lost.ts';
import { InvalidInputError } from '../../lib/errors.ts';
import { normalizeKubernetesEvent } from '../../lib/sources/k8s-events.ts';

const fixture = (name: string): any =>
  JSON.parse(readFileSync(new URL(`../fixtures/sources/${name}.json`, import.meta.url), 'utf8'));

const RECEIVED = new Date('2025-11-20T11:02:07.000Z');
const LATER = new Date('2025-11-20T11:30:00.000Z');

/** A fixture changed in place by `change`: one field at a time, the rest as the exporter sent it. */
const variant = (name: string, change: (event: any) => void): unknown => {
  const event = fixture(name);
  change(event);
  return event;
};

interface Case {
  readonly name: string;
  readonly payload: unknown;
  readonly cluster?: string;
  /** `cluster/node` of each candidate. */
  readonly subjects: readonly string[];
  /** A fragment of each ignored reason. */
  readonly ignored: readonly string[];
}

const cases: readonly Case[] = [
  {
    name: "node-controller's NodeNotReady on a Node",
    payload: fixture('k8s-event-node-not-ready'),
    subjects: ['dc2/worker-3.dc2.internal'],
    ignored: [],
  },
  {
    name: 'clusterName "" falls back to the route cluster',
    payload: fixture('k8s-event-node-not-ready-no-cluster-name'),
    cluster: 'edge-1',
    subjects: ['edge-1/worker-7'],
    ignored: [],
  },
  {
    name: 'clusterName absent falls back to the route cluster',
    payload: variant('k8s-event-node-not-ready-no-cluster-name', (e) => delete e.clusterName),
    cluster: 'edge-1',
    subjects: ['edge-1/worker-7'],
    ignored: [],
  },
  {
    name: 'clusterName wins over the route cluster',
    payload: fixture('k8s-event-node-not-ready'),
    cluster: 'edge-1',
    subjects: ['dc2/worker-3.dc2.internal'],
    ignored: [],
  },
  {
    name: "a pod's Warning NodeNotReady: a candidate naming the pod (healing reads the node it is bound to)",
    payload: fixture('k8s-event-pod-node-not-ready'),
    subjects: ['dc2/pods/shop/orders-db-0'],
    ignored: [],
  },
  {
    name: "a pod's Normal NodeNotReady (node-controller records it as Warning)",
    payload: variant('k8s-event-pod-node-not-ready', (e) => {
      e.type = 'Normal';
    }),
    subjects: [],
    ignored: ['records NodeNotReady on a Pod as Warning'],
  },
  {
    name: "a pod's NodeNotReady recorded in another namespace than the pod's",
    payload: variant('k8s-event-pod-node-not-ready', (e) => {
      e.metadata.namespace = 'default';
    }),
    subjects: [],
    ignored: ["recorded in the pod's namespace"],
  },
  {
    name: "a pod's NodeNotReady by the kubelet",
    payload: variant('k8s-event-pod-node-not-ready', (e) => {
      e.source = { component: 'kubelet' };
      e.reportingComponent = 'kubelet';
    }),
    subjects: [],
    ignored: ['reported by "kubelet", not by node-controller'],
  },
  {
    name: 'an unrelated event (the scheduler, events.k8s.io shape: null timestamps, no count)',
    payload: fixture('k8s-event-pod-scheduled'),
    subjects: [],
    ignored: ['Normal Scheduled on Pod shop/orders-api-7c9f6d8b5-x2kqp: not a NodeNotReady event'],
  },
  {
    name: "the kubelet's own NodeNotReady (kubelet alive)",
    payload: variant('k8s-event-node-not-ready', (e) => {
      e.source = { component: 'kubelet', host: 'worker-3.dc2.internal' };
      e.reportingComponent = 'kubelet';
    }),
    subjects: [],
    ignored: ['reported by "kubelet", not by node-controller'],
  },
  {
    name: 'no source component at all',
    payload: variant('k8s-event-node-not-ready', (e) => {
      e.source = {};
      e.reportingComponent = '';
    }),
    subjects: [],
    ignored: ['reported by no component'],
  },
  {
    name: 'a Warning NodeNotReady on a Node',
    payload: variant('k8s-event-node-not-ready', (e) => {
      e.type = 'Warning';
    }),
    subjects: [],
    ignored: ['node-controller records NodeNotReady on a Node as Normal'],
  },
  {
    name: 'a Node event recorded outside "default"',
    payload: variant('k8s-event-node-not-ready', (e) => {
      e.metadata.namespace = 'kube-system';
    }),
    subjects: [],
    ignored: ['recorded in namespace kube-system'],
  },
  {
    name: 'NodeNotReady on something else than a Node or Pod',
    payload: variant('k8s-event-node-not-ready', (e) => {
      e.involvedObject.kind = 'Machine';
    }),
    subjects: [],
    ignored: ['not about a Node or a Pod'],
  },
  {
    name: "node-controller's NodeReady (a recovery, not a loss)",
    payload: variant('k8s-event-node-not-ready', (e) => {
      e.reason = 'NodeReady';
      e.message = 'Node worker-3.dc2.internal status is now: NodeReady';
    }),
    subjects: [],
    ignored: ['not a NodeNotReady event'],
  },
];

describe('normalizeKubernetesEvent', () => {
  it.each(cases)('$name', ({ payload, cluster, subjects, ignored }) => {
    const result = normalizeKubernetesEvent(payload, RECEIVED, cluster);
    expect(result.events.map((e) => e.subject)).toEqual(subjects);
    expect(result.ignored).toHaveLength(ignored.length);
    ignored.forEach((fragment, i) => {
      expect(result.ignored[i]!.reason).toContain(fragment);
    });
    for (const event of result.events) expect(NodeLostEventSchema.parse(event)).toEqual(event);
  });

  it('builds the candidate from the Node event: Unknown, reason and message carried, the event time', () => {
    const [event] = normalizeKubernetesEvent(fixture('k8s-event-node-not-ready'), RECEIVED).events;
    expect(event).toEqual({
      specversion: '1.0',
      id: expect.stringMatching(/^[0-9a-f]{32}$/),
      type: 'node.lost',
      source: 'capstan/sources/kubernetes-event-exporter/dc2',
      time: '2025-11-20T11:02:05.000Z',
      subject: 'dc2/worker-3.dc2.internal',
      schemaversion: '1',
      data: {
        cluster: 'dc2',
        node: 'worker-3.dc2.internal',
        readyStatus: 'Unknown',
        reason: 'NodeNotReady',
        message: 'Node worker-3.dc2.internal status is now: NodeNotReady',
        observedAt: '2025-11-20T11:02:05.000Z',
      },
    });
  });

  it('observedAt: lastTimestamp, else eventTime, else firstTimestamp, else receivedAt', () => {
    const observed = (change: (e: any) => void) =>
      normalizeKubernetesEvent(variant('k8s-event-node-not-ready', change), RECEIVED).events[0]!.data.observedAt;
    expect(observed((e) => (e.lastTimestamp = '2025-11-20T11:04:05Z'))).toBe('2025-11-20T11:04:05.000Z');
    expect(
      observed((e) => {
        e.lastTimestamp = null;
        e.eventTime = '2025-11-20T11:03:05.123456Z';
      }),
    ).toBe('2025-11-20T11:03:05.123Z');
    expect(observed((e) => (e.lastTimestamp = null))).toBe('2025-11-20T11:02:05.000Z');
    expect(
      observed((e) => {
        e.lastTimestamp = null;
        delete e.firstTimestamp;
      }),
    ).toBe(RECEIVED.toISOString());
  });

  it('drops an empty message and bounds long text to the contract', () => {
    const [event] = normalizeKubernetesEvent(
      variant('k8s-event-node-not-ready', (e) => {
        e.message = '';
      }),
      RECEIVED,
    ).events;
    expect(event!.data.message).toBeUndefined();
    const [long] = normalizeKubernetesEvent(
      variant('k8s-event-node-not-ready', (e) => {
        e.message = 'x'.repeat(5000);
      }),
      RECEIVED,
    ).events;
    expect(long!.data.message).toHaveLength(1024);
  });
});

describe('event ids', () => {
  const idOf = (payload: unknown, receivedAt = RECEIVED, cluster?: string) =>
    normalizeKubernetesEvent(payload, receivedAt, cluster).events[0]!.id;
  const base = idOf(fixture('k8s-event-node-not-ready'));

  it('a redelivery (later, by the other sink, with other enrichment) is the same event', () => {
    expect(idOf(fixture('k8s-event-node-not-ready'), LATER)).toBe(base);
    const reEnriched = variant('k8s-event-node-not-ready', (e) => {
      e.involvedObject.labels = { changed: 'yes' };
      e.metadata.resourceVersion = '4815999';
    });
    expect(idOf(reEnriched)).toBe(base);
  });

  it('a repeated occurrence (count 2) is a new candidate', () => {
    const again = variant('k8s-event-node-not-ready', (e) => {
      e.count = 2;
      e.lastTimestamp = '2025-11-20T11:20:00Z';
    });
    expect(idOf(again)).not.toBe(base);
    expect(idOf(variant('k8s-event-node-not-ready', (e) => (e.count = 2)))).not.toBe(base);
  });

  it('another Event object, or the same uid in another cluster, is another candidate', () => {
    expect(idOf(variant('k8s-event-node-not-ready', (e) => (e.metadata.uid = 'other-uid')))).not.toBe(base);
    expect(idOf(variant('k8s-event-node-not-ready', (e) => (e.clusterName = 'dc3')))).not.toBe(base);
  });

  it('the route cluster counts when it is the cluster', () => {
    const payload = fixture('k8s-event-node-not-ready-no-cluster-name');
    expect(idOf(payload, RECEIVED, 'edge-1')).toBe(idOf(payload, LATER, 'edge-1'));
    expect(idOf(payload, RECEIVED, 'edge-1')).not.toBe(idOf(payload, RECEIVED, 'edge-2'));
  });
});

describe('bad payloads', () => {
  const bad: readonly { name: string; payload: unknown; cluster?: string; issue: string }[] = [
    { name: 'not an object', payload: 'NodeNotReady', issue: '(root): ' },
    { name: 'null', payload: null, issue: '(root): ' },
    {
      name: 'missing involvedObject',
      payload: variant('k8s-event-node-not-ready', (e) => delete e.involvedObject),
      issue: 'involvedObject: ',
    },
    {
      name: 'involvedObject without a name',
      payload: variant('k8s-event-node-not-ready', (e) => delete e.involvedObject.name),
      issue: 'involvedObject.name: ',
    },
    {
      name: 'missing metadata.uid',
      payload: variant('k8s-event-node-not-ready', (e) => delete e.metadata.uid),
      issue: 'metadata.uid: ',
    },
    {
      name: 'count not a number',
      payload: variant('k8s-event-node-not-ready', (e) => (e.count = '1')),
      issue: 'count: ',
    },
    {
      name: 'lastTimestamp not a time',
      payload: variant('k8s-event-node-not-ready', (e) => (e.lastTimestamp = 'yesterday')),
      issue: 'lastTimestamp: ',
    },
    {
      name: 'clusterName not a cluster name',
      payload: variant('k8s-event-node-not-ready', (e) => (e.clusterName = 'DC_2')),
      issue: 'clusterName: "DC_2" must be a DNS-1123 label',
    },
    {
      name: 'the route cluster not a cluster name',
      payload: fixture('k8s-event-node-not-ready-no-cluster-name'),
      cluster: 'Edge 1',
      issue: 'cluster (the route setting): "Edge 1" must be a DNS-1123 label',
    },
    {
      name: 'clusterName "" and no route cluster',
      payload: fixture('k8s-event-node-not-ready-no-cluster-name'),
      issue: 'clusterName: missing or "", and no cluster is configured',
    },
    {
      name: 'clusterName checked even on an event that is ignored',
      payload: variant('k8s-event-pod-scheduled', (e) => (e.clusterName = 'DC_2')),
      issue: 'clusterName: ',
    },
    {
      name: 'a node name Kubernetes could not have',
      payload: variant('k8s-event-node-not-ready', (e) => (e.involvedObject.name = 'Worker_3')),
      issue: 'involvedObject.name: must be a DNS-1123 subdomain',
    },
  ];

  it.each(bad)('$name', ({ payload, cluster, issue }) => {
    let error: unknown;
    try {
      normalizeKubernetesEvent(payload, RECEIVED, cluster);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidInputError);
    const invalid = error as InvalidInputError;
    expect(invalid.retryable).toBe(false);
    expect(invalid.summary).toBe('kubernetes-event-exporter payload is invalid');
    expect(invalid.issues.some((i) => i.startsWith(issue))).toBe(true);
  });
});
