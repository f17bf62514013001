import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DeployRequestedDataSchema } from '../../events/deploy-requested.ts';
import { HpaThresholdHitDataSchema } from '../../events/hpa-threshold-hit.ts';
import { ImagePushedDataSchema } from '../../events/image-pushed.ts';
import { formatImageRef, ImageRefSchema, normalizeImageRef, parseImageRef } from '../../events/image-ref.ts';
import { eventId, eventTypes, parseEvent } from '../../events/index.ts';
import { NodeLostDataSchema } from '../../events/node-lost.ts';
import { RbdLockDetectedDataSchema } from '../../events/rbd-lock-detected.ts';
import { RolloutCheckDataSchema } from '../../events/rollout-check.ts';

const SAMPLES = join(import.meta.dirname, '../../events/samples');
const json = (path: string): Record<string, unknown> => JSON.parse(readFileSync(path, 'utf8'));
const jsonFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.json'));
const sample = (type: string) => json(join(SAMPLES, `${type}.json`)) as { data: Record<string, unknown> };
const DIGEST = `sha256:${'a1'.repeat(32)}`;

/** The issues of a result that must have failed. */
const issuesOf = (input: unknown): string[] => {
  const r = parseEvent(input);
  if (r.ok) throw new Error(`expected a failure, got ${JSON.stringify(r.event)}`);
  return r.issues;
};

describe('samples', () => {
  it('has one valid sample per event type, named after it', () => {
    expect(jsonFiles(SAMPLES).sort()).toEqual(eventTypes.map((t) => `${t}.json`).sort());
  });

  it.each(jsonFiles(SAMPLES))('%s validates', (file) => {
    const r = parseEvent(json(join(SAMPLES, file)));
    expect(r.ok ? r.event.type : r.issues).toBe(file.replace(/\.json$/, ''));
  });

  // Each invalid sample names the field its issue must point at.
  const invalid: Record<string, string> = {
    'bad-replicas.json': 'data.replicas: Too big: expected number to be <=1000',
    'missing-app.json': 'data.app: Invalid input: expected string, received undefined',
    'unknown-type.json': 'type: unknown event type "deploy.request"; known types: ',
    'bad-digest.json': 'data.image: invalid image reference (digest must be',
    'node-ready.json': 'data.readyStatus: ',
  };
  it.each(jsonFiles(join(SAMPLES, 'invalid')))('invalid/%s fails naming the bad field', (file) => {
    const expected = invalid[file];
    expect(expected, `add ${file} to the table`).toBeDefined();
    const issues = issuesOf(json(join(SAMPLES, 'invalid', file)));
    expect(issues.some((i) => i.startsWith(expected ?? '?'))).toBe(true);
  });
});

describe('parseEvent', () => {
  it('fills defaults and keeps the typed event', () => {
    const { namespace: _, replicas: __, ports: ___, env: ____, ...data } = sample('deploy.requested').data;
    const r = parseEvent({ ...sample('deploy.requested'), data });
    expect(r.ok && r.event.type === 'deploy.requested' && r.event.data).toMatchObject({
      namespace: 'default',
      replicas: 1,
      ports: [],
      env: {},
    });
  });

  it.each([
    ['a missing type', { specversion: '1.0' }, /^type: missing; known types: image\.pushed, deploy\.requested/],
    ['a non-object', 'hello', /^\(root\): Invalid input: expected object/],
    ['a wrong schema version', { ...sample('node.lost'), schemaversion: '2' }, /^schemaversion: /],
    ['a time without offset', { ...sample('node.lost'), time: '2025-11-20T11:02:10' }, /^time: /],
    [
      'an unknown data key',
      { ...sample('node.lost'), data: { ...sample('node.lost').data, zone: 'a' } },
      /^data: .*"zone"/,
    ],
    [
      'an array index',
      { ...sample('deploy.requested'), data: { ...sample('deploy.requested').data, ports: [{ containerPort: 0 }] } },
      /^data\.ports\[0\]\.containerPort: Too small/,
    ],
    [
      'a bad env name',
      { ...sample('deploy.requested'), data: { ...sample('deploy.requested').data, env: { 'A-B': 'x' } } },
      /^data\.env\.A-B: Invalid key in record: must be an environment variable name/,
    ],
  ])('names the path for %s', (_, input, expected) => {
    expect(issuesOf(input).join('\n')).toMatch(expected);
  });
});

