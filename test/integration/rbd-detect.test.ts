import { request } from 'node:https';
import { type CoreV1Event, KubeConfig, type KubernetesObject, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RbdLockDetected } from '../../events/index.ts';
import { sweepRbdSymptoms } from '../../lib/heal/use-cases/sweep-rbd.ts';
import { kubernetesHookToken } from '../../lib/ingest/hook-secret.ts';
import { acceptKubeHook } from '../../lib/ingest/kube-hook.ts';
import { applyAll } from '../../lib/kube/apply.ts';
import { connector, type KubeClients } from '../../lib/kube/connect.ts';
import { gatewayOf, type KubeGateway } from '../../lib/kube/gateway.ts';
import { mergePatch } from '../../lib/kube/optimistic.ts';
import { capstanRules } from '../../lib/kube/rbac.ts';
import { rbdSymptomReader } from '../../lib/sources/rbd-symptoms.ts';
import { type RecordedEvent, warningEventsContract } from '../contract/kube-events.ts';
import { uniqueName } from '../support/aws.ts';
import { connect, eventually, localClusters } from '../support/kube.ts';
import { kubeconfigWithToken } from '../support/service-account.ts';

// RBD detection by the sweep, on a real kube-apiserver: Warning Events shaped like ceph-csi's and the attach/detach
// controller's, listed through the gateway as a service account granted exactly capstan's ClusterRole rules, and
// the same Events, as the apiserver serializes them (what kubernetes-event-exporter forwards), posted to the
// kubernetes route: one id for one occurrence, whoever reports it.
const [cluster] = localClusters();
const name = uniqueName('capstan-rbd');
const namespace = name;
const INGEST = 'k3XbV9qLw2Rr7TzN4pYd-ingest-token';
let admin: KubeClients;
let asCapstan: KubeGateway;
let pod: V1Pod;

const grants = (): KubernetesObject[] => [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
  { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name },
    rules: [...capstanRules],
  } as KubernetesObject,
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
    subjects: [{ kind: 'ServiceAccount', name, namespace }],
  } as KubernetesObject,
];

beforeAll(async () => {
  admin = await connect(cluster!);
  await applyAll(admin, grants());
  const { status } = await admin.core.createNamespacedServiceAccountToken({
    name,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 600 } },
  });
  const path = kubeconfigWithToken(cluster!.credentials as { path: string; context: string }, status?.token);
  const clients = await connector()({ ...cluster!, credentials: { kind: 'kubeconfig', path, context: 'capstan' } });
  asCapstan = gatewayOf(clients);
  // A pod the Events are about (never scheduled: nothing here needs it to run).
  pod = await admin.core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name: 'ledger-0', labels: { 'app.kubernetes.io/name': 'ledger' } },
      spec: { containers: [{ name: 'app', image: 'ledger:1' }], nodeSelector: { 'capstan.test/none': 'none' } },
    },
  });
  // The authorizer sees new bindings through its informers, a moment later.
  await eventually('events listable as the service account', () => asCapstan.listWarningEvents(['FailedMount']));
});

afterAll(async () => {
  if (!admin) return;
  for (const object of grants().slice(2).reverse()) await admin.objects.delete(object).catch(() => undefined);
  await admin.core.deleteNamespace({ name: namespace }).catch(() => undefined);
});

/** A core/v1 Event on the suite's pod, as the kubelet (legacy recorder) or a controller records it. */
const createEvent = (body: Partial<CoreV1Event> & { metadata: { name: string } }) =>
  admin.core.createNamespacedEvent({
    namespace,
    body: {
      involvedObject: {
        apiVersion: 'v1',
        kind: 'Pod',
        name: 'ledger-0',
        namespace,
        uid: pod.metadata?.uid,
        resourceVersion: pod.metadata?.resourceVersion,
      },
      ...body,
      metadata: { ...body.metadata, namespace },
    } as CoreV1Event,
  });

