import { describe, expect, it } from 'vitest';
import { type AppSpec, AppSpecSchema } from '../../lib/apps/spec.ts';
import { qosClass } from '../../lib/deploy/decisions/qos.ts';
import { renderApp, renderProbe } from '../../lib/deploy/render/app.ts';
import { REVISION_ANNOTATION, stampRevision } from '../../lib/deploy/render/manifests.ts';
import { InvalidInputError } from '../../lib/errors.ts';

const DIGEST = `sha256:${'b'.repeat(64)}`;
const IMAGE = `registry.local:5000/acme/api@${DIGEST}`;
const PROXY = `registry.local:5000/acme/proxy@${DIGEST}`;

const app = (overrides: Record<string, unknown> = {}): AppSpec =>
  AppSpecSchema.parse({
    name: 'api',
    namespace: 'acme',
    qos: 'standard',
    replicas: 3,
    containers: [
      {
        name: 'api',
        repository: 'registry.local:5000/acme/api',
        ports: [{ name: 'http', containerPort: 8080 }, { containerPort: 9090 }],
        env: { LOG_LEVEL: 'info', URL: 'http://$(HOST)' },
        probes: {
          liveness: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 5 },
          readiness: { tcpSocket: { port: 8080 }, initialDelaySeconds: 2, failureThreshold: 6 },
        },
        limits: { cpu: '500m', memory: '768Mi' },
      },
      { name: 'proxy', repository: 'registry.local:5000/acme/proxy', limits: { cpu: '1', memory: '64Mi' } },
    ],
    environments: { production: { replicas: 5 }, staging: {} },
    ...overrides,
  });

const render = (over: Partial<Parameters<typeof renderApp>[0]> = {}) =>
  renderApp({
    app: app(),
    environment: 'staging',
    image: IMAGE,
    images: { proxy: PROXY },
    ...over,
  }) as unknown as Record<string, any>[];

