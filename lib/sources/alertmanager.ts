import { z } from 'zod';
import { NameSchema, SCHEMA_VERSION } from '../../events/envelope.ts';
import { SubdomainSchema } from '../../events/fields.ts';
import { HpaThresholdHitEventSchema, type ScaleTarget } from '../../events/hpa-threshold-hit.ts';
import { eventId, type HpaThresholdHit, type HpaThresholdHitData } from '../../events/index.ts';
import { formatIssue } from '../issues.ts';
import { isoTime } from './image-event.ts';
import { parsePayload } from './payload.ts';
import type { Ignored } from './types.ts';

/**
 * Prometheus Alertmanager's webhook (formats section 6, `version` "4") -> `hpa.threshold.hit` candidates
 * (issue 12). A notification carries its whole group, firing and newly resolved alerts alike, and a
 * resolved alert may come again later: each alert is one candidate whose id is its fingerprint, startsAt
 * and status, so a repeat is the same event and the consumer's idempotency takes it once. Alerts capstan
 * cannot act on (another alertname, no namespace or workload) are passed over with their reason, never an
 * error: Alertmanager does not retry a 4xx and would only send them again. The route (lib/ingest/alertmanager-hook.ts)
 * serves every cluster, so it asks for a `cluster` label (`requireCluster`); without it there is no telling which
 * cluster's workload is meant.
 */

export const ALERTMANAGER = 'alertmanager';

const AlertSchema = z.looseObject({
  status: z.enum(['firing', 'resolved']),
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()).default({}),
  startsAt: z.string(),
  endsAt: z.string().optional(),
  fingerprint: z.string().regex(/^[0-9a-f]{1,32}$/, 'must be the alert fingerprint (hex)'),
});

export const AlertmanagerPayloadSchema = z.looseObject({
  version: z.literal('4'),
  groupKey: z.string(),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string(),
  alerts: z.array(AlertSchema).max(1000),
});
export type AlertmanagerPayload = z.infer<typeof AlertmanagerPayloadSchema>;
type Alert = z.infer<typeof AlertSchema>;

/** An alert passed over: which one (its alertname and fingerprint, as Alertmanager's UI shows them) and why. */
export interface IgnoredAlert extends Ignored {
  readonly alert: string;
}

export interface HpaCandidates {
  readonly events: HpaThresholdHit[];
  readonly ignored: IgnoredAlert[];
}

export interface AlertmanagerOptions {
  /** Pass over an alert without a usable `cluster` label (the shared route cannot tell its cluster otherwise). */
  readonly requireCluster?: boolean;
}

/** kubernetes-mixin's HPA alerts, and CPU alerts labelled with their workload. */
const SIGNALS: Readonly<Record<string, HpaThresholdHitData['signal']>> = {
  KubeHpaMaxedOut: 'maxed-out',
  KubeHpaReplicasMismatch: 'replicas-mismatch',
};
/**
 * A custom CPU alert by its name: `...CPU...High` / `HighCPU...` asks for room, `...CPU...Low` / `LowCPU...`
 * says the load is gone; anything else naming CPU (the mixin's `CPUThrottlingHigh`, which a higher ceiling
 * does not cure) is not one capstan scales on.
 */
const cpuSignalOf = (name: string): 'cpu-high' | 'cpu-low' | undefined => {
  if (!/cpu/i.test(name) || /throttl/i.test(name)) return undefined;
  if (/low|idle|under/i.test(name)) return 'cpu-low';
  if (/high|hot|over|saturat|usage|utili[sz]ation/i.test(name)) return 'cpu-high';
  return undefined;
};

/**
 * The alertnames capstan scales on, as an Alertmanager matcher (RE2, anchored by Alertmanager): a route with it
 * sends capstan only what `candidate` can map (lib/ingest/alertmanager-config.ts).
 */
export const ALERTNAME_MATCHER = `alertname=~"${Object.keys(SIGNALS).join('|')}|.*(?i:cpu).*"`;

