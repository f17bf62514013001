import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { eventId } from '../../events/index.ts';
import { InvalidInputError } from '../../lib/errors.ts';
import { cloudwatchTime, normalizeCloudWatch } from '../../lib/sources/cloudwatch.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/sources/${name}.json`, import.meta.url), 'utf8');
const ARN = 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:';

/** The SNS envelope of a fixture with its alarm changed by `change`. */
const withAlarm = (name: string, change: (alarm: Record<string, any>) => void): string => {
  const envelope = JSON.parse(fixture(name));
  const alarm = JSON.parse(envelope.Message);
  change(alarm);
  return JSON.stringify({ ...envelope, Message: JSON.stringify(alarm) });
};
const dims = (pairs: [string, string][]) => pairs.map(([name, value]) => ({ value, name }));

describe('normalizeCloudWatch: the SNS envelope of an alarm state change -> hpa.threshold.hit', () => {
  it.each([
    [
      'ALARM on an HPA: maxed-out, firing',
      fixture('cloudwatch-alarm-hpa'),
      {
        id: eventId(['cloudwatch', `${ARN}shop-web-hpa-maxed`, '2026-12-02T10:00:00.987+0000', 'ALARM']),
        subject: 'dc1/shop/HorizontalPodAutoscaler/web',
        time: '2026-12-02T10:00:00.987Z',
        data: {
          cluster: 'dc1',
          namespace: 'shop',
          target: { kind: 'HorizontalPodAutoscaler', name: 'web' },
          signal: 'maxed-out',
          status: 'firing',
          value: 10,
          threshold: 10,
          startsAt: '2026-12-02T10:00:00.987Z',
          alertName: 'shop-web-hpa-maxed',
          producer: 'cloudwatch',
        },
      },
    ],
    [
      'OK on a Deployment CPU alarm: cpu-high, resolved',
      fixture('cloudwatch-ok-deployment'),
      {
        subject: 'dc1/shop/Deployment/api',
        time: '2026-12-02T10:20:03.511Z',
        data: { signal: 'cpu-high', status: 'resolved', value: 41.25, threshold: 80, producer: 'cloudwatch' },
      },
    ],
    [
      'raw delivery (the alarm JSON as the body) is read the same',
      fixture('cloudwatch-raw-statefulset'),
      {
        subject: 'dc2/shop/StatefulSet/db',
        data: { target: { kind: 'StatefulSet', name: 'db' }, signal: 'cpu-high', status: 'firing', value: 93.5 },
      },
    ],
  ])('%s', (_, body, expected) => {
    const { events, ignored } = normalizeCloudWatch(body);
    expect(ignored).toEqual([]);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'hpa.threshold.hit', source: 'cloudwatch', ...expected });
  });

  it('a redelivery is the same event; the next state change of the alarm is another', () => {
    const first = normalizeCloudWatch(fixture('cloudwatch-alarm-hpa')).events[0];
    const again = normalizeCloudWatch(fixture('cloudwatch-alarm-hpa')).events[0];
    const later = normalizeCloudWatch(
      withAlarm('cloudwatch-alarm-hpa', (a) => {
        a.StateChangeTime = '2026-12-02T12:00:00.000+0000';
      }),
    ).events[0];
    expect(again?.id).toBe(first?.id);
    expect(later?.id).not.toBe(first?.id);
  });

  it.each([
    ['INSUFFICIENT_DATA', fixture('cloudwatch-insufficient-data'), 'INSUFFICIENT_DATA says nothing about load'],
    ['a composite alarm (no Trigger)', fixture('cloudwatch-composite'), 'has no Trigger (a composite alarm)'],
    [
      'a metric-math alarm (Trigger.Metrics, no Dimensions)',
      withAlarm('cloudwatch-alarm-hpa', (a) => {
        a.Trigger = { Metrics: [{ Id: 'm1', Expression: 'SUM(METRICS())' }], Threshold: 1 };
      }),
      'has no metric dimensions',
    ],
    [
      'no ClusterName dimension',
      withAlarm('cloudwatch-alarm-hpa', (a) => {
        a.Trigger.Dimensions = dims([
          ['Namespace', 'shop'],
          ['HorizontalPodAutoscaler', 'web'],
        ]);
      }),
      'dimension ClusterName is missing',
    ],
    [
      'a ClusterName that is no capstan name',
      withAlarm('cloudwatch-alarm-hpa', (a) => {
        a.Trigger.Dimensions[0].value = 'Prod EKS';
      }),
      'dimension ClusterName "Prod EKS" is not a capstan cluster name',
    ],
    [
      'no Namespace dimension',
      withAlarm('cloudwatch-alarm-hpa', (a) => {
        a.Trigger.Dimensions.splice(1, 1);
      }),
      'dimension Namespace is missing',
    ],
    [
      'no workload dimension (a Container Insights PodName alarm)',
      withAlarm('cloudwatch-ok-deployment', (a) => {
        a.Trigger.Dimensions = dims([
          ['ClusterName', 'dc1'],
          ['Namespace', 'shop'],
          ['PodName', 'api'],
        ]);
      }),
      'no HorizontalPodAutoscaler, Deployment or StatefulSet dimension',
    ],
    [
      'a workload name Kubernetes would refuse',
      withAlarm('cloudwatch-ok-deployment', (a) => {
        a.Trigger.Dimensions[2].value = 'API_Server';
      }),
      'dimension Deployment "API_Server" is not a Kubernetes name',
    ],
    [
      'a Deployment alarm on a metric other than CPU',
      withAlarm('cloudwatch-ok-deployment', (a) => {
        a.Trigger.MetricName = 'pod_memory_utilization';
      }),
      'metric pod_memory_utilization of a Deployment is not one capstan scales on',
    ],
    [
      'a StateChangeTime that is not a time',
      withAlarm('cloudwatch-alarm-hpa', (a) => {
        a.StateChangeTime = 'yesterday';
      }),
      'StateChangeTime "yesterday" is not a time',
    ],
    [
      'an SNS message that is not a Notification',
      JSON.stringify({ ...JSON.parse(fixture('cloudwatch-alarm-hpa')), Type: 'UnsubscribeConfirmation' }),
      'SNS message of Type UnsubscribeConfirmation is not an alarm',
    ],
  ])('passes over %s with why', (_, body, why) => {
    const { events, ignored } = normalizeCloudWatch(body);
    expect(events).toEqual([]);
    expect(ignored).toHaveLength(1);
    expect(ignored[0]?.reason).toContain(why);
  });

  it.each([
    ['a body that is not JSON', 'ALARM: shop-web-hpa-maxed'],
    ['an envelope whose Message is not JSON', JSON.stringify({ Type: 'Notification', Message: 'ALARM!' })],
    ['an envelope whose Message is no alarm', JSON.stringify({ Type: 'Notification', Message: '{"hello":1}' })],
    [
      'an unknown state',
      withAlarm('cloudwatch-alarm-hpa', (a) => {
        a.NewStateValue = 'PENDING';
      }),
    ],
    ['an alarm without its ARN', withAlarm('cloudwatch-alarm-hpa', (a) => void delete a.AlarmArn)],
    ['a JSON array', '[]'],
  ])('refuses %s as invalid input (to the DLQ with its reason)', (_, body) => {
    expect(() => normalizeCloudWatch(body)).toThrow(InvalidInputError);
  });
});