describe('image references', () => {
  it.each([
    ['nginx', { repository: 'nginx' }],
    ['nginx:1.27-alpine', { repository: 'nginx', tag: '1.27-alpine' }],
    ['library/nginx:latest', { repository: 'library/nginx', tag: 'latest' }],
    ['localhost:5000/x:1', { registry: 'localhost:5000', repository: 'x', tag: '1' }],
    ['localhost/x', { registry: 'localhost', repository: 'x' }],
    [`ghcr.io/acme/api@${DIGEST}`, { registry: 'ghcr.io', repository: 'acme/api', digest: DIGEST }],
    [
      `ghcr.io/acme/api:v1.2.3@${DIGEST}`,
      { registry: 'ghcr.io', repository: 'acme/api', tag: 'v1.2.3', digest: DIGEST },
    ],
    [
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/svc_a__b.c-d:V1_RC',
      { registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com', repository: 'team/svc_a__b.c-d', tag: 'V1_RC' },
    ],
    ['acme/api', { repository: 'acme/api' }],
  ])('parses %s and formats it back', (s, parts) => {
    expect(parseImageRef(s)).toEqual(parts);
    expect(formatImageRef(parts)).toBe(s);
    expect(ImageRefSchema.safeParse(s).success).toBe(true);
  });

  it.each([
    ['', 'empty'],
    ['Nginx', 'must be lowercase'],
    ['ghcr.io/Acme/api', 'must be lowercase'],
    ['nginx@sha256:abc', 'digest must be'],
    [`nginx@sha256:${'A1'.repeat(32)}`, 'digest must be'],
    [`nginx@sha512:${'a1'.repeat(64)}`, 'digest must be'],
    ['nginx:', 'tag "" is not valid'],
    ['nginx:-x', 'tag "-x" is not valid'],
    [`nginx:${'a'.repeat(129)}`, 'is not valid'],
    ['acme//api', 'repository "acme//api"'],
    ['acme/api-', 'repository'],
    ['-acme.io/api', 'registry "-acme.io"'],
    ['localhost:99999/x', 'registry "localhost:99999"'],
    ['acme/a b', 'repository'],
    [`r.io/${'a'.repeat(255)}`, 'longer than 255'],
  ])('rejects %j (%s)', (s, reason) => {
    expect(parseImageRef(s)).toBeUndefined();
    const r = ImageRefSchema.safeParse(s);
    expect(r.error?.issues[0]?.message).toContain(reason);
  });

  it('spells out Docker Hub defaults only when asked', () => {
    expect(normalizeImageRef({ repository: 'nginx', tag: '1' })).toEqual({
      registry: 'docker.io',
      repository: 'library/nginx',
      tag: '1',
    });
    expect(normalizeImageRef({ repository: 'acme/api' })).toEqual({ registry: 'docker.io', repository: 'acme/api' });
    expect(normalizeImageRef({ registry: 'ghcr.io', repository: 'x' })).toEqual({
      registry: 'ghcr.io',
      repository: 'x',
    });
  });
});

/** Table rows: a patch over the sample's data, and whether the result must validate. */
type Row = readonly [string, Record<string, unknown>, boolean];
const table = (name: string, schema: { safeParse: (v: unknown) => { success: boolean } }, type: string, rows: Row[]) =>
  describe(name, () => {
    it.each(rows)('%s', (_, patch, valid) => {
      const data = Object.fromEntries(
        Object.entries({ ...sample(type).data, ...patch }).filter(([, v]) => v !== undefined),
      );
      expect(schema.safeParse(data).success).toBe(valid);
    });
  });

table('deploy.requested data', DeployRequestedDataSchema, 'deploy.requested', [
  ['tag-only image', { image: 'nginx:1.27' }, true],
  ['zero replicas (scaled down)', { replicas: 0 }, true],
  ['1000 replicas', { replicas: 1000 }, true],
  ['1001 replicas', { replicas: 1001 }, false],
  ['fractional replicas', { replicas: 1.5 }, false],
  ['negative replicas', { replicas: -1 }, false],
  ['uppercase app', { app: 'Hello' }, false],
  ['app of 64 chars', { app: 'a'.repeat(64) }, false],
  ['namespace with dots', { namespace: 'a.b' }, false],
  ['UDP port', { ports: [{ containerPort: 53, protocol: 'UDP' }] }, true],
  [
    'TCP and UDP on one port',
    {
      ports: [
        { name: 'dns-tcp', containerPort: 53 },
        { name: 'dns', containerPort: 53, protocol: 'UDP' },
      ],
    },
    true,
  ],
  ['SCTP port', { ports: [{ containerPort: 53, protocol: 'SCTP' }] }, false],
  ['port 65536', { ports: [{ containerPort: 65536 }] }, false],
  ['port name of 16 chars', { ports: [{ name: 'a'.repeat(16), containerPort: 80 }] }, false],
  ['port name of digits only', { ports: [{ name: '8080', containerPort: 80 }] }, false],
  ['port name with "--"', { ports: [{ name: 'a--b', containerPort: 80 }] }, false],
  [
    'duplicate port names',
    {
      ports: [
        { name: 'http', containerPort: 80 },
        { name: 'http', containerPort: 81 },
      ],
    },
    false,
  ],
  ['duplicate port and protocol', { ports: [{ containerPort: 80 }, { containerPort: 80, protocol: 'TCP' }] }, false],
  ['17 ports', { ports: Array.from({ length: 17 }, (_, i) => ({ containerPort: 1000 + i })) }, false],
  ['unknown port key', { ports: [{ containerPort: 80, hostPort: 80 }] }, false],
  ['env with a non-string value', { env: { A: 1 } }, false],
  ['env name starting with a digit', { env: { '1A': 'x' } }, false],
  ['reason of 500 chars', { reason: 'x'.repeat(500) }, true],
  ['reason of 501 chars', { reason: 'x'.repeat(501) }, false],
  ['unknown data key', { cluster: 'dc1' }, false],
]);

table('image.pushed data', ImagePushedDataSchema, 'image.pushed', [
  ['digest-only push', { tag: undefined }, true],
  [
    'Docker Hub push without digest',
    { registry: 'docker.io', tag: 'latest', digest: undefined, producer: 'dockerhub' },
    true,
  ],
  ['neither tag nor digest', { tag: undefined, digest: undefined }, false],
  ['Harbor digest left in tag', { tag: DIGEST, digest: undefined }, false],
  ['ECR host', { registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com', producer: 'ecr' }, true],
  ['registry with a scheme', { registry: 'https://ghcr.io' }, false],
  ['delete action', { action: 'delete' }, false],
  ['unknown producer', { producer: 'quay' }, false],
  ['uppercase repository', { repository: 'Acme/api' }, false],
]);

table('hpa.threshold.hit data', HpaThresholdHitDataSchema, 'hpa.threshold.hit', [
  ['no cluster label', { cluster: undefined }, true],
  [
    'custom CPU alert on a Deployment',
    { target: { kind: 'Deployment', name: 'api' }, signal: 'cpu-high', value: 0.93, threshold: 0.8 },
    true,
  ],
  ['StatefulSet with dotted name', { target: { kind: 'StatefulSet', name: 'db.v2' } }, true],
  ['DaemonSet target', { target: { kind: 'DaemonSet', name: 'x' } }, false],
  ['resolved', { status: 'resolved' }, true],
  ['pending status', { status: 'pending' }, false],
  ['unknown signal', { signal: 'memory-high' }, false],
  ['NaN value', { value: Number.NaN }, false],
  ['startsAt missing', { startsAt: undefined }, false],
]);

table('node.lost data', NodeLostDataSchema, 'node.lost', [
  ['not ready (kubelet alive)', { readyStatus: 'False', reason: 'KubeletNotReady' }, true],
  ['ready', { readyStatus: 'True' }, false],
  ['253-char node name', { node: `${'a'.repeat(63)}.`.repeat(3) + 'a'.repeat(61) }, true],
  ['254-char node name', { node: `${'a'.repeat(63)}.`.repeat(3) + 'a'.repeat(62) }, false],
  ['node name with "_"', { node: 'worker_3' }, false],
  ['observedAt missing', { observedAt: undefined }, false],
  ['heartbeat in unix seconds', { lastHeartbeatTime: 1763636447 }, false],
]);

table('rbd.lock.detected data', RbdLockDetectedDataSchema, 'rbd.lock.detected', [
  [
    'only what the event says',
    { persistentVolume: undefined, pool: undefined, image: undefined, attacher: undefined, holderNode: undefined },
    true,
  ],
  ['multi-attach', { symptom: 'multi-attach' }, true],
  ['image name that reads as an option', { image: '--pretend' }, false],
  ['pool with a slash', { pool: 'a/b' }, false],
  ['empty message', { message: '' }, false],
  ['unknown symptom', { symptom: 'slow' }, false],
]);

table('rollout.check data', RolloutCheckDataSchema, 'rollout.check', [
  ['later attempt', { attempt: 7 }, true],
  ['revision 0', { revision: 0 }, false],
  ['generation 0', { generation: 0 }, false],
  ['negative attempt', { attempt: -1 }, false],
  ['deadline not a date', { deadline: 'soon' }, false],
]);

describe('eventId', () => {
  it('is deterministic, 32 hex chars, and sensitive to how parts are split', () => {
    const id = eventId(['alertmanager', 'abc123', '2025-11-20T10:00:00Z', 'firing']);
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(eventId(['alertmanager', 'abc123', '2025-11-20T10:00:00Z', 'firing'])).toBe(id);
    expect(eventId(['alertmanager', 'abc123', '2025-11-20T10:00:00Z', 'resolved'])).not.toBe(id);
    expect(eventId(['a', 'bc'])).not.toBe(eventId(['ab', 'c']));
  });
});