const targetOf = (labels: Record<string, string>): ScaleTarget | string => {
  const pick = (kind: ScaleTarget['kind'], label: string): ScaleTarget | string | undefined => {
    const name = labels[label];
    if (!name) return undefined; // Prometheus: an empty label is no label
    return SubdomainSchema.safeParse(name).success
      ? { kind, name }
      : `label ${label} "${name}" is not a Kubernetes name`;
  };
  return (
    pick('HorizontalPodAutoscaler', 'horizontalpodautoscaler') ??
    pick('Deployment', 'deployment') ??
    pick('StatefulSet', 'statefulset') ??
    'it names no horizontalpodautoscaler, deployment or statefulset label'
  );
};

const alertNameOf = (alert: Alert) => (alert.labels.alertname ?? '(no alertname)').slice(0, 256);

const candidate = (alert: Alert, options: AlertmanagerOptions): HpaThresholdHit | Ignored => {
  const { labels } = alert;
  const name = alertNameOf(alert);
  const signal = SIGNALS[name] ?? cpuSignalOf(name);
  if (!signal) return { reason: `alert ${name} is not one capstan scales on` };
  const namespace = labels.namespace;
  if (!namespace || !NameSchema.safeParse(namespace).success) {
    return { reason: `alert ${name}: no namespace label capstan can use` };
  }
  const target = targetOf(labels);
  if (typeof target === 'string') return { reason: `alert ${name}: ${target}` };
  const cluster = labels.cluster && NameSchema.safeParse(labels.cluster).success ? labels.cluster : undefined;
  if (options.requireCluster && !cluster) {
    return {
      reason: labels.cluster
        ? `alert ${name}: label cluster "${labels.cluster.slice(0, 80)}" is not a capstan cluster name`
        : `alert ${name}: no cluster label (set it in Prometheus external_labels or a relabel rule)`,
    };
  }
  if (Number.isNaN(Date.parse(alert.startsAt)))
    return { reason: `alert ${name}: startsAt "${alert.startsAt}" is not a time` };
  const startsAt = isoTime(alert.startsAt);
  // The producer's own moment, so a repeat is the same event: when it resolved, else when it began.
  const ended = alert.status === 'resolved' && alert.endsAt && !Number.isNaN(Date.parse(alert.endsAt));
  const time = ended && alert.endsAt ? isoTime(alert.endsAt) : startsAt;
  const value = Number(alert.annotations.value);
  const event = HpaThresholdHitEventSchema.safeParse({
    specversion: '1.0',
    id: eventId([ALERTMANAGER, alert.fingerprint, startsAt, alert.status]),
    type: 'hpa.threshold.hit',
    source: ALERTMANAGER,
    time,
    subject: `${cluster ?? '-'}/${namespace}/${target.kind}/${target.name}`,
    schemaversion: SCHEMA_VERSION,
    data: {
      ...(cluster ? { cluster } : {}),
      namespace,
      target,
      signal,
      status: alert.status,
      ...(Number.isFinite(value) && alert.annotations.value !== undefined ? { value } : {}),
      startsAt,
      alertName: name.slice(0, 256),
      producer: 'alertmanager',
    },
  });
  // A value the contract refuses (a time past the year 9999) is this alert's problem, not the notification's.
  if (!event.success) return { reason: `alert ${name}: ${formatIssue(event.error.issues[0] as z.core.$ZodIssue)}` };
  return event.data;
};

/** One notification -> a candidate per alert capstan can act on; the rest passed over with why. */
export const normalizeAlertmanager = (payload: unknown, options: AlertmanagerOptions = {}): HpaCandidates => {
  const notification = parsePayload(ALERTMANAGER, AlertmanagerPayloadSchema, payload);
  const events: HpaThresholdHit[] = [];
  const ignored: IgnoredAlert[] = [];
  for (const alert of notification.alerts) {
    const made = candidate(alert, options);
    if ('reason' in made) ignored.push({ alert: `${alertNameOf(alert)} ${alert.fingerprint}`, reason: made.reason });
    else events.push(made);
  }
  return { events, ignored };
};
