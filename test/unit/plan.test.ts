import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseEvent } from '../../events/index.ts';
import sample from '../../events/samples/deploy.requested.json' with { type: 'json' };
import { type AppSpec, AppSpecSchema } from '../../lib/apps/spec.ts';
import { planRelease } from '../../lib/deploy/decisions/plan-release.ts';

const DIGEST = `registry.local:5000/acme/hello@sha256:${'b'.repeat(64)}`;

const request = (data: Record<string, unknown> = {}) => {
  const parsed = parseEvent({ ...sample, data: { ...sample.data, ...data } });
  if (!parsed.ok || parsed.event.type !== 'deploy.requested') throw new Error(JSON.stringify(parsed));
  return parsed.event.data;
};

const app = (patch: (a: AppSpec) => AppSpec = (a) => a): AppSpec =>
  patch(
    AppSpecSchema.parse({
      name: 'hello',
      namespace: 'demo',
      replicas: 3,
      containers: [
        {
          name: 'hello',
          repository: 'registry.local:5000/acme/hello',
          ports: [{ name: 'http', containerPort: 8080 }],
          probes: {
            liveness: { httpGet: { path: '/healthz', port: 8080 } },
            readiness: { httpGet: { path: '/ready', port: 8080 } },
          },
          limits: { cpu: '500m', memory: '256Mi' },
        },
      ],
      environments: { staging: {}, production: {} },
    }),
  );

const staging = { name: 'staging', protected: false };
const production = { name: 'production', protected: true };

describe('planRelease', () => {
  it('renders a registered app from its spec, with QoS resources, passing the gates', () => {
    const plan = planRelease(request({ image: DIGEST }), app(), production);
    expect(plan.ok).toBe(true);
    if (!plan.ok) return;
    expect(plan.source).toBe('app');
    expect(plan.namespace).toBe('demo');
    const deployment = plan.manifests.find((m) => m.kind === 'Deployment') as unknown as Record<string, any>;
    expect(deployment.spec.replicas).toBe(3);
    expect(deployment.spec.template.spec.containers[0].resources).toEqual({
      requests: { cpu: '250m', memory: '170Mi' },
      limits: { cpu: '500m', memory: '256Mi' },
    });
  });

  it('refuses a protected release with every reason at once', () => {
    const weak = app((a) => ({
      ...a,
      replicas: 1,
      containers: a.containers.map((c) => ({ ...c, probes: {}, limits: undefined })),
    }));
    const plan = planRelease(request({ image: 'registry.local:5000/acme/hello:latest' }), weak, production);
    expect(plan.ok).toBe(false);
    if (plan.ok) return;
    const text = plan.reasons.join('\n');
    for (const expected of ['pinned by digest', 'replicas must be at least 3', 'liveness', 'readiness', 'BestEffort']) {
      expect(text).toContain(expected);
    }
  });

  it('lets an unregistered app through an unprotected environment only', () => {
    expect(planRelease(request(), undefined, staging)).toMatchObject({
      ok: true,
      source: 'request',
      namespace: 'demo',
    });
    const refused = planRelease(request(), undefined, production);
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.reasons[0]).toContain('production is protected');
  });

  it('refuses an environment the app does not declare', () => {
    const plan = planRelease(request({ environment: 'qa' }), app(), { name: 'qa', protected: false });
    expect(plan).toEqual({
      ok: false,
      reasons: ['app hello has no environment qa in its spec (add it under environments)'],
    });
  });

  it('the example app passes the gates of a protected environment', () => {
    const example = AppSpecSchema.parse(
      parse(readFileSync(join(import.meta.dirname, '../../lib/apps/examples/hello.yaml'), 'utf8')),
    );
    expect(planRelease(request({ image: DIGEST, environment: 'production' }), example, production).ok).toBe(true);
  });

  it('leaves replicas to the HPA where the app is autoscaled, and carries the autoRollback setting', () => {
    const scaled = app((a) => ({
      ...a,
      environments: {
        ...a.environments,
        staging: { ...a.environments.staging!, autoscaled: true, autoRollback: false },
      },
    }));
    const plan = planRelease(request({ image: DIGEST }), scaled, staging);
    expect(plan).toMatchObject({ ok: true, autoRollback: false });
    if (!plan.ok) return;
    const deployment = plan.manifests.find((m) => m.kind === 'Deployment') as unknown as Record<string, any>;
    expect(deployment.spec).not.toHaveProperty('replicas');
    const fixed = planRelease(request({ image: DIGEST }), app(), staging);
    expect(fixed).toMatchObject({ ok: true, autoRollback: true });
  });
});

describe('planRelease with sidecars', () => {
  const PROXY = `ghcr.io/acme/proxy@sha256:${'c'.repeat(64)}`;
  const NEW_PROXY = `ghcr.io/acme/proxy@sha256:${'d'.repeat(64)}`;
  const withProxy = app((a) => ({
    ...a,
    containers: [...a.containers, { ...a.containers[0]!, name: 'proxy', repository: 'ghcr.io/acme/proxy', ports: [] }],
  }));
  const imagesOf = (plan: ReturnType<typeof planRelease>) => {
    if (!plan.ok) throw new Error(plan.reasons.join('; '));
    const deployment = plan.manifests.find((m) => m.kind === 'Deployment') as unknown as Record<string, any>;
    return deployment.spec.template.spec.containers.map((c: { name: string; image: string }) => [c.name, c.image]);
  };

  it('a first release needs every container image, and names the one missing', () => {
    const plan = planRelease(request({ image: DIGEST }), withProxy, staging);
    expect(plan).toEqual({
      ok: false,
      reasons: ['image: container "proxy" has no image to deploy (give it in images)'],
    });
    expect(imagesOf(planRelease(request({ image: DIGEST, images: { proxy: PROXY } }), withProxy, staging))).toEqual([
      ['hello', DIGEST],
      ['proxy', PROXY],
    ]);
  });

  it('an image for one container keeps the others as the current release runs them', () => {
    const current = planRelease(request({ image: DIGEST, images: { proxy: PROXY } }), withProxy, staging);
    if (!current.ok) throw new Error('setup');
    const next = planRelease(request({ image: NEW_PROXY, container: 'proxy' }), withProxy, staging, current);
    expect(imagesOf(next)).toEqual([
      ['hello', DIGEST],
      ['proxy', NEW_PROXY],
    ]);
  });

  it('refuses containers the app does not have, and container/images for unregistered apps', () => {
    expect(planRelease(request({ image: PROXY, container: 'envoy' }), withProxy, staging)).toEqual({
      ok: false,
      reasons: ['image: app hello has no container "envoy"'],
    });
    expect(planRelease(request({ image: DIGEST, images: { envoy: PROXY } }), withProxy, staging)).toMatchObject({
      ok: false,
      reasons: [
        'image: images names "envoy", which is not a container of app "hello"',
        'image: container "proxy" has no image to deploy (give it in images)',
      ],
    });
    expect(planRelease(request({ image: DIGEST, container: 'web' }), undefined, staging)).toMatchObject({
      ok: false,
      reasons: [expect.stringContaining('is not registered')],
    });
  });
});
