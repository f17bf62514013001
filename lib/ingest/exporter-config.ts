import { stringify } from 'yaml';
import { RBD_SYMPTOM_REASONS } from '../sources/rbd-symptoms.ts';

/**
 * The part of kubernetes-event-exporter's config that matters to capstan: only what lib/sources/kube-candidates.ts
 * can take as a candidate goes to capstan, so the exporter's other Events stay out of the edge. NodeNotReady on
 * a Node or a Pod (node.lost), and a pod's Warning FailedMount or FailedAttachVolume (rbd.lock.detected: the
 * route reads the message, which no rule here repeats, so the two cannot drift apart). Each is a route of its
 * own: the exporter sends an Event to the receiver of every rule of a route that matches it (pkg/exporter/route.go),
 * and the two never match one Event. The rules are unanchored regular expressions, hence `^...$`. No rule on the
 * component: an Event recorded through events.k8s.io names its controller in `reportingComponent` only, and
 * the route itself checks it is node-controller's.
 */
const route = (receiver: string) => ({
  routes: [
    { match: [{ receiver, kind: '^(Node|Pod)$', reason: '^NodeNotReady$' }] },
    { match: [{ receiver, kind: '^Pod$', type: '^Warning$', reason: `^(${RBD_SYMPTOM_REASONS.join('|')})$` }] },
  ],
});

const RECEIVER = 'capstan';

/**
 * The webhook sink for one cluster, with the default layout (none: the exporter then sends the whole enhanced
 * Event, which is what the route reads). `clusterName` is optional here (the URL names the cluster) and set for
 * the other sinks the exporter may have; if it is set it must be this cluster, or capstan answers 403.
 */
export const webhookExporterConfig = (o: { cluster: string; url: string; token: string }) =>
  stringify({
    clusterName: o.cluster,
    route: route(RECEIVER),
    receivers: [{ name: RECEIVER, webhook: { endpoint: o.url, headers: { Authorization: `Bearer ${o.token}` } } }],
  });

/**
 * The SQS sink: the kubeEvents queue (by name: the sink looks its URL up with GetQueueUrl), which only the
 * exporter's IAM role may send to. No route names the cluster there, so `clusterName` is required.
 */
export const sqsExporterConfig = (o: { cluster: string; queueName: string; region: string }) =>
  stringify({
    clusterName: o.cluster,
    route: route(RECEIVER),
    receivers: [{ name: RECEIVER, sqs: { queueName: o.queueName, region: o.region } }],
  });
