import { describe, expect, it } from 'vitest';
import { type Autoscaling, AutoscalingSchema } from '../../lib/apps/autoscaling.ts';
import { type AppSpec, AppSpecSchema } from '../../lib/apps/spec.ts';
import { chargedReplicas } from '../../lib/deploy/decisions/quota.ts';
import { renderApp } from '../../lib/deploy/render/app.ts';
import { type OverrideLike, overrideInForce, withOverride } from '../../lib/deploy/render/override.ts';

const IMAGE = `registry.local:5000/acme/api@sha256:${'b'.repeat(64)}`;
const NOW = new Date('2026-12-02T12:00:00.000Z');

const app = (staging: Record<string, unknown> = {}): AppSpec =>
  AppSpecSchema.parse({
    name: 'api',
    namespace: 'acme',
    replicas: 3,
    containers: [
      {
        name: 'api',
        repository: 'registry.local:5000/acme/api',
        ports: [{ name: 'http', containerPort: 8080 }],
        limits: { cpu: '500m', memory: '256Mi' },
      },
    ],
    environments: { staging },
  });

const render = (staging: Record<string, unknown>) =>
  renderApp({ app: app(staging), environment: 'staging', image: IMAGE }) as unknown as Record<string, any>[];

const labels = {
  'app.kubernetes.io/name': 'api',
  'app.kubernetes.io/managed-by': 'capstan',
  'capstan.dev/environment': 'staging',
};

describe('renderApp with autoscaling', () => {
  it('renders the HPA after the Deployment, from the spec, labelled as the Deployment; the Deployment without replicas', () => {
    const objects = render({ autoscaling: { min: 3, max: 10, cpuTarget: 65, cooldown: '5m' } });
    expect(objects.map((o) => o.kind)).toEqual(['Namespace', 'Deployment', 'Service', 'HorizontalPodAutoscaler']);
    const [, deployment, , hpa] = objects;
    expect(deployment?.spec).not.toHaveProperty('replicas');
    expect(hpa).toEqual({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'api', namespace: 'acme', labels },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' },
        minReplicas: 3,
        maxReplicas: 10,
        metrics: [
          { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 65 } } },
        ],
        behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
      },
    });
    expect(hpa?.metadata.labels).toEqual(deployment?.metadata.labels);
  });

  it('defaults: min 1, cpuTarget 80, cooldown 300 s', () => {
    const hpa = render({ autoscaling: { max: 4 } })[3];
    expect(hpa?.spec).toMatchObject({
      minReplicas: 1,
      maxReplicas: 4,
      metrics: [{ resource: { target: { averageUtilization: 80 } } }],
      behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
    });
  });

  it('hpa false: no HPA, the Deployment runs max replicas', () => {
    const objects = render({ autoscaling: { hpa: false, min: 2, max: 6 } });
    expect(objects.map((o) => o.kind)).toEqual(['Namespace', 'Deployment', 'Service']);
    expect(objects[1]?.spec.replicas).toBe(6);
  });

  it('without autoscaling: no HPA, the replica rules as before', () => {
    const objects = render({ replicas: 4 });
    expect(objects.map((o) => o.kind)).toEqual(['Namespace', 'Deployment', 'Service']);
    expect(objects[1]?.spec.replicas).toBe(4);
  });

  it('is deterministic: the same spec renders the same JSON', () => {
    const staging = { autoscaling: { min: 2, max: 5, cooldown: 90 } };
    expect(JSON.stringify(render(staging))).toBe(JSON.stringify(render(staging)));
  });
});

const autoscaling = (a: Record<string, unknown>): Autoscaling => AutoscalingSchema.parse(a);
const override = (o: Partial<OverrideLike> = {}): OverrideLike => ({
  workload: { namespace: 'acme', kind: 'Deployment', name: 'api' },
  state: 'active',
  max: 9,
  endsAt: '2026-12-02T13:00:00.000Z',
  ...o,
});