/** The Event as the apiserver serializes it (Go's encoding/json, as the exporter's informer then re-marshals it). */
const rawEvent = async (eventName: string): Promise<Record<string, unknown>> => {
  const kc = new KubeConfig();
  const ref = cluster!.credentials as { path: string; context: string };
  kc.loadFromFile(ref.path);
  kc.setCurrentContext(ref.context);
  const url = new URL(`${kc.getCurrentCluster()!.server}/api/v1/namespaces/${namespace}/events/${eventName}`);
  const options = { method: 'GET', hostname: url.hostname, port: url.port, path: url.pathname, headers: {} };
  await kc.applyToHTTPSOptions(options);
  return new Promise((resolve, reject) => {
    const req = request(options, (res) => {
      let body = '';
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(body)) : reject(new Error(body))));
    });
    req.on('error', reject);
    req.end();
  });
};

/** kubernetes-event-exporter's webhook sink: the Event inline, its default clusterName "", the enriched reference. */
const postAsExporter = async (event: Record<string, unknown>) => {
  const involvedObject = event.involvedObject as Record<string, unknown>;
  const exported = {
    ...event,
    involvedObject: { ...involvedObject, labels: pod.metadata?.labels, annotations: {}, deleted: false },
    clusterName: '',
  };
  const sent: unknown[] = [];
  const answer = await acceptKubeHook(
    {
      rawBody: JSON.stringify(exported),
      headers: {
        authorization: `Bearer ${kubernetesHookToken(INGEST, cluster!.name)}`,
        'content-type': 'application/json',
      },
      cluster: cluster!.name,
    },
    INGEST,
    async (e) => void sent.push(e),
  );
  return { ...answer, sent };
};

warningEventsContract(() => ({
  gateway: asCapstan,
  namespace: `${namespace}-contract`,
  record: async (e: RecordedEvent) => {
    await admin.core
      .createNamespace({ body: { metadata: { name: `${namespace}-contract` } } })
      .catch((error: { code?: number }) => {
        if (error.code !== 409) throw error;
      });
    await admin.core.createNamespacedEvent({
      namespace: `${namespace}-contract`,
      body: {
        metadata: { name: e.name, namespace: `${namespace}-contract` },
        involvedObject: { kind: 'Pod', name: e.pod, namespace: `${namespace}-contract` },
        type: e.type,
        reason: e.reason,
        message: e.message,
        count: e.count,
        firstTimestamp: e.at,
        lastTimestamp: e.at,
        source: { component: 'kubelet' },
      },
    });
  },
}));

afterAll(async () => {
  await admin?.core.deleteNamespace({ name: `${namespace}-contract` }).catch(() => undefined);
});

