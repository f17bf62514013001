import { z } from 'zod';
import { NameSchema, SCHEMA_VERSION } from '../../events/envelope.ts';
import { SubdomainSchema } from '../../events/fields.ts';
import { HpaThresholdHitEventSchema, type ScaleTarget } from '../../events/hpa-threshold-hit.ts';
import { eventId, type HpaThresholdHit, type HpaThresholdHitData } from '../../events/index.ts';
import { formatIssue } from '../issues.ts';
import type { HpaCandidates } from './alertmanager.ts';
import { isoTime } from './image-event.ts';
import { parsePayload, readJson } from './payload.ts';

/**
 * A CloudWatch alarm's state change, as SNS delivers it to the `alarms` queue (formats section 7) -> an
 * `hpa.threshold.hit` candidate (issue 12). The body is the SNS envelope with the alarm JSON as the *string*
 * `Message` (raw delivery off, as the stack subscribes the queue); a raw-delivery body (the alarm JSON itself) is
 * read the same, since an operator may subscribe the queue to a topic of their own that way.
 *
 * The alarm names its workload by its metric's dimensions, capstan's convention (README, CloudWatch alarms):
 * `ClusterName` (a capstan cluster), `Namespace`, and one of `HorizontalPodAutoscaler`, `Deployment` or
 * `StatefulSet`. `ALARM` is firing, `OK` resolved; `INSUFFICIENT_DATA` says nothing about load and is passed over,
 * as is an alarm capstan cannot place (a composite alarm has no metric, a metric-math alarm no single one's
 * dimensions). The id is the alarm's ARN, state change time and new state: SNS and SQS deliver at least once, and
 * a redelivery is the same event.
 */

export const CLOUDWATCH = 'cloudwatch';

const SnsNotificationSchema = z.looseObject({
  Type: z.string(),
  MessageId: z.string().optional(),
  TopicArn: z.string().optional(),
  Message: z.string(),
});

const DimensionSchema = z.looseObject({ name: z.string(), value: z.string() });

export const AlarmMessageSchema = z.looseObject({
  AlarmName: z.string().min(1),
  AlarmArn: z.string().min(1),
  NewStateValue: z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']),
  OldStateValue: z.string().optional(),
  NewStateReason: z.string().optional(),
  StateChangeTime: z.string().min(1),
  Trigger: z
    .looseObject({
      MetricName: z.string().optional(),
      Namespace: z.string().optional(),
      Dimensions: z.array(DimensionSchema).optional(),
      Threshold: z.number().optional(),
      ComparisonOperator: z.string().optional(),
    })
    .optional(),
});
type AlarmMessage = z.infer<typeof AlarmMessageSchema>;

/** The dimensions that name the workload, and what kind each names (first found wins, an HPA first). */
const TARGET_DIMENSIONS: readonly [string, ScaleTarget['kind']][] = [
  ['HorizontalPodAutoscaler', 'HorizontalPodAutoscaler'],
  ['Deployment', 'Deployment'],
  ['StatefulSet', 'StatefulSet'],
];
const CPU_METRIC = /cpu/i;

/**
 * CloudWatch writes `2026-12-02T10:00:00.123+0000`: RFC 3339 wants the offset as `+00:00`; then UTC like every
 * other source's time. Undefined when it is not a time at all.
 */
export const cloudwatchTime = (time: string): string | undefined => {
  const rfc3339 = time.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  return Number.isNaN(Date.parse(rfc3339)) ? undefined : isoTime(rfc3339);
};

