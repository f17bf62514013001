import { describe, expect, it } from 'vitest';
import { AutoscalingSchema } from '../../lib/apps/autoscaling.ts';
import { type AppSpec, AppSpecSchema, ContainerSchema } from '../../lib/apps/spec.ts';
import { checkPolicy, POLICY_RULES, type PolicyInput, type PolicyRule } from '../../lib/deploy/decisions/policy.ts';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const PINNED = `registry.local:5000/acme/api@${DIGEST}`;
const probe = { httpGet: { path: '/healthz', port: 8080 } };

/** A compliant app: every protected rule holds, so each test breaks exactly what it names. */
const app = (overrides: Record<string, unknown> = {}, container: Record<string, unknown> = {}): AppSpec =>
  AppSpecSchema.parse({
    name: 'api',
    namespace: 'acme',
    qos: 'standard',
    containers: [
      {
        name: 'api',
        repository: 'registry.local:5000/acme/api',
        ports: [{ name: 'http', containerPort: 8080 }],
        probes: { liveness: probe, readiness: probe },
        limits: { cpu: '500m', memory: '256Mi' },
        ...container,
      },
    ],
    environments: { production: {}, dev: {} },
    ...overrides,
  });

const input = (over: Partial<PolicyInput> = {}, prod = true): PolicyInput => ({
  app: app(),
  environment: prod ? { name: 'production', protected: true } : { name: 'dev', protected: false },
  image: PINNED,
  replicas: 3,
  ...over,
});

const sidecar = (extra: Record<string, unknown> = {}) => ({
  name: 'proxy',
  repository: 'registry.local:5000/acme/proxy',
  probes: { liveness: probe, readiness: probe },
  limits: { cpu: '100m', memory: '64Mi' },
  ...extra,
});
const withSidecar = (extra: Record<string, unknown> = {}, qos = 'standard') => {
  const base = app({ qos });
  return { ...base, containers: [...base.containers, ContainerSchema.parse(sidecar(extra))] };
};

describe('checkPolicy: a compliant release passes', () => {
  it.each([
    ['protected, standard', input()],
    ['protected, critical', input({ app: app({ qos: 'critical' }) })],
    ['protected, back-office', input({ app: app({ qos: 'back-office' }) })],
    ['protected, tag and digest', input({ image: `registry.local:5000/acme/api:1.2.3@${DIGEST}` })],
    ['protected, more replicas', input({ replicas: 10 })],
    ['protected, two containers', input({ app: withSidecar(), images: { proxy: `acme/proxy@${DIGEST}` } })],
    [
      'unprotected, anything that can work',
      input({ image: 'nginx', replicas: 1, app: app({}, { probes: {}, limits: undefined }) }, false),
    ],
  ])('%s', (_, i) => {
    expect(checkPolicy(i)).toEqual([]);
  });
});

describe('checkPolicy: never `latest` in a protected environment, pinned or not', () => {
  const rules = (i: PolicyInput) => checkPolicy(i).map((v) => v.rule);
  it.each<[string, string, PolicyRule[]]>([
    ['latest pinned by digest', `registry.local:5000/acme/api:latest@${DIGEST}`, ['latest-tag']],
    ['latest, not pinned', 'registry.local:5000/acme/api:latest', ['image-digest', 'latest-tag']],
    ['no tag and no digest (means latest)', 'nginx', ['image-digest', 'latest-tag']],
    ['no tag, pinned by digest', `registry.local:5000/acme/api@${DIGEST}`, []],
    ['a tag that merely contains latest', `registry.local:5000/acme/api:latest-1.2@${DIGEST}`, []],
  ])('%s', (_, image, expected) => {
    expect(rules(input({ image }))).toEqual(expected);
  });

  it('says so, naming the container, and the unprotected environment takes it', () => {
    const image = `registry.local:5000/acme/api:latest@${DIGEST}`;
    const [refusal] = checkPolicy(input({ image }));
    expect(refusal?.reason).toContain('container "api"');
    expect(refusal?.reason).toContain('"latest"');
    expect(checkPolicy(input({ image }, false))).toEqual([]);
  });

  it('a sidecar on latest is refused too', () => {
    const i = input({ app: withSidecar(), images: { proxy: `acme/proxy:latest@${DIGEST}` } });
    expect(checkPolicy(i)).toEqual([{ rule: 'latest-tag', reason: expect.stringContaining('container "proxy"') }]);
  });
});