describe('RBD symptoms on a real kube-apiserver, as capstan', () => {
  it("the sweep's candidates for ceph-csi's FailedMount and a Multi-Attach error have the exporter's ids", async () => {
    const now = new Date();
    const seconds = (ago: number) => new Date(Math.floor(now.getTime() / 1000) * 1000 - ago * 1000);
    const image = 'csi-vol-0c9e8d7a-6b5c-4a3f-8e2d-1c0b9a8f7e6d';
    const pv = 'pvc-3f6d2a1e-8b7c-4d5e-9f0a-1b2c3d4e5f60';
    // ceph-csi through the kubelet's legacy recorder: count and lastTimestamp move with each retry.
    await createEvent({
      metadata: { name: 'ledger-0.mount' },
      reason: 'FailedMount',
      type: 'Warning',
      message:
        `MountVolume.MountDevice failed for volume "${pv}" : rpc error: code = Internal desc = ` +
        `rbd image replicapool/${image} is still being used`,
      source: { component: 'kubelet', host: 'worker-5' },
      reportingComponent: 'kubelet',
      reportingInstance: 'worker-5',
      firstTimestamp: seconds(300),
      lastTimestamp: seconds(20),
      count: 4,
    });
    // The attach/detach controller through events.k8s.io: eventTime in microseconds, no count, no lastTimestamp.
    await createEvent({
      metadata: { name: 'ledger-0.attach' },
      reason: 'FailedAttachVolume',
      type: 'Warning',
      message: `Multi-Attach error for volume "${pv}" Volume is already exclusively attached to one node and can't be attached to another`,
      eventTime: `${seconds(40).toISOString().slice(0, 19)}.123456Z` as unknown as Date,
      action: 'Attaching',
      reportingComponent: 'attachdetach-controller',
      reportingInstance: 'kube-controller-manager',
    });
    // An events.k8s.io series: first seen (eventTime) long ago, last observed (series) just now.
    await createEvent({
      metadata: { name: 'ledger-0.series' },
      reason: 'FailedAttachVolume',
      type: 'Warning',
      message: `Multi-Attach error for volume "${pv}" Volume is already used by pod(s) ledger-0-old`,
      eventTime: `${seconds(1800).toISOString().slice(0, 19)}.654321Z` as unknown as Date,
      series: { count: 7, lastObservedTime: `${seconds(15).toISOString().slice(0, 19)}.000001Z` as unknown as Date },
      action: 'Attaching',
      reportingComponent: 'attachdetach-controller',
      reportingInstance: 'kube-controller-manager',
    });
    // Long gone: outside the sweep's window.
    await createEvent({
      metadata: { name: 'ledger-0.old' },
      reason: 'FailedMount',
      type: 'Warning',
      message: `MountVolume.MountDevice failed for volume "${pv}" : rbd image replicapool/${image} is still being used`,
      source: { component: 'kubelet', host: 'worker-4' },
      firstTimestamp: seconds(3000),
      lastTimestamp: seconds(3000),
      count: 1,
    });
    // A FailedMount that is no RBD lock.
    await createEvent({
      metadata: { name: 'ledger-0.timeout' },
      reason: 'FailedMount',
      type: 'Warning',
      message:
        'Unable to attach or mount volumes: unmounted volumes=[data], unattached volumes=[]: timed out waiting for the condition',
      source: { component: 'kubelet', host: 'worker-5' },
      firstTimestamp: seconds(10),
      lastTimestamp: seconds(10),
      count: 1,
    });

    const sent: RbdLockDetected[] = [];
    const [swept] = await sweepRbdSymptoms(
      {
        kube: async () => asCapstan,
        enqueue: async (e) => void sent.push(e as RbdLockDetected),
        now: () => new Date(),
        symptoms: rbdSymptomReader,
      },
      [cluster!],
    );
    expect(swept?.error).toBeUndefined();
    const ours = sent.filter((e) => e.data.namespace === namespace);
    expect(ours.map((e) => e.data.symptom).sort()).toEqual(['multi-attach', 'multi-attach', 'still-in-use']);
    expect(ours.find((e) => e.data.symptom === 'still-in-use')?.data).toMatchObject({
      cluster: cluster!.name,
      pod: 'ledger-0',
      pool: 'replicapool',
      image,
      persistentVolume: pv,
    });

    for (const eventName of ['ledger-0.mount', 'ledger-0.attach', 'ledger-0.series']) {
      const raw = await rawEvent(eventName);
      const viaWebhook = await postAsExporter(raw);
      const swept = ours.find((e) => e.data.message === raw.message)!;
      expect({ eventName, accepted: viaWebhook.body.accepted }).toEqual({ eventName, accepted: [swept.id] });
      expect(viaWebhook.sent).toEqual([
        { ...swept, source: `capstan/sources/kubernetes-event-exporter/${cluster!.name}` },
      ]);
    }
    // What made the ids agree: the apiserver spells times in seconds or microseconds, the client as Dates.
    expect((await rawEvent('ledger-0.mount')).lastTimestamp).toMatch(/:\d\dZ$/);
    expect((await rawEvent('ledger-0.attach')).eventTime).toMatch(/\.123456Z$/);
  });

  it('a repeat of the same Event (count + 1, the kubelet retrying) is a new candidate, swept and posted alike', async () => {
    const before = await rawEvent('ledger-0.mount');
    const first = (await postAsExporter(before)).body.accepted;
    await admin.core.patchNamespacedEvent(
      {
        namespace,
        name: 'ledger-0.mount',
        body: { count: 5, lastTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z') },
      },
      mergePatch,
    );
    const after = await rawEvent('ledger-0.mount');
    const again = (await postAsExporter(after)).body.accepted;
    expect(again).not.toEqual(first);
    const sent: RbdLockDetected[] = [];
    await sweepRbdSymptoms(
      {
        kube: async () => asCapstan,
        enqueue: async (e) => void sent.push(e as RbdLockDetected),
        now: () => new Date(),
        symptoms: rbdSymptomReader,
      },
      [cluster!],
    );
    expect(
      sent.filter((e) => e.data.namespace === namespace && e.data.symptom === 'still-in-use').map((e) => e.id),
    ).toEqual(again);
  });
});
