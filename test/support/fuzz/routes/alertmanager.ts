import fc from 'fast-check';
import type { CapstanEvent } from '../../../../events/index.ts';
import { normalizeAlertmanager } from '../../../../lib/sources/alertmanager.ts';
import type { ExpectedEvent } from '../case.ts';
import { badAuthorizations, bearer, type Secrets } from '../credentials.ts';
import { type Breaker, inPlace, type Produced, type RouteFuzzSpec } from '../route-spec.ts';
import { rfc3339 } from '../values.ts';

const PATH = '/hooks/alertmanager';
const ZERO = '0001-01-01T00:00:00Z';

const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,14}[a-z0-9])?$/);
const workload = fc.array(label, { minLength: 1, maxLength: 2 }).map((parts) => parts.join('.'));
const fingerprint = fc.stringMatching(/^[0-9a-f]{16}$/);

interface AlertShape {
  readonly alertname: string;
  /** The label naming the workload, or none. */
  readonly targetLabel?: 'horizontalpodautoscaler' | 'deployment' | 'statefulset';
  /** Whether the alert carries a cluster label (the route passes over one without). */
  readonly cluster: boolean;
}

/** One alert as Alertmanager's notifier writes it (template.Alert): firing with the zero endsAt, or resolved. */
const alertOf = (shape: AlertShape) =>
  fc
    .record({
      resolved: fc.boolean(),
      startsAt: rfc3339,
      endsAt: rfc3339,
      fingerprint,
      namespace: label,
      name: workload,
      cluster: label,
      value: fc.option(fc.double({ min: 0, max: 1000, noNaN: true }).map(String), { nil: undefined }),
    })
    .map((r) => ({
      status: r.resolved ? 'resolved' : 'firing',
      labels: {
        alertname: shape.alertname,
        namespace: r.namespace,
        severity: 'warning',
        job: 'kube-state-metrics',
        ...(shape.targetLabel ? { [shape.targetLabel]: r.name } : {}),
        ...(shape.cluster ? { cluster: r.cluster } : {}),
      },
      annotations: { summary: 'HPA is running at max replicas', ...(r.value === undefined ? {} : { value: r.value }) },
      startsAt: r.startsAt,
      endsAt: r.resolved ? r.endsAt : ZERO,
      generatorURL: 'http://prometheus.monitoring:9090/graph?g0.expr=up',
      fingerprint: r.fingerprint,
    }));

const notification = (alerts: unknown[]) => ({
  receiver: 'capstan',
  status: alerts.some((a) => (a as { status: string }).status === 'firing') ? 'firing' : 'resolved',
  alerts,
  groupLabels: { namespace: 'shop' },
  commonLabels: { severity: 'warning' },
  commonAnnotations: {},
  externalURL: 'http://alertmanager.monitoring:9093',
  version: '4',
  groupKey: '{}/{severity="warning"}:{namespace="shop"}',
  truncatedAlerts: 0,
});

const mappable = fc.constantFrom<AlertShape>(
  { alertname: 'KubeHpaMaxedOut', targetLabel: 'horizontalpodautoscaler', cluster: true },
  { alertname: 'KubeHpaReplicasMismatch', targetLabel: 'horizontalpodautoscaler', cluster: true },
  { alertname: 'ContainerCpuHigh', targetLabel: 'deployment', cluster: true },
  { alertname: 'HighCPU', targetLabel: 'statefulset', cluster: true },
);
const unmappable = fc.constantFrom<AlertShape>(
  { alertname: 'KubePodCrashLooping', targetLabel: 'deployment', cluster: true },
  { alertname: 'KubeHpaMaxedOut', targetLabel: 'horizontalpodautoscaler', cluster: false },
  { alertname: 'ContainerCpuHigh', cluster: true },
  { alertname: 'Watchdog', cluster: false },
);

/** What the route must enqueue for a payload: one event per mappable alert, an alert listed twice once. */
const expected = (payload: unknown): ExpectedEvent[] => {
  const events = normalizeAlertmanager(payload, { requireCluster: true }).events;
  const unique = [...new Map(events.map((e) => [e.id, e])).values()];
  return unique.map((want) => ({
    id: want.id,
    differs: (got) =>
      JSON.stringify(got) === JSON.stringify(want) ? undefined : `got ${JSON.stringify(got).slice(0, 300)}`,
  }));
};

