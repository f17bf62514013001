import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../lib/errors.ts';
import { normalizeAlertmanager } from '../../lib/sources/alertmanager.ts';

// Alertmanager's webhook body (formats section 6, version "4"), as a real v0.31 sends a group.
const alert = (over: Record<string, unknown> = {}, labels: Record<string, string> = {}) => ({
  status: 'firing',
  labels: {
    alertname: 'KubeHpaMaxedOut',
    namespace: 'shop',
    horizontalpodautoscaler: 'web',
    cluster: 'dc1',
    severity: 'warning',
    ...labels,
  },
  annotations: { description: 'HPA shop/web has been running at max replicas for longer than 15 minutes.' },
  startsAt: '2026-12-02T10:00:00.123456789Z',
  endsAt: '0001-01-01T00:00:00Z',
  generatorURL: 'http://prometheus/graph',
  fingerprint: 'a1b2c3d4e5f60718',
  ...over,
});
const notification = (alerts: unknown[], status = 'firing') => ({
  version: '4',
  groupKey: '{}:{alertname="KubeHpaMaxedOut"}',
  truncatedAlerts: 0,
  status,
  receiver: 'capstan',
  groupLabels: { alertname: 'KubeHpaMaxedOut' },
  commonLabels: {},
  commonAnnotations: {},
  externalURL: 'http://alertmanager:9093',
  alerts,
});

describe('normalizeAlertmanager: one hpa.threshold.hit candidate per alert capstan can act on', () => {
  it('KubeHpaMaxedOut names the HPA, its namespace and cluster', () => {
    const { events, ignored } = normalizeAlertmanager(notification([alert()]));
    expect(ignored).toEqual([]);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'hpa.threshold.hit',
      source: 'alertmanager',
      time: '2026-12-02T10:00:00.123Z',
      data: {
        cluster: 'dc1',
        namespace: 'shop',
        target: { kind: 'HorizontalPodAutoscaler', name: 'web' },
        signal: 'maxed-out',
        status: 'firing',
        startsAt: '2026-12-02T10:00:00.123Z',
        alertName: 'KubeHpaMaxedOut',
        producer: 'alertmanager',
      },
    });
  });

  it('dedups on fingerprint + startsAt + status: a repeat is the same id, a resolve a new one', () => {
    const first = normalizeAlertmanager(notification([alert()])).events[0];
    const repeat = normalizeAlertmanager(notification([alert()])).events[0];
    const resolved = normalizeAlertmanager(
      notification([alert({ status: 'resolved', endsAt: '2026-12-02T10:20:00Z' })], 'resolved'),
    ).events[0];
    const resolvedAgain = normalizeAlertmanager(
      notification([alert({ status: 'resolved', endsAt: '2026-12-02T10:20:00Z' })], 'resolved'),
    ).events[0];
    const next = normalizeAlertmanager(notification([alert({ startsAt: '2026-12-02T11:00:00Z' })])).events[0];
    expect(repeat?.id).toBe(first?.id);
    expect(resolved?.id).not.toBe(first?.id);
    expect(resolvedAgain?.id).toBe(resolved?.id);
    expect(resolved).toMatchObject({ time: '2026-12-02T10:20:00.000Z', data: { status: 'resolved' } });
    expect(next?.id).not.toBe(first?.id);
  });

  it('a group carries all its alerts: each one its own candidate, the others passed over with why', () => {
    const { events, ignored } = normalizeAlertmanager(
      notification([
        alert(),
        alert(
          { fingerprint: 'ff00' },
          { alertname: 'ContainerCpuHigh', horizontalpodautoscaler: '', deployment: 'api' },
        ),
        alert({ fingerprint: 'ee01' }, { alertname: 'KubePodCrashLooping' }),
        alert({ fingerprint: 'dd02' }, { namespace: '' }),
        alert({ fingerprint: 'cc03' }, { horizontalpodautoscaler: 'Not_A_Name' }),
        alert({ fingerprint: 'bb04', startsAt: 'yesterday' }),
      ]),
    );
    expect(events.map((e) => `${e.data.signal} ${e.data.target.kind}/${e.data.target.name}`)).toEqual([
      'maxed-out HorizontalPodAutoscaler/web',
      'cpu-high Deployment/api',
    ]);
    expect(ignored.map((i) => i.reason)).toEqual([
      'alert KubePodCrashLooping is not one capstan scales on',
      'alert KubeHpaMaxedOut: no namespace label capstan can use',
      'alert KubeHpaMaxedOut: label horizontalpodautoscaler "Not_A_Name" is not a Kubernetes name',
      'alert KubeHpaMaxedOut: startsAt "yesterday" is not a time',
    ]);
  });

  it('an alert with no cluster label leaves the cluster to the route', () => {
    const { events } = normalizeAlertmanager(notification([alert({}, { cluster: '' })]));
    expect(events[0]?.data).not.toHaveProperty('cluster');
  });

  it.each([
    ['not version 4', { ...notification([alert()]), version: '3' }],
    ['no alerts array', { ...notification([alert()]), alerts: undefined }],
    ['an alert without a fingerprint', notification([{ ...alert(), fingerprint: undefined }])],
    ['a body that is not an object', 'firing'],
  ])('refuses %s as invalid input (a 4xx the producer can fix)', (_, payload) => {
    expect(() => normalizeAlertmanager(payload)).toThrow(InvalidInputError);
  });
});

describe('custom CPU alerts by name: high asks for room, low says the load is gone, throttling is neither', () => {
  it.each([
    ['HighCPUUsage', 'cpu-high'],
    ['DeploymentCPUHigh', 'cpu-high'],
    ['CPUUtilizationOver80', 'cpu-high'],
    ['DeploymentCPULow', 'cpu-low'],
    ['LowCPU', 'cpu-low'],
    ['CPUThrottlingHigh', undefined],
    ['CPUCount', undefined],
  ])('%s -> %s', (alertname, signal) => {
    const labels = { alertname, horizontalpodautoscaler: '', deployment: 'web' };
    const { events } = normalizeAlertmanager(notification([alert({}, labels)]));
    expect(events[0]?.data.signal).toBe(signal);
  });
});