describe('checkPolicy: each rule alone (protected)', () => {
  it.each<[string, PolicyInput, string, RegExp]>([
    [
      'a tag only',
      input({ image: 'registry.local:5000/acme/api:1.2.3' }),
      'image-digest',
      /pinned by digest .*got registry\.local:5000\/acme\/api:1\.2\.3 \(a tag can move\)$/,
    ],
    [
      'two replicas',
      input({ replicas: 2 }),
      'replicas',
      /^replicas must be at least 3 in protected environment "production", got 2$/,
    ],
    ['zero replicas', input({ replicas: 0 }), 'replicas', /at least 3 .* got 0$/],
    [
      'no liveness probe',
      input({ app: app({}, { probes: { readiness: probe } }) }),
      'probes',
      /^container "api" has no liveness probe; protected environment "production" needs both$/,
    ],
    [
      'no readiness probe',
      input({ app: app({}, { probes: { liveness: probe } }) }),
      'probes',
      /has no readiness probe/,
    ],
    [
      'no probes',
      input({ app: app({}, { probes: {} }) }),
      'probes',
      /^container "api" has no liveness and no readiness probe;/,
    ],
    [
      'critical but a container without limits',
      input({ app: withSidecar({ limits: undefined }, 'critical'), images: { proxy: `acme/proxy@${DIGEST}` } }),
      'limits',
      /^container "proxy" has no limits \(cpu and memory\); protected environment "production" needs them/,
    ],
  ])('%s', (_, i, rule, reason) => {
    const violations = checkPolicy(i);
    expect(violations.map((v) => v.rule).filter((r) => r !== 'critical-guaranteed')).toEqual([rule]);
    expect(violations.find((v) => v.rule === rule)?.reason).toMatch(reason);
  });

  it('a critical app that comes out Burstable is refused, naming the container', () => {
    const violations = checkPolicy(
      input({ app: withSidecar({ limits: undefined }, 'critical'), images: { proxy: `acme/proxy@${DIGEST}` } }),
    );
    expect(violations).toContainEqual({
      rule: 'critical-guaranteed',
      reason:
        'critical tier must run Guaranteed (requests = limits), would be Burstable: no limits on container "proxy"',
    });
  });

  it('no limits anywhere: BestEffort is refused along with the missing limits', () => {
    expect(checkPolicy(input({ app: app({}, { limits: undefined }) }))).toEqual([
      {
        rule: 'limits',
        reason:
          'container "api" has no limits (cpu and memory); protected environment "production" needs them on every container',
      },
      {
        rule: 'best-effort',
        reason:
          'pods would run BestEffort (no container has limits); protected environment "production" refuses BestEffort',
      },
    ]);
  });
});