describe('cloudwatchTime: CloudWatch +0000 offsets to RFC 3339 UTC', () => {
  it.each([
    ['2026-12-02T10:00:00.987+0000', '2026-12-02T10:00:00.987Z'],
    ['2026-12-02T10:00:00.000-0130', '2026-12-02T11:30:00.000Z'],
    ['2026-12-02T10:00:00Z', '2026-12-02T10:00:00.000Z'],
    ['2026-12-02T10:00:00+01:00', '2026-12-02T09:00:00.000Z'],
    ['not a time', undefined],
  ])('%s -> %s', (input, expected) => {
    expect(cloudwatchTime(input)).toBe(expected);
  });
});

describe('a scale-in alarm (LessThan...) says the load is gone, on an HPA or a CPU metric', () => {
  it.each([
    ['LessThanThreshold', 'cpu-low'],
    ['LessThanOrEqualToThreshold', 'cpu-low'],
    ['GreaterThanThreshold', 'maxed-out'],
  ])('%s on an HPA -> %s', (operator, signal) => {
    const body = withAlarm('cloudwatch-alarm-hpa', (alarm) => {
      alarm.Trigger.ComparisonOperator = operator;
    });
    const result = normalizeCloudWatch(body);
    expect('events' in result ? result.events[0]?.data.signal : result).toBe(signal);
  });
});
