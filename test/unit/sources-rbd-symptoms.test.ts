import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RbdLockDetectedEventSchema } from '../../events/rbd-lock-detected.ts';
import { InvalidInputError } from '../../lib/errors.ts';
import { normalizeKubernetesEvent } from '../../lib/sources/k8s-events.ts';
import { normalizeRbdLockEvent } from '../../lib/sources/rbd-symptoms.ts';

const fixture = (name: string): any =>
  JSON.parse(readFileSync(new URL(`../fixtures/sources/rbd-event-${name}.json`, import.meta.url), 'utf8'));

const RECEIVED = new Date('2025-11-20T11:09:40.000Z');
const PV = 'pvc-3f6d2a1e-8b7c-4d5e-9f0a-1b2c3d4e5f60';
const CSI_IMAGE = 'csi-vol-0c9e8d7a-6b5c-4a3f-8e2d-1c0b9a8f7e6d';
const IN_TREE_IMAGE = 'kubernetes-dynamic-pvc-5e1a9c3b-2d7f-4b6e-8a0c-9f4d3e2b1a70';

/** A fixture changed in place by `change`: one field at a time, the rest as the exporter sent it. */
const variant = (name: string, change: (event: any) => void): unknown => {
  const event = fixture(name);
  change(event);
  return event;
};

const withMessage = (message: string) => (e: any) => {
  e.message = message;
};

interface Case {
  readonly name: string;
  readonly payload: unknown;
  /** The candidate's data fields the message tells, or undefined when the event is ignored. */
  readonly candidate?: {
    readonly symptom: string;
    readonly pool?: string;
    readonly image?: string;
    readonly persistentVolume?: string;
  };
  /** A fragment of the ignored reason. */
  readonly ignored?: string;
}