const produced = (payload: Record<string, unknown>, note: string): Produced => ({
  note,
  payload,
  events: expected(payload),
  contentType: 'application/json',
});

/** A group with at least one alert capstan maps, maybe beside others it passes over. */
const valid: fc.Arbitrary<Produced> = fc
  .tuple(
    fc.array(mappable.chain(alertOf), { minLength: 1, maxLength: 4 }),
    fc.array(unmappable.chain(alertOf), { maxLength: 2 }),
  )
  .map(([mapped, others]) => {
    const alerts = [...mapped, ...others];
    return produced(notification(alerts), `${mapped.length} mappable and ${others.length} other alert(s)`);
  });

/** A valid notification with nothing capstan maps: 200, nothing enqueued, every alert named as ignored. */
const ignored: fc.Arbitrary<Produced> = fc
  .array(unmappable.chain(alertOf), { minLength: 0, maxLength: 3 })
  .map((alerts) => ({ ...produced(notification(alerts), `${alerts.length} unmappable alert(s)`), events: [] }));

const breakers = fc.constantFrom<Breaker>(
  { note: 'version 3', apply: inPlace((p) => (p.version = '3')) },
  { note: 'version a number', apply: inPlace((p) => (p.version = 4)) },
  { note: 'no version', apply: inPlace((p) => delete p.version) },
  { note: 'no alerts', apply: inPlace((p) => delete p.alerts) },
  { note: 'alerts an object', apply: inPlace((p) => (p.alerts = { 0: p.alerts[0] })) },
  { note: 'no groupKey', apply: inPlace((p) => delete p.groupKey) },
  { note: 'group status pending', apply: inPlace((p) => (p.status = 'pending')) },
  { note: 'alert status pending', apply: inPlace((p) => (p.alerts[0].status = 'pending')) },
  { note: 'alert without fingerprint', apply: inPlace((p) => delete p.alerts[0].fingerprint) },
  { note: 'fingerprint not hex', apply: inPlace((p) => (p.alerts[0].fingerprint = 'not-hex')) },
  { note: 'labels a list', apply: inPlace((p) => (p.alerts[0].labels = ['alertname'])) },
  { note: 'a label value a number', apply: inPlace((p) => (p.alerts[0].labels.namespace = 7)) },
  { note: 'startsAt a number', apply: inPlace((p) => (p.alerts[0].startsAt = 1732095061)) },
  { note: 'the notification in an array', apply: (p) => [p] },
  { note: 'a JSON string', apply: () => 'firing' },
);

/**
 * Alertmanager's webhook receiver (lib/ingest/alertmanager-hook.ts): its own bearer token, a 200 naming what it
 * accepted and what it passed over, each mappable alert an hpa.threshold.hit on the standard scale queue (every 200
 * one message per id: the scale consumer dedupes on the id). Content-Type is not looked at: Alertmanager always
 * sends JSON, and refusing a body for its header would only be a notification it never resends.
 */
export const alertmanagerRoute = (secrets: Secrets): RouteFuzzSpec => ({
  name: 'alertmanager',
  acceptedStatus: 200,
  queue: 'scale',
  valid,
  ignored,
  breakers,
  credential: bearer(PATH, secrets.alertmanager),
  badCredential: badAuthorizations(PATH, secrets.alertmanager, [
    secrets.token,
    secrets.kubernetes('fuzz-dc1'),
    secrets.hook('distribution'),
  ]),
  credentialHeader: 'authorization',
  contentTypes: ['application/json'],
  checksContentType: false,
  // A mutation may break the notification (400) or still be one (200, its alerts mapped or passed over).
  mutationExpect: [200, 400],
  corresponds: (body: Buffer, event: CapstanEvent) => {
    if (event.type !== 'hpa.threshold.hit' || event.data.producer !== 'alertmanager') return 'not an alertmanager hit';
    const text = body.toString('utf8');
    const named = [event.data.namespace, event.data.target.name, event.data.cluster ?? ''];
    return named.every((n) => text.includes(n)) ? undefined : `${named.join('/')} is not in the body`;
  },
});