describe('checkPolicy: everywhere, what can never work', () => {
  it.each<[string, PolicyInput, string, RegExp]>([
    [
      'an invalid reference',
      input({ image: 'Not A Ref' }, false),
      'image',
      /^container "api": image "Not A Ref" is invalid \(/,
    ],
    ['an empty reference', input({ image: '' }, false), 'image', /image "" is invalid \(empty\)/],
    [
      'a second container without an image',
      input({ app: withSidecar() }, false),
      'image',
      /^container "proxy" has no image to deploy \(give it in images\)$/,
    ],
    [
      'an image for a container that does not exist',
      input({ images: { prxy: 'acme/proxy:1' } }, false),
      'image',
      /^images names "prxy", which is not a container of app "api"$/,
    ],
    ['negative replicas', input({ replicas: -1 }, false), 'replicas', /whole number from 0 to 1000, got -1$/],
    ['fractional replicas', input({ replicas: 1.5 }, false), 'replicas', /got 1\.5$/],
    [
      'a zero limit',
      input({ app: app({}, { limits: { cpu: '0', memory: '1Gi' } }) }, false),
      'resources',
      /^container "api": CPU limit "0" must be above zero$/,
    ],
    [
      'a port bound twice',
      input({ app: withSidecar({ ports: [{ containerPort: 8080 }] }), images: { proxy: 'acme/proxy:1' } }, false),
      'ports',
      /^port 8080\/TCP is declared twice \(containers "api" and "proxy"\)$/,
    ],
    [
      'a generated port name taken',
      input({ app: app({}, { ports: [{ name: 'tcp-80', containerPort: 81 }, { containerPort: 80 }] }) }, false),
      'ports',
      /^port name "tcp-80" is used twice \(containers "api" and "api"\)$/,
    ],
  ])('%s', (_, i, rule, reason) => {
    const violations = checkPolicy(i);
    expect(violations).toHaveLength(1);
    expect(violations[0]?.rule).toBe(rule);
    expect(violations[0]?.reason).toMatch(reason);
  });
});

describe('checkPolicy: every violation at once', () => {
  it('names all of them, in a stable order', () => {
    const bad = withSidecar({ probes: {}, limits: undefined, ports: [{ containerPort: 8080 }] }, 'critical');
    const violations = checkPolicy(input({ app: bad, image: 'acme/api:latest', replicas: 1 }));
    expect(violations.map((v) => v.rule)).toEqual([
      'image-digest',
      'latest-tag',
      'image',
      'replicas',
      'ports',
      'probes',
      'limits',
      'critical-guaranteed',
    ]);
    expect(violations.every((v) => POLICY_RULES.includes(v.rule))).toBe(true);
  });

  it('the same request in an unprotected environment is refused only for what can never work', () => {
    const bad = withSidecar({ probes: {}, limits: undefined, ports: [{ containerPort: 8080 }] }, 'critical');
    const violations = checkPolicy(input({ app: bad, image: 'acme/api:latest', replicas: 1 }, false));
    expect(violations.map((v) => v.rule)).toEqual(['image', 'ports']);
  });
});

describe('checkPolicy: autoscaling and the replica floor', () => {
  const autoscaling = (a: Record<string, unknown>) => AutoscalingSchema.parse(a);
  it.each<[string, Record<string, unknown>, boolean, RegExp | undefined]>([
    ['HPA min 3 in a protected environment', { min: 3, max: 10 }, true, undefined],
    [
      'HPA min 2 in a protected environment',
      { min: 2, max: 10 },
      true,
      /^autoscaling\.min must be at least 3 in protected environment "production" \(the HPA may scale down to it\), got 2$/,
    ],
    ['HPA min 1 (the default) unprotected', { max: 10 }, false, undefined],
    ['no HPA, max 3, protected', { hpa: false, min: 1, max: 3 }, true, undefined],
    [
      'no HPA, max 2, protected (min does not matter: max runs)',
      { hpa: false, min: 1, max: 2 },
      true,
      /^autoscaling\.max must be at least 3 in .* \(without an HPA the Deployment runs max\), got 2$/,
    ],
  ])('%s', (_, a, prod, reason) => {
    const parsed = autoscaling(a);
    const replicas = parsed.hpa ? parsed.min : parsed.max;
    const violations = checkPolicy(input({ autoscaling: parsed, replicas }, prod));
    if (reason === undefined) expect(violations).toEqual([]);
    else {
      expect(violations.map((v) => v.rule)).toEqual(['replicas']);
      expect(violations[0]?.reason).toMatch(reason);
    }
  });

  it('without autoscaling the replica rule works as before', () => {
    expect(checkPolicy(input({ replicas: 2 })).map((v) => v.rule)).toEqual(['replicas']);
    expect(checkPolicy(input({ replicas: 3 }))).toEqual([]);
  });
});