const cases: readonly Case[] = [
  {
    name: 'ceph-csi MountDevice: rbd image <pool>/<image> is still being used',
    payload: fixture('csi-still-in-use'),
    candidate: { symptom: 'still-in-use', pool: 'replicapool', image: CSI_IMAGE, persistentVolume: PV },
  },
  {
    name: 'in-tree WaitForAttach: the same words after the UniqueName and pod',
    payload: fixture('in-tree-still-in-use'),
    candidate: { symptom: 'still-in-use', pool: 'rbd', image: IN_TREE_IMAGE, persistentVolume: PV },
  },
  {
    name: 'legacy SetUp: rbd: image <image> is locked by other nodes (no pool)',
    payload: fixture('legacy-locked'),
    candidate: { symptom: 'locked-by-other-node', image: IN_TREE_IMAGE, persistentVolume: PV },
  },
  {
    name: 'Multi-Attach error: exclusively attached to one node',
    payload: fixture('multi-attach-exclusive'),
    candidate: { symptom: 'multi-attach', persistentVolume: PV },
  },
  {
    name: 'Multi-Attach error: already used by pod(s)',
    payload: fixture('multi-attach-used-by-pods'),
    candidate: { symptom: 'multi-attach', persistentVolume: PV },
  },
  {
    name: 'a volume that is not a dynamically provisioned PV: no persistentVolume',
    payload: variant(
      'csi-still-in-use',
      withMessage('MountVolume.MountDevice failed for volume "data" : rbd image replicapool/img-1 is still being used'),
    ),
    candidate: { symptom: 'still-in-use', pool: 'replicapool', image: 'img-1' },
  },
  {
    name: 'an image name that reads as an option (--no-progress)',
    payload: fixture('ignored-option-name'),
    ignored: '"--no-progress" must be a Ceph pool or image name',
  },
  {
    name: 'a pool name that reads as an option (-x)',
    payload: variant('csi-still-in-use', withMessage('rbd image -x/img-1 is still being used')),
    ignored: '"-x" must be a Ceph pool or image name',
  },
  {
    name: 'a legacy image name that reads as an option',
    payload: variant('legacy-locked', withMessage('MountVolume.SetUp failed : rbd: image -x is locked by other nodes')),
    ignored: '"-x" must be a Ceph pool or image name',
  },
  {
    name: 'a spec with an extra path segment (a RADOS namespace, a/b/c)',
    payload: fixture('ignored-rados-namespace'),
    ignored: 'is not <pool>/<image>',
  },
  {
    name: 'a spec with no pool',
    payload: variant('csi-still-in-use', withMessage('rbd image img-1 is still being used')),
    ignored: '"img-1" is not <pool>/<image>',
  },
  {
    name: 'a legacy spec with a path',
    payload: variant('legacy-locked', withMessage('rbd: image ../../etc/passwd is locked by other nodes')),
    ignored: 'is not <image>',
  },
  {
    name: 'another FailedMount (timed out waiting for the condition)',
    payload: fixture('ignored-mount-timeout'),
    ignored: 'Warning FailedMount on Pod payments/ledger-0: not an RBD lock symptom',
  },
  {
    name: 'a Normal SuccessfulAttachVolume',
    payload: fixture('ignored-attach-succeeded'),
    ignored: 'Normal SuccessfulAttachVolume on Pod payments/ledger-0: not a Warning',
  },
  {
    name: 'the words under another reason',
    payload: variant('csi-still-in-use', (e) => {
      e.reason = 'BackOff';
    }),
    ignored: 'not an RBD lock symptom',
  },
  {
    name: 'a Multi-Attach message under FailedMount',
    payload: variant('multi-attach-exclusive', (e) => {
      e.reason = 'FailedMount';
    }),
    ignored: 'not an RBD lock symptom',
  },
  {
    name: 'no message',
    payload: variant('csi-still-in-use', (e) => delete e.message),
    ignored: 'not an RBD lock symptom',
  },
  {
    name: 'a Normal event with the words',
    payload: variant('csi-still-in-use', (e) => {
      e.type = 'Normal';
    }),
    ignored: 'not a Warning',
  },
  {
    name: 'the words on something else than a Pod',
    payload: variant('csi-still-in-use', (e) => {
      e.involvedObject.kind = 'PersistentVolumeClaim';
    }),
    ignored: 'not about a Pod',
  },
  {
    name: "recorded in another namespace than the pod's",
    payload: variant('csi-still-in-use', (e) => {
      e.metadata.namespace = 'default';
    }),
    ignored: "recorded in the pod's namespace",
  },
];