describe('renderApp', () => {
  it('renders Namespace, Deployment and Service in apply order, labelled as renderManifests does', () => {
    const objects = render();
    expect(objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`)).toEqual([
      'Namespace//acme',
      'Deployment/acme/api',
      'Service/acme/api',
    ]);
    const labels = {
      'app.kubernetes.io/name': 'api',
      'app.kubernetes.io/managed-by': 'capstan',
      'capstan.dev/environment': 'staging',
    };
    const [namespace, deployment, service] = objects;
    expect(namespace?.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'capstan' });
    expect(deployment?.metadata.labels).toEqual(labels);
    expect(deployment?.spec.template.metadata.labels).toEqual(labels);
    expect(deployment?.spec.selector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'api' } });
    expect(deployment?.spec.revisionHistoryLimit).toBe(10);
    expect(service?.spec).toEqual({
      selector: { 'app.kubernetes.io/name': 'api' },
      ports: [
        { name: 'http', port: 8080, targetPort: 8080, protocol: 'TCP' },
        { name: 'tcp-9090', port: 9090, targetPort: 9090, protocol: 'TCP' },
      ],
    });
  });

  it('renders each container: image, ports, env in order, probes, resources by QoS tier', () => {
    const [api, proxy] = render()[1]!.spec.template.spec.containers;
    expect(api).toEqual({
      name: 'api',
      image: IMAGE,
      ports: [
        { name: 'http', containerPort: 8080, protocol: 'TCP' },
        { containerPort: 9090, protocol: 'TCP' },
      ],
      env: [
        { name: 'LOG_LEVEL', value: 'info' },
        { name: 'URL', value: 'http://$(HOST)' },
      ],
      livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 5 },
      readinessProbe: { tcpSocket: { port: 8080 }, initialDelaySeconds: 2, failureThreshold: 6 },
      resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '500m', memory: '768Mi' } },
    });
    // No ports, env or probes: the keys are left out, not rendered empty.
    expect(proxy).toEqual({
      name: 'proxy',
      image: PROXY,
      resources: { requests: { cpu: '500m', memory: '42Mi' }, limits: { cpu: '1', memory: '64Mi' } },
    });
  });

  it.each([
    ['critical', 'Guaranteed'],
    ['standard', 'Burstable'],
    ['back-office', 'Burstable'],
  ])('a %s app renders %s pods', (qos, expected) => {
    expect(qosClass(render({ app: app({ qos }) })[1]?.spec.template.spec.containers)).toBe(expected);
  });

  it('leaves resources out for a container without limits', () => {
    const base = app();
    const noLimits = { ...base, containers: [{ ...base.containers[0]!, limits: undefined }] };
    expect(render({ app: noLimits })[1]?.spec.template.spec.containers[0].resources).toBeUndefined();
  });

  it.each([
    ['given', { replicas: 7 }, 7],
    ["the environment's", { environment: 'production' }, 5],
    ["the app's", {}, 3],
  ])('replicas: %s', (_, over, replicas) => {
    expect(render(over)[1]?.spec.replicas).toBe(replicas);
  });

  it('leaves replicas out entirely when an HPA manages them', () => {
    const deployment = render({ hpaManaged: true, replicas: 7 })[1];
    expect(deployment?.spec).not.toHaveProperty('replicas');
    expect(JSON.stringify(deployment)).not.toContain('"replicas"');
  });

  it('omits the Service when no container has ports', () => {
    const base = app();
    const portless = { ...base, containers: base.containers.map((c) => ({ ...c, ports: [] })) };
    expect(render({ app: portless }).map((o) => o.kind)).toEqual(['Namespace', 'Deployment']);
  });

  it('is deterministic: the same input renders the same JSON', () => {
    expect(JSON.stringify(render())).toBe(JSON.stringify(render()));
    expect(
      JSON.stringify(renderApp({ app: app(), environment: 'staging', image: IMAGE, images: { proxy: PROXY } })),
    ).toBe(JSON.stringify(renderApp({ app: app(), environment: 'staging', image: IMAGE, images: { proxy: PROXY } })));
  });

  it('works with stampRevision: the Deployment gets the revision, its pods do not', () => {
    const stamped = stampRevision(
      renderApp({ app: app(), environment: 'staging', image: IMAGE, images: { proxy: PROXY } }),
      4,
    );
    const deployment = stamped[1] as unknown as Record<string, any>;
    expect(deployment.metadata.annotations).toEqual({ [REVISION_ANNOTATION]: '4' });
    expect(deployment.spec.template.metadata.annotations).toBeUndefined();
  });

  it.each([
    ['a container without an image', { images: {} }, /container "proxy" has no image to deploy/],
    ['an invalid reference', { image: 'UPPER/case' }, /container "api": image "UPPER\/case" is invalid/],
    [
      'an unusable limit',
      { app: app({ containers: [{ name: 'api', repository: 'r', limits: { cpu: '0', memory: '1Gi' } }] }) },
      /container "api": CPU limit "0" must be above zero/,
    ],
  ])('refuses %s', (_, over, message) => {
    expect(() => render(over)).toThrow(InvalidInputError);
    expect(() => render(over)).toThrow(message);
  });
});

describe('renderProbe', () => {
  it.each([
    [{ httpGet: { path: '/ready', port: 8080 } }, { httpGet: { path: '/ready', port: 8080 } }],
    [
      { tcpSocket: { port: 5432 }, periodSeconds: 20 },
      { tcpSocket: { port: 5432 }, periodSeconds: 20 },
    ],
    [
      { exec: { command: ['pg_isready', '-q'] }, initialDelaySeconds: 0, failureThreshold: 1 },
      { exec: { command: ['pg_isready', '-q'] }, initialDelaySeconds: 0, failureThreshold: 1 },
    ],
  ])('%j', (probe, expected) => {
    expect(renderProbe(probe)).toEqual(expected);
  });
});
