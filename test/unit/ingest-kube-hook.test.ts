import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CapstanEvent } from '../../events/index.ts';
import { MAX_HOOK_BODY_BYTES } from '../../lib/ingest/body.ts';
import { hookSecret, kubernetesHookToken } from '../../lib/ingest/hook-secret.ts';
import { acceptKubeHook } from '../../lib/ingest/kube-hook.ts';
import { acceptQueuedKubeEvent } from '../../lib/ingest/queued-source.ts';
import { destinationOf } from '../../lib/queue/send.ts';
import { normalizeKubernetesEvent } from '../../lib/sources/k8s-events.ts';
import { normalizeRbdLockEvent } from '../../lib/sources/rbd-symptoms.ts';

const INGEST = 'k3XbV9qLw2Rr7TzN4pYd-ingest-token';
const NOW = new Date('2025-11-20T11:02:07.000Z');
const fixture = (name: string) => readFileSync(new URL(`../fixtures/sources/${name}.json`, import.meta.url), 'utf8');
const nodeNotReady = fixture('k8s-event-node-not-ready'); // clusterName "dc2"

/** The queue side of the edge: what it enqueued, in order. */
const collect = () => {
  const sent: CapstanEvent[] = [];
  return { sent, enqueue: async (e: CapstanEvent) => void sent.push(e) };
};

/** A POST as the exporter's webhook sink sends it: its Content-Type, and the headers it is configured with. */
const post = async (
  cluster: string | undefined,
  rawBody: string,
  headers: Record<string, string> = {
    authorization: `Bearer ${kubernetesHookToken(INGEST, cluster ?? '')}`,
    'content-type': 'application/json',
  },
) => {
  const { sent, enqueue } = collect();
  const answer = await acceptKubeHook({ rawBody, headers, cluster }, INGEST, enqueue, NOW);
  return { ...answer, sent };
};

const json = { 'content-type': 'application/json' };
const bearerOf = (cluster: string) => ({ ...json, authorization: `Bearer ${kubernetesHookToken(INGEST, cluster)}` });