describe('normalizeRbdLockEvent', () => {
  it.each(cases)('$name', ({ payload, candidate, ignored }) => {
    const result = normalizeRbdLockEvent(payload, RECEIVED);
    if (candidate) {
      expect(result.ignored).toEqual([]);
      expect(result.events).toHaveLength(1);
      const event = result.events[0]!;
      expect(RbdLockDetectedEventSchema.parse(event)).toEqual(event);
      const { symptom, pool, image, persistentVolume } = event.data;
      expect({ symptom, pool, image, persistentVolume }).toEqual(candidate);
    } else {
      expect(result.events).toEqual([]);
      expect(result.ignored).toHaveLength(1);
      expect(result.ignored[0]!.reason).toContain(ignored);
    }
  });

  it('builds the candidate from the ceph-csi event: pod, volume, message, the event time', () => {
    const [event] = normalizeRbdLockEvent(fixture('csi-still-in-use'), RECEIVED).events;
    expect(event).toEqual({
      specversion: '1.0',
      id: expect.stringMatching(/^[0-9a-f]{32}$/),
      type: 'rbd.lock.detected',
      source: 'capstan/sources/kubernetes-event-exporter/dc2',
      time: '2025-11-20T11:09:38.000Z',
      subject: 'dc2/payments/ledger-0',
      schemaversion: '1',
      data: {
        cluster: 'dc2',
        namespace: 'payments',
        pod: 'ledger-0',
        persistentVolume: PV,
        pool: 'replicapool',
        image: CSI_IMAGE,
        symptom: 'still-in-use',
        message: `MountVolume.MountDevice failed for volume "${PV}" : rpc error: code = Internal desc = rbd image replicapool/${CSI_IMAGE} is still being used`,
        observedAt: '2025-11-20T11:09:38.000Z',
      },
    });
  });

  it('the id names one occurrence: the same on a redelivery, new on a repeat, never receivedAt', () => {
    const id = (payload: unknown, at = RECEIVED) => normalizeRbdLockEvent(payload, at).events[0]!.id;
    const first = id(fixture('csi-still-in-use'));
    expect(id(fixture('csi-still-in-use'), new Date('2025-11-20T12:00:00Z'))).toBe(first);
    const repeat = variant('csi-still-in-use', (e) => {
      e.count = 5;
      e.lastTimestamp = '2025-11-20T11:11:40Z';
    });
    expect(id(repeat)).not.toBe(first);
    expect(id(fixture('legacy-locked'))).not.toBe(first);
  });

  it('observedAt: lastTimestamp, else eventTime, else firstTimestamp, else receivedAt', () => {
    const observed = (change: (e: any) => void) =>
      normalizeRbdLockEvent(variant('csi-still-in-use', change), RECEIVED).events[0]!.data.observedAt;
    expect(
      observed((e) => {
        e.lastTimestamp = null;
        e.eventTime = '2025-11-20T11:09:30.123456Z';
      }),
    ).toBe('2025-11-20T11:09:30.123Z');
    expect(observed((e) => (e.lastTimestamp = null))).toBe('2025-11-20T11:08:02.000Z');
    expect(
      observed((e) => {
        e.lastTimestamp = null;
        delete e.firstTimestamp;
      }),
    ).toBe(RECEIVED.toISOString());
  });

  it('bounds a long message to the contract', () => {
    const long = `rbd image replicapool/img-1 is still being used ${'x'.repeat(3000)}`;
    const [event] = normalizeRbdLockEvent(variant('csi-still-in-use', withMessage(long)), RECEIVED).events;
    expect(event!.data.message).toHaveLength(2048);
  });

  it('falls back to the route cluster when clusterName is ""', () => {
    const payload = variant('csi-still-in-use', (e) => {
      e.clusterName = '';
    });
    expect(normalizeRbdLockEvent(payload, RECEIVED, 'edge-1').events[0]!.subject).toBe('edge-1/payments/ledger-0');
  });

  it('refuses, as a 400, a payload that is not an Event or names no cluster or an invalid pod', () => {
    expect(() => normalizeRbdLockEvent({ hello: 'world' }, RECEIVED)).toThrow(InvalidInputError);
    const noCluster = variant('csi-still-in-use', (e) => delete e.clusterName);
    expect(() => normalizeRbdLockEvent(noCluster, RECEIVED)).toThrow(InvalidInputError);
    const badPod = variant('csi-still-in-use', (e) => {
      e.involvedObject.name = 'Ledger_0';
    });
    expect(() => normalizeRbdLockEvent(badPod, RECEIVED)).toThrow(/involvedObject\.name/);
  });

  it('never collides with node.lost: the node-lost source passes these over, and ids differ by type', () => {
    for (const name of ['csi-still-in-use', 'multi-attach-exclusive']) {
      expect(normalizeKubernetesEvent(fixture(name), RECEIVED).events).toEqual([]);
    }
    const nodeNotReady = variant('csi-still-in-use', (e) => {
      e.reason = 'NodeNotReady';
      e.source = { component: 'node-controller' };
    });
    const nodeLostId = normalizeKubernetesEvent(nodeNotReady, RECEIVED).events[0]!.id;
    const rbdId = normalizeRbdLockEvent(
      variant('csi-still-in-use', (e) => {
        e.source = { component: 'node-controller' };
      }),
      RECEIVED,
    ).events[0]!.id;
    expect(rbdId).not.toBe(nodeLostId);
  });
});