/** The first datapoint of `NewStateReason` ("... 1 datapoint [93.5 (02/12/26 10:00:00)] was greater than ..."). */
const datapoint = (reason: string | undefined): number | undefined => {
  const match = /\[(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?) \(/.exec(reason ?? '');
  return match ? Number(match[1]) : undefined;
};

/** The alarm JSON: the SNS envelope's `Message`, or the body itself under raw delivery. */
const alarmOf = (payload: unknown): unknown => {
  const envelope = SnsNotificationSchema.safeParse(payload);
  if (!envelope.success) return payload; // raw delivery (or not an alarm at all: the alarm schema says why)
  if (envelope.data.Type !== 'Notification') return { notSns: envelope.data.Type };
  return readJson(CLOUDWATCH, envelope.data.Message);
};

const candidate = (alarm: AlarmMessage): HpaThresholdHit | string => {
  const name = alarm.AlarmName.slice(0, 256);
  if (alarm.NewStateValue === 'INSUFFICIENT_DATA') return `alarm ${name}: INSUFFICIENT_DATA says nothing about load`;
  if (!alarm.Trigger) return `alarm ${name} has no Trigger (a composite alarm): it names no workload`;
  const dimensions = alarm.Trigger.Dimensions;
  if (!dimensions) return `alarm ${name} has no metric dimensions (a metric-math alarm?): it names no workload`;
  const dim = (key: string) => dimensions.find((d) => d.name === key)?.value;
  const cluster = dim('ClusterName');
  if (!cluster || !NameSchema.safeParse(cluster).success) {
    return `alarm ${name}: dimension ClusterName ${cluster === undefined ? 'is missing' : `"${cluster.slice(0, 80)}" is not a capstan cluster name`}`;
  }
  const namespace = dim('Namespace');
  if (!namespace || !NameSchema.safeParse(namespace).success) {
    return `alarm ${name}: dimension Namespace ${namespace === undefined ? 'is missing' : `"${namespace.slice(0, 80)}" is not a Kubernetes namespace`}`;
  }
  const found = TARGET_DIMENSIONS.find(([key]) => dim(key) !== undefined);
  if (!found) return `alarm ${name}: no HorizontalPodAutoscaler, Deployment or StatefulSet dimension`;
  const [key, kind] = found;
  const targetName = dim(key) as string;
  if (!SubdomainSchema.safeParse(targetName).success) {
    return `alarm ${name}: dimension ${key} "${targetName.slice(0, 80)}" is not a Kubernetes name`;
  }
  const metric = alarm.Trigger.MetricName ?? '';
  // An alarm on an HPA says it is at its limit, whatever it measures; on a workload, only CPU is a reason to
  // scale. An alarm that fires below its threshold (LessThan...) says the load is gone: a scale-in alarm.
  const below = (alarm.Trigger.ComparisonOperator ?? '').startsWith('LessThan');
  let signal: HpaThresholdHitData['signal'];
  if (below && (kind === 'HorizontalPodAutoscaler' || CPU_METRIC.test(metric))) signal = 'cpu-low';
  else if (kind === 'HorizontalPodAutoscaler') signal = 'maxed-out';
  else if (CPU_METRIC.test(metric)) signal = 'cpu-high';
  else return `alarm ${name}: metric ${metric.slice(0, 80) || '(none)'} of a ${kind} is not one capstan scales on`;
  const time = cloudwatchTime(alarm.StateChangeTime);
  if (!time) return `alarm ${name}: StateChangeTime "${alarm.StateChangeTime.slice(0, 80)}" is not a time`;
  const value = datapoint(alarm.NewStateReason);
  const event = HpaThresholdHitEventSchema.safeParse({
    specversion: '1.0',
    id: eventId([CLOUDWATCH, alarm.AlarmArn, alarm.StateChangeTime, alarm.NewStateValue]),
    type: 'hpa.threshold.hit',
    source: CLOUDWATCH,
    time,
    subject: `${cluster}/${namespace}/${kind}/${targetName}`,
    schemaversion: SCHEMA_VERSION,
    data: {
      cluster,
      namespace,
      target: { kind, name: targetName },
      signal,
      status: alarm.NewStateValue === 'ALARM' ? 'firing' : 'resolved',
      ...(value !== undefined && Number.isFinite(value) ? { value } : {}),
      ...(alarm.Trigger.Threshold !== undefined && Number.isFinite(alarm.Trigger.Threshold)
        ? { threshold: alarm.Trigger.Threshold }
        : {}),
      // CloudWatch says when the state changed, not when the breach began: that moment is the one it gives.
      startsAt: time,
      alertName: name,
      producer: 'cloudwatch',
    },
  });
  if (!event.success) return `alarm ${name}: ${formatIssue(event.error.issues[0] as z.core.$ZodIssue)}`;
  return event.data;
};

/**
 * One SQS body from the alarms queue -> at most one candidate, or why not. Throws InvalidInputError for what can
 * never be an alarm (not JSON, no alarm in it), which the consumer sends to the DLQ with the reason.
 */
export const normalizeCloudWatch = (body: string): HpaCandidates => {
  const payload = alarmOf(readJson(CLOUDWATCH, body));
  if (payload && typeof payload === 'object' && 'notSns' in payload) {
    // SQS subscriptions confirm themselves: any other SNS message type is not an alarm, and nothing to retry.
    const type = String((payload as { notSns: unknown }).notSns).slice(0, 80);
    return { events: [], ignored: [{ alert: `SNS ${type}`, reason: `SNS message of Type ${type} is not an alarm` }] };
  }
  const alarm = parsePayload(CLOUDWATCH, AlarmMessageSchema, payload);
  const made = candidate(alarm);
  const which = alarm.AlarmName.slice(0, 256);
  return typeof made === 'string'
    ? { events: [], ignored: [{ alert: which, reason: made }] }
    : { events: [made], ignored: [] };
};
