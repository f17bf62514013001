import { NameSchema } from '../../events/envelope.ts';
import { InvalidInputError, messageOf } from '../errors.ts';
import type { Enqueue } from '../queue/send.ts';
import { verifyBearer } from '../sources/auth.ts';
import type { Headers } from '../sources/index.ts';
import { kubeEventCandidates } from '../sources/kube-candidates.ts';
import { header } from '../sources/types.ts';
import { type HttpAnswer, tooLarge } from './answer.ts';
import { MAX_HOOK_BODY_BYTES } from './body.ts';
import { kubernetesHookToken } from './hook-secret.ts';

/** kubernetes-event-exporter's webhook sink, one route per cluster (lib/topology.ts lists it). */
export const KUBERNETES_HOOK_ROUTE = '/hooks/kubernetes/{cluster}';

export interface KubeHookRequest {
  readonly rawBody: string;
  readonly headers: Headers;
  /** The route's `{cluster}` path parameter, percent-decoded. */
  readonly cluster: string | undefined;
}

const refused = (status: number, error: string, reason: string): HttpAnswer => ({ status, body: { error, reason } });

/**
 * POST /hooks/kubernetes/<cluster>: one core/v1 Event as kubernetes-event-exporter's webhook sink sends it with
 * its default layout (the Event inline, `clusterName`, the enriched `involvedObject`; lib/sources/k8s-events.ts),
 * authenticated by that cluster's own bearer token (hook-secret.ts). node-controller's NodeNotReady becomes a
 * node.lost candidate, a pod's Warning that its RBD volume is held elsewhere (FailedMount, FailedAttachVolume;
 * lib/sources/rbd-symptoms.ts) an rbd.lock.detected one, both on the heal queue (lib/sources/kube-candidates.ts);
 * every other Event is answered as ignored with its reason.
 * The exporter logs a non-2xx answer and moves on, so every refusal is a 4xx that says why.
 */
export const acceptKubeHook = async (
  req: KubeHookRequest,
  ingestToken: string,
  enqueue: Enqueue,
  now: Date = new Date(),
): Promise<HttpAnswer> => {
  // Size first: it needs no work, and an oversized body is never read.
  if (Buffer.byteLength(req.rawBody) > MAX_HOOK_BODY_BYTES) return tooLarge(MAX_HOOK_BODY_BYTES);
  const cluster = NameSchema.safeParse(req.cluster);
  if (!cluster.success) {
    // No token is ever derived for such a name (`capstan hooks` refuses it), so there is nothing to authenticate.
    return refused(400, 'invalid-cluster', `cluster in the path ${cluster.error.issues[0]?.message ?? 'is invalid'}`);
  }
  const auth = verifyBearer(header(req.headers, 'authorization'), kubernetesHookToken(ingestToken, cluster.data));
  if (!auth.ok) return refused(401, 'unauthorized', auth.reason);
  const type = (header(req.headers, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') {
    return refused(415, 'unsupported-media-type', 'kubernetes-event-exporter sends application/json');
  }
  let payload: unknown;
  try {
    payload = JSON.parse(req.rawBody);
  } catch (error) {
    return refused(400, 'invalid-payload', `kubernetes-event-exporter body is not JSON: ${messageOf(error)}`);
  }
  const claimed = claimedCluster(payload);
  if (claimed !== undefined && claimed !== cluster.data) {
    // The token authenticates the route's cluster only: it must not speak for another.
    return refused(
      403,
      'forbidden',
      `clusterName ${JSON.stringify(claimed).slice(0, 80)} is not the route's cluster ${cluster.data}`,
    );
  }
  let candidates: ReturnType<typeof kubeEventCandidates>;
  try {
    candidates = kubeEventCandidates(payload, now, cluster.data);
  } catch (error) {
    // Whatever fails while reading the exporter's bytes is about those bytes: a 4xx, never a 5xx.
    const reason =
      error instanceof InvalidInputError ? messageOf(error) : 'kubernetes-event-exporter payload could not be read';
    return refused(400, 'invalid-payload', reason);
  }
  for (const event of candidates.events) await enqueue(event);
  return {
    status: 202,
    body: { accepted: candidates.events.map((e) => e.id), ignored: candidates.ignored.map((i) => i.reason) },
  };
};

/** The exporter's `clusterName` when it names one ("" is its default: no cluster configured, the route's holds). */
const claimedCluster = (payload: unknown): string | undefined => {
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) return undefined;
  const name = (payload as { clusterName?: unknown }).clusterName;
  return typeof name === 'string' && name !== '' ? name : undefined;
};
