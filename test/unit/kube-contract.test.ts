import { beforeEach } from 'vitest';
import { deployVerbsContract } from '../contract/kube-deploy.ts';
import type { RecordedEvent } from '../contract/kube-events.ts';
import { warningEventsContract } from '../contract/kube-events.ts';
import { hpaVerbsContract, nodeVerbsContract } from '../contract/kube-nodes.ts';
import { scalingVerbsContract } from '../contract/kube-scaling.ts';
import { volumeVerbsContract } from '../contract/kube-volumes.ts';
import { memoryKube } from '../doubles/kube.ts';
import { readyNode } from '../doubles/kube-nodes.ts';

// The in-memory double of the deploy, healing, freeing and scaling verbs, held to the contract the real adapter passes.
let fixture: ReturnType<typeof setUp>;

const setUp = () => {
  const kube = memoryKube();
  const state = kube.nodes('east');
  state.nodes.set('east-1', readyNode('east-1'));
  state.hpas.set('shop/web', {
    namespace: 'shop',
    name: 'web',
    target: 'Deployment/web',
    minReplicas: 1,
    maxReplicas: 3,
    currentReplicas: 1,
    desiredReplicas: 1,
    conditions: [],
  });
  // A ceph-csi volume bound to shop/data, attached to east-1 (as the attach/detach controller and the
  // external-attacher leave it).
  state.claims.set('shop/data', { namespace: 'shop', name: 'data', volumeName: 'pv-data', phase: 'Bound' });
  state.persistentVolumes.set('pv-data', {
    metadata: { name: 'pv-data' },
    spec: {
      claimRef: { namespace: 'shop', name: 'data' },
      csi: {
        driver: 'rbd.csi.ceph.com',
        volumeHandle: 'h',
        volumeAttributes: { pool: 'replicapool', imageName: 'img' },
      },
    },
  });
  state.volumeAttachments.set('csi-data', {
    name: 'csi-data',
    attacher: 'rbd.csi.ceph.com',
    node: 'east-1',
    persistentVolume: 'pv-data',
    attached: true,
    deleting: false,
  });
  // As the real adapter lists them: the API client's Dates as toISOString(), zero times left out.
  const record = async (e: RecordedEvent) => {
    const uid = `uid-${e.name}`;
    state.events.set(uid, {
      metadata: { name: e.name, namespace: 'shop', uid },
      involvedObject: { kind: 'Pod', name: e.pod, namespace: 'shop' },
      type: e.type,
      reason: e.reason,
      message: e.message,
      count: e.count,
      firstTimestamp: e.at.toISOString(),
      lastTimestamp: e.at.toISOString(),
    });
  };
  return {
    gateway: kube.gateway('east'),
    node: 'east-1',
    namespace: 'shop',
    name: 'web',
    claim: 'data',
    volume: 'pv-data',
    pool: 'replicapool',
    image: 'img',
    record,
  };
};

beforeEach(() => {
  fixture = setUp();
});

nodeVerbsContract(() => fixture);
hpaVerbsContract(() => fixture);
scalingVerbsContract(() => fixture);
volumeVerbsContract(() => fixture);
deployVerbsContract(() => fixture);
warningEventsContract(() => fixture);
