import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAppSpec } from '../../lib/apps/load.ts';
import { canonicalRepository } from '../../lib/apps/repository.ts';
import { InvalidInputError } from '../../lib/errors.ts';
import { trackedRepositories } from '../../lib/store/apps.ts';

const example = readFileSync(new URL('../../lib/apps/examples/hello.yaml', import.meta.url), 'utf8');

const issuesOf = (text: string): readonly string[] => {
  try {
    parseAppSpec(text, 'app.yaml');
  } catch (error) {
    if (error instanceof InvalidInputError) return error.issues;
    throw error;
  }
  throw new Error('expected the spec to be refused');
};

describe('parseAppSpec', () => {
  it('reads the shipped example, with defaults filled in', () => {
    const spec = parseAppSpec(example, 'hello.yaml');
    expect(spec.name).toBe('hello');
    expect(spec.environments.production).toEqual({
      track: { tags: { semver: '>=1.0.0' } },
      autoDeploy: false,
      autoRollback: true,
      autoscaled: false,
      // Durations as seconds; hpa defaults to true.
      autoscaling: { hpa: true, min: 3, max: 10, cpuTarget: 70, cooldown: 300, burstMax: 20, burstFor: 3600 },
    });
  });

  it('reads JSON as well', () => {
    const spec = parseAppSpec(JSON.stringify(parseAppSpec(example, 'hello.yaml')), 'hello.json');
    expect(spec.containers[0]?.repository).toBe('registry.local:5000/acme/hello');
  });

  it('names every problem with its path at once', () => {
    const issues = issuesOf(`
name: Bad_Name
namespace: demo
qos: gold
containers:
  - name: web
    repository: nginx:latest
    limits: { cpu: lots, memory: 1Gi }
environments:
  staging: { track: { tags: { semver: "not a range" } } }
  qa: { track: { tags: { regex: "(" } } }
`);
    expect(issues).toEqual([
      expect.stringMatching(/^name: /),
      expect.stringMatching(/^qos: /),
      'containers[0].repository: must name the repository only (no ":tag" or "@digest"): releases choose the image',
      'containers[0].limits.cpu: must be a CPU quantity such as "500m" or "2"',
      expect.stringMatching(/^environments\.staging\.track\.tags: semver tag policy "not a range"/),
      expect.stringMatching(/^environments\.qa\.track\.tags: regex tag policy "\(" does not compile/),
    ]);
  });

  it('refuses unknown fields (a typo is not silently ignored)', () => {
    const issues = issuesOf(example.replace('replicas: 3', 'replica: 3'));
    expect(issues.join()).toMatch(/replica/);
  });

  it('refuses text that is not YAML, and YAML that is not one app', () => {
    expect(() => parseAppSpec('a: [', 'x.yaml')).toThrow(/x.yaml is not valid YAML or JSON/);
    expect(() => parseAppSpec('- a\n- b', 'x.yaml')).toThrow(/must hold one app/);
    expect(() => parseAppSpec('a: 1\na: 2', 'x.yaml')).toThrow(/not valid YAML/);
  });
});

describe('repositories compare in one spelling', () => {
  it('spells Docker Hub out and keeps other registries as they are', () => {
    expect(canonicalRepository(undefined, 'nginx')).toBe('docker.io/library/nginx');
    expect(canonicalRepository('docker.io', 'library/nginx')).toBe('docker.io/library/nginx');
    expect(canonicalRepository('registry.local:5000', 'acme/api')).toBe('registry.local:5000/acme/api');
  });

  it('an app is found by the repository of each container, with the containers that run it', () => {
    const spec = parseAppSpec(example.replace('registry.local:5000/acme/hello', 'nginx'), 'hello.yaml');
    const withSidecars = {
      ...spec,
      containers: [
        ...spec.containers,
        { ...spec.containers[0]!, name: 'proxy', repository: 'ghcr.io/acme/proxy', ports: [] },
        { ...spec.containers[0]!, name: 'nginx-twin', ports: [] },
      ],
    };
    expect(trackedRepositories(withSidecars)).toEqual(
      new Map([
        ['docker.io/library/nginx', ['hello', 'nginx-twin']],
        ['ghcr.io/acme/proxy', ['proxy']],
      ]),
    );
  });
});