describe('POST /hooks/kubernetes/<cluster>', () => {
  it("turns node-controller's NodeNotReady into one node.lost candidate for the heal queue", async () => {
    const answer = await post('dc2', nodeNotReady);
    const expected = normalizeKubernetesEvent(JSON.parse(nodeNotReady), NOW).events[0];
    expect(answer).toMatchObject({ status: 202, body: { accepted: [expected?.id], ignored: [] } });
    expect(answer.sent).toEqual([expected]);
    expect(answer.sent[0]).toMatchObject({
      type: 'node.lost',
      data: { cluster: 'dc2', node: 'worker-3.dc2.internal' },
    });
  });

  it('takes the route cluster when the exporter has no clusterName (its default "")', async () => {
    const answer = await post('edge-1', fixture('k8s-event-node-not-ready-no-cluster-name'));
    expect(answer.status).toBe(202);
    expect(answer.sent.map((e) => e.subject)).toEqual(['edge-1/worker-7']);
  });

  it('accepts the token in any scheme case, with the Content-Type parameters Go clients add', async () => {
    const token = kubernetesHookToken(INGEST, 'dc2');
    const answer = await post('dc2', nodeNotReady, {
      authorization: `bearer  ${token}`,
      'content-type': 'Application/JSON; charset=utf-8',
    });
    expect(answer.status).toBe(202);
  });

  it.each([
    ['no Authorization', json],
    ["another cluster's token", bearerOf('dc1')],
    ['the ingest token itself', { ...json, authorization: `Bearer ${INGEST}` }],
    ["a registry's secret", { ...json, authorization: `Bearer ${hookSecret(INGEST, 'distribution')}` }],
    ['a wrong token', { ...json, authorization: 'Bearer k3XbV9qLw2Rr7TzN4pYd-not-it' }],
    ['the token without its scheme', { ...json, authorization: kubernetesHookToken(INGEST, 'dc2') }],
  ])('refuses %s with 401 and enqueues nothing', async (_, headers) => {
    const answer = await post('dc2', nodeNotReady, headers);
    expect(answer).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
    expect(answer.sent).toEqual([]);
  });

  it("refuses an Event whose clusterName is another cluster's with 403, even with the route's right token", async () => {
    // dc1's exporter (or a stolen dc1 token) must not report dc2's nodes lost.
    const answer = await post('dc1', nodeNotReady);
    expect(answer).toMatchObject({ status: 403, body: { error: 'forbidden', reason: expect.stringContaining('dc1') } });
    expect(answer.sent).toEqual([]);
  });

  it("turns a pod's Warning NodeNotReady into a candidate naming the pod (healing reads its node)", async () => {
    const answer = await post('dc2', fixture('k8s-event-pod-node-not-ready'));
    expect(answer).toMatchObject({ status: 202, body: { accepted: [expect.any(String)], ignored: [] } });
    expect(answer.sent.map((e) => e.data)).toEqual([
      expect.objectContaining({ cluster: 'dc2', pod: { namespace: 'shop', name: 'orders-db-0' } }),
    ]);
  });

  it("refuses a pod's NodeNotReady whose pod name the contract refuses with 400, naming the exporter's field", async () => {
    const pod = JSON.parse(fixture('k8s-event-pod-node-not-ready'));
    const answer = await post(
      'dc2',
      JSON.stringify({ ...pod, involvedObject: { ...pod.involvedObject, name: 'Orders_DB' } }),
    );
    expect(answer).toMatchObject({ status: 400, body: { reason: expect.stringContaining('involvedObject.name') } });
    expect(answer.sent).toEqual([]);
  });

  it("answers the kubelet's own NodeNotReady as ignored, with the reason, and enqueues nothing", async () => {
    const kubelet = { ...JSON.parse(nodeNotReady), source: { component: 'kubelet' }, reportingComponent: 'kubelet' };
    const answer = await post('dc2', JSON.stringify(kubelet));
    expect(answer).toMatchObject({
      status: 202,
      body: { accepted: [], ignored: [expect.stringContaining('reported by "kubelet"')] },
    });
    expect(answer.sent).toEqual([]);
  });

  it('answers any other Event as ignored (an exporter routing everything here is harmless)', async () => {
    const answer = await post('dc2', fixture('k8s-event-pod-scheduled'));
    expect(answer).toMatchObject({ status: 202, body: { accepted: [], ignored: [expect.any(String)] } });
  });

  it.each([
    ['ceph-csi "rbd image <pool>/<image> is still being used"', 'rbd-event-csi-still-in-use', 'still-in-use'],
    ['the in-tree "is still being used"', 'rbd-event-in-tree-still-in-use', 'still-in-use'],
    ['the legacy "rbd: image <image> is locked by other nodes"', 'rbd-event-legacy-locked', 'locked-by-other-node'],
    ["the attach/detach controller's Multi-Attach error", 'rbd-event-multi-attach-exclusive', 'multi-attach'],
  ])('turns a pod Warning with %s into one rbd.lock.detected for the heal queue', async (_, name, symptom) => {
    const body = fixture(name);
    const answer = await post('dc2', body);
    const expected = normalizeRbdLockEvent(JSON.parse(body), NOW, 'dc2').events[0];
    expect(answer).toMatchObject({ status: 202, body: { accepted: [expected?.id], ignored: [] } });
    expect(answer.sent).toEqual([expected]);
    expect(answer.sent[0]).toMatchObject({
      type: 'rbd.lock.detected',
      subject: 'dc2/payments/ledger-0',
      data: { cluster: 'dc2', namespace: 'payments', pod: 'ledger-0', symptom },
    });
    expect(destinationOf('ingest', answer.sent[0]!)).toMatchObject({ queue: 'heal' });
  });

  it('gives an RBD symptom one id per occurrence: a redelivery is the same, a repeat (count + 1) is new', async () => {
    const event = JSON.parse(fixture('rbd-event-csi-still-in-use'));
    const first = (await post('dc2', JSON.stringify(event))).body.accepted;
    expect((await post('dc2', JSON.stringify(event))).body.accepted).toEqual(first);
    const later = new Date(NOW.getTime() + 3_600_000);
    const { sent, enqueue } = collect();
    await acceptKubeHook(
      { rawBody: JSON.stringify(event), headers: bearerOf('dc2'), cluster: 'dc2' },
      INGEST,
      enqueue,
      later,
    );
    expect(sent.map((e) => e.id)).toEqual(first);
    const repeat = { ...event, count: event.count + 1, lastTimestamp: '2025-11-20T11:11:42Z' };
    expect((await post('dc2', JSON.stringify(repeat))).body.accepted).not.toEqual(first);
  });

  it.each([
    [
      'a FailedMount that is no RBD lock (a mount timeout)',
      'rbd-event-ignored-mount-timeout',
      'not an RBD lock symptom',
    ],
    // Not a reason the RBD reader reads: the node reader's words, as for any other Event.
    ['a successful attach', 'rbd-event-ignored-attach-succeeded', 'not a NodeNotReady event'],
    ['an image in a RADOS namespace', 'rbd-event-ignored-rados-namespace', 'is not <pool>/<image>'],
    ['an image name that reads as an option', 'rbd-event-ignored-option-name', 'must be a Ceph pool or image name'],
  ])('answers %s as ignored, with the reason', async (_, name, reason) => {
    const answer = await post('dc2', fixture(name));
    expect(answer).toMatchObject({ status: 202, body: { accepted: [], ignored: [expect.stringContaining(reason)] } });
    expect(answer.sent).toEqual([]);
  });

  it('tries node.lost first: a NodeNotReady is never read as an RBD symptom, nor an RBD symptom as a lost node', async () => {
    const pod = await post('dc2', fixture('k8s-event-pod-node-not-ready'));
    expect(pod.sent.map((e) => e.type)).toEqual(['node.lost']);
    const mount = await post('dc2', fixture('rbd-event-csi-still-in-use'));
    expect(mount.sent.map((e) => e.type)).toEqual(['rbd.lock.detected']);
    expect(mount.body.accepted).not.toEqual(pod.body.accepted);
  });

  it("refuses an RBD symptom on a pod name the contract refuses with 400, naming the exporter's field", async () => {
    const event = JSON.parse(fixture('rbd-event-csi-still-in-use'));
    const bad = { ...event, involvedObject: { ...event.involvedObject, name: 'Ledger_0' } };
    const answer = await post('dc2', JSON.stringify(bad));
    expect(answer).toMatchObject({ status: 400, body: { reason: expect.stringContaining('involvedObject.name') } });
    expect(answer.sent).toEqual([]);
  });

  it('refuses an RBD symptom naming another cluster with 403', async () => {
    const answer = await post('dc1', fixture('rbd-event-csi-still-in-use'));
    expect(answer).toMatchObject({ status: 403, body: { error: 'forbidden' } });
    expect(answer.sent).toEqual([]);
  });

  it('refuses an oversized body with 413 before anything else, even unauthenticated', async () => {
    const padded = JSON.stringify({ ...JSON.parse(nodeNotReady), padding: 'x'.repeat(MAX_HOOK_BODY_BYTES) });
    expect((await post('dc2', padded)).status).toBe(413);
    expect((await post('dc2', padded, json)).status).toBe(413);
    expect((await post('Not A Name', padded, json)).status).toBe(413);
  });

  it('refuses a body that is not JSON, or not an Event, with 400', async () => {
    for (const body of ['not json', '{"metadata":', '[]', 'null', '{}', '{"clusterName":7}']) {
      const answer = await post('dc2', body);
      expect({ body, status: answer.status, error: answer.body.error }).toEqual({
        body,
        status: 400,
        error: 'invalid-payload',
      });
      expect(answer.sent).toEqual([]);
    }
    const noNode = JSON.stringify({ ...JSON.parse(nodeNotReady), involvedObject: { kind: 'Node' } });
    expect(await post('dc2', noNode)).toMatchObject({
      status: 400,
      body: { reason: expect.stringContaining('involvedObject.name') },
    });
  });

  it('refuses another Content-Type with 415', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', '']) {
      const answer = await post('dc2', nodeNotReady, { ...bearerOf('dc2'), 'content-type': type });
      expect({ type, status: answer.status }).toEqual({ type, status: 415 });
    }
    const { 'content-type': _, ...none } = bearerOf('dc2');
    expect((await post('dc2', nodeNotReady, none)).status).toBe(415);
  });

  it('refuses a path cluster that is no cluster name with 400', async () => {
    for (const cluster of ['DC2', 'dc_2', '-dc2', 'x'.repeat(64), '', undefined]) {
      const answer = await post(cluster, nodeNotReady, bearerOf(cluster ?? ''));
      expect({ cluster, status: answer.status, error: answer.body.error }).toEqual({
        cluster,
        status: 400,
        error: 'invalid-cluster',
      });
    }
  });

  it('gives each cluster a token of its own, stable for one ingest token, never a registry secret', () => {
    const tokens = ['dc1', 'dc2', 'edge-1'].map((c) => kubernetesHookToken(INGEST, c));
    expect(new Set(tokens).size).toBe(3);
    expect(kubernetesHookToken(INGEST, 'dc1')).toBe(tokens[0]);
    expect(kubernetesHookToken(`${INGEST}-rotated`, 'dc1')).not.toBe(tokens[0]);
    expect(tokens).not.toContain(INGEST);
    expect(tokens).not.toContain(hookSecret(INGEST, 'distribution'));
    expect(tokens[0]).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe("kubernetes-event-exporter's SQS sink (the kubeEvents queue)", () => {
  it('turns the Event into the same node.lost candidate the webhook does (one id for both sinks)', async () => {
    const { sent, enqueue } = collect();
    const result = await acceptQueuedKubeEvent(nodeNotReady, enqueue, NOW);
    const viaWebhook = await post('dc2', nodeNotReady);
    expect(result).toEqual({ accepted: viaWebhook.body.accepted, ignored: [] });
    expect(sent).toEqual(viaWebhook.sent);
  });

  it('turns an RBD symptom into the same rbd.lock.detected the webhook does (one id for both sinks)', async () => {
    const body = fixture('rbd-event-multi-attach-used-by-pods');
    const { sent, enqueue } = collect();
    const result = await acceptQueuedKubeEvent(body, enqueue, NOW);
    const viaWebhook = await post('dc2', body);
    expect(result).toEqual({ accepted: viaWebhook.body.accepted, ignored: [] });
    expect(sent).toEqual(viaWebhook.sent);
    expect(sent.map((e) => e.type)).toEqual(['rbd.lock.detected']);
    expect(destinationOf('kubeEvents', sent[0]!)).toMatchObject({ queue: 'heal' });
  });

  it('ignores what is no candidate, with the reason', async () => {
    const { sent, enqueue } = collect();
    const result = await acceptQueuedKubeEvent(fixture('k8s-event-pod-scheduled'), enqueue, NOW);
    expect(result).toMatchObject({ accepted: [], ignored: [expect.stringContaining('not a NodeNotReady event')] });
    expect(sent).toEqual([]);
  });

  it('refuses an Event without clusterName (no route names the cluster) and a body that is not JSON', async () => {
    const { sent, enqueue } = collect();
    await expect(
      acceptQueuedKubeEvent(fixture('k8s-event-node-not-ready-no-cluster-name'), enqueue, NOW),
    ).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('clusterName') });
    await expect(acceptQueuedKubeEvent('not json', enqueue, NOW)).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringContaining('not JSON'),
    });
    expect(sent).toEqual([]);
  });
});