describe('withOverride', () => {
  const hpaObjects = () =>
    renderApp({ app: app({ autoscaling: autoscaling({ min: 2, max: 5 }) }), environment: 'staging', image: IMAGE });
  const plainObjects = () =>
    renderApp({
      app: app({ autoscaling: autoscaling({ hpa: false, min: 2, max: 5 }) }),
      environment: 'staging',
      image: IMAGE,
    });
  const hpaOf = (objects: readonly unknown[]) =>
    (objects as Record<string, any>[]).find((o) => o.kind === 'HorizontalPodAutoscaler');
  const deploymentOf = (objects: readonly unknown[]) =>
    (objects as Record<string, any>[]).find((o) => o.kind === 'Deployment');

  it.each([
    ['an active override raises the HPA max', override(), 9],
    ['none: the spec', undefined, 5],
    ['reverted: the spec', override({ state: 'reverted' }), 5],
    ['expired, not reverted yet: the spec', override({ endsAt: '2026-12-02T11:59:59.000Z' }), 5],
    ['expiring this instant: the spec', override({ endsAt: NOW.toISOString() }), 5],
    [
      'of another Deployment: the spec',
      override({ workload: { namespace: 'acme', kind: 'Deployment', name: 'web' } }),
      5,
    ],
    [
      'of another namespace: the spec',
      override({ workload: { namespace: 'shop', kind: 'Deployment', name: 'api' } }),
      5,
    ],
    ['of a StatefulSet: the spec', override({ workload: { namespace: 'acme', kind: 'StatefulSet', name: 'api' } }), 5],
    ['below what the release asks (its max went up): the release', override({ max: 1 }), 5],
  ])('HPA: %s', (_, o, maxReplicas) => {
    const objects = hpaObjects();
    const out = withOverride(objects, o, NOW);
    expect(hpaOf(out)?.spec.maxReplicas).toBe(maxReplicas);
    expect(hpaOf(out)?.spec.minReplicas).toBe(2);
    // The Deployment stays without replicas: the count is the HPA's.
    expect(deploymentOf(out)?.spec).not.toHaveProperty('replicas');
  });

  it.each([
    ['an active override sets the replicas', override(), 9],
    ['reverted: the spec max', override({ state: 'reverted' }), 5],
    ['expired: the spec max', override({ endsAt: '2026-12-02T11:00:00.000Z' }), 5],
  ])('hpa false: %s', (_, o, replicas) => {
    expect(deploymentOf(withOverride(plainObjects(), o, NOW))?.spec.replicas).toBe(replicas);
  });

  it('is pure: the objects given are not changed, and keys keep their order (deterministic JSON)', () => {
    const objects = hpaObjects();
    const before = JSON.stringify(objects);
    const out = withOverride(objects, override({ max: 5 }), NOW);
    expect(JSON.stringify(objects)).toBe(before);
    // An override at the spec's max renders exactly the spec: a second apply stays unchanged.
    expect(JSON.stringify(out)).toBe(before);
  });

  it('overrideInForce: active and not past its expiry', () => {
    expect(overrideInForce(override(), NOW)).toBe(true);
    expect(overrideInForce(override({ state: 'reverted' }), NOW)).toBe(false);
    expect(overrideInForce(override({ endsAt: '2026-12-02T12:00:00.000Z' }), NOW)).toBe(false);
    expect(overrideInForce(undefined, NOW)).toBe(false);
  });
});

describe('chargedReplicas: what the quota gate charges a release', () => {
  it.each([
    ['the rendered count when there is one', 4, 7, undefined, 4],
    ['the rendered count even with an HPA min (hpa false renders max)', 6, 2, undefined, 6],
    ['HPA-managed, running above min: what runs', undefined, 5, 2, 5],
    ['HPA-managed, running below min: the min the HPA scales it to', undefined, 1, 3, 3],
    ['HPA-managed, new Deployment: the min', undefined, undefined, 3, 3],
    ["someone else's HPA: what runs", undefined, 4, undefined, 4],
    ["someone else's HPA, new Deployment: the API default 1", undefined, undefined, undefined, 1],
  ])('%s', (_, rendered, running, hpaMin, charged) => {
    expect(chargedReplicas(rendered, running, hpaMin)).toBe(charged);
  });
});
