import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import sample from '../../events/samples/deploy.requested.json' with { type: 'json' };

const run = promisify(execFile);
const bin = join(import.meta.dirname, '../../lib/cli/bin.js');
const dir = mkdtempSync(join(tmpdir(), 'capstan-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const capstan = async (...args: string[]) => capstanWith({}, ...args);

const capstanWith = async (extraEnv: NodeJS.ProcessEnv, ...args: string[]) => {
  try {
    const { stdout, stderr } = await run('node', [bin, ...args], {
      env: { ...process.env, CAPSTAN_STATE: join(dir, 'none.json'), ...extraEnv },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

const file = (name: string, content: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
};

describe('capstan CLI', () => {
  it.each([
    'up',
    'send',
    'clusters list',
    'clusters add',
    'history',
    'releases',
    'rollback',
    'rbac',
    'install',
    'demo',
    'apps add',
    'apps list',
    'apps show',
    'apps remove',
    'env set',
    'env list',
    'status',
    'promote',
    'approve',
    'hooks',
    'bench',
    'nodes',
    'heal list',
    'heal show',
    'heal approve',
    'heal cancel',
    'rbd status',
    'scale',
  ])('%s --help', async (command) => {
    const { code, stdout } = await capstan(...command.split(' '), '--help');
    expect(code).toBe(0);
    expect(stdout).toContain(`Usage: capstan ${command}`);
  });

  it("hooks prints each registry's URL and its own secret, derived from the ingest token", async () => {
    const token = 'a-long-enough-ingest-token-for-tests';
    const { code, stdout } = await capstanWith(
      { CAPSTAN_INGEST_TOKEN: token },
      'hooks',
      '--url',
      'https://api.example.com/',
      '--json',
    );
    expect(code).toBe(0);
    const rows = JSON.parse(stdout) as {
      producer: string;
      url: string;
      field: string;
      value: string;
      configure: string;
    }[];
    expect(rows.map((r) => r.producer)).toEqual(['distribution', 'harbor', 'dockerhub', 'ghcr', 'alertmanager', 'ci']);
    const { hookSecret } = await import('../../lib/ingest/hook-secret.ts');
    expect(rows[0]?.configure).toContain(`Bearer ${hookSecret(token, 'distribution')}`);
    expect(rows[1]).toMatchObject({ field: 'Auth Header', value: `Bearer ${hookSecret(token, 'harbor')}` });
    expect(rows[2]?.url).toBe(`https://api.example.com/hooks/dockerhub/${hookSecret(token, 'dockerhub')}`);
    // CI's route has no secret: the job's OIDC ID token is its credential.
    expect(rows[5]).toMatchObject({
      url: 'https://api.example.com/ci/deploy',
      field: 'Authorization',
      value: "Bearer <the job's OIDC ID token>",
    });
    expect(stdout).not.toContain(token);
    const text = await capstanWith({ CAPSTAN_INGEST_TOKEN: token }, 'hooks', '--url', 'https://api.example.com');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(
      "CI jobs (GitHub Actions, GitLab CI): POST https://api.example.com/ci/deploy with Authorization: Bearer <the job's OIDC ID token>",
    );
    const one = await capstanWith({ CAPSTAN_INGEST_TOKEN: token }, 'hooks', '--cluster', 'dc1', '--json');
    expect((JSON.parse(one.stdout) as { producer: string }[]).map((r) => r.producer)).toEqual([
      'kubernetes-event-exporter',
    ]);
  });

  it("hooks refuses to pair the local runtime's token with another stack's URL", async () => {
    const state = file('runtime.json', {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      httpUrl: 'http://127.0.0.1:8787',
      region: 'us-east-1',
      table: 'capstan',
      endpoints: {},
      queues: {},
      ingestToken: 'a-long-enough-local-ingest-token',
      clusters: [],
    });
    const local = await capstanWith({ CAPSTAN_STATE: state }, 'hooks', '--json');
    expect(local.code).toBe(0);
    expect(JSON.parse(local.stdout)[0].url).toBe('http://127.0.0.1:8787/hooks/distribution');
    const other = await capstanWith({ CAPSTAN_STATE: state }, 'hooks', '--url', 'https://api.example.com');
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('CAPSTAN_INGEST_TOKEN');
  });

  it('hooks without a running capstan or a token says what to do', async () => {
    const { code, stderr } = await capstan('hooks');
    expect(code).toBe(1);
    expect(stderr).toContain('capstan is not running here');
  });

  it('send refuses an invalid event, naming the bad field, before anything is sent', async () => {
    const bad = file('bad.json', { ...sample, data: { ...sample.data, replicas: -1 } });
    const { code, stderr } = await capstan('send', bad);
    expect(code).toBe(2);
    expect(stderr).toContain('is not a valid capstan event');
    expect(stderr).toContain('data.replicas');
  });

  it('send refuses a file that is not JSON', async () => {
    const { code, stderr } = await capstan('send', file('text.json', 'hello'));
    expect(code).toBe(2);
    expect(stderr).toContain('is not valid JSON');
  });

  it('send --validate-only accepts the sample', async () => {
    const { code, stdout } = await capstan(
      'send',
      '--validate-only',
      join(import.meta.dirname, '../../events/samples/deploy.requested.json'),
    );
    expect(code).toBe(0);
    expect(stdout).toContain('valid deploy.requested event');
  });

  it('send without a running capstan says how to start one', async () => {
    const { code, stderr } = await capstan(
      'send',
      join(import.meta.dirname, '../../events/samples/deploy.requested.json'),
    );
    expect(code).toBe(1);
    expect(stderr).toContain('capstan is not running here: start it with `capstan up`');
  });

  it('rollback refuses a release number that is not one', async () => {
    const { code, stderr } = await capstan('rollback', 'hello', '--env', 'staging', '--to', 'yesterday');
    expect(code).toBe(2);
    expect(stderr).toContain("option '--to <release>' argument 'yesterday' is invalid. Expected a release number");
  });

  it('rollback refuses an invalid app name, naming the field', async () => {
    const { code, stderr } = await capstan('rollback', 'Hello!', '--env', 'staging');
    expect(code).toBe(2);
    expect(stderr).toContain('data.app');
  });

  it('clusters add refuses a secret outside the prefix the functions may read', async () => {
    const { code, stderr } = await capstan(
      'clusters',
      'add',
      'east',
      '--environment',
      'prod',
      '--secret',
      'other/east',
    );
    expect(code).toBe(2);
    expect(stderr).toContain('--secret must be named capstan/clusters/<name>');
  });

  it('clusters add refuses bad names and a missing credentials reference', async () => {
    const { code, stderr } = await capstan('clusters', 'add', 'Bad_Name', '--environment', 'prod');
    expect(code).toBe(2);
    expect(stderr).toContain('must be a DNS-1123 label');
    expect(stderr).toContain('give exactly one of --context');
  });

  it('apps add refuses a bad spec with every problem on its own line, before touching the table', async () => {
    const path = file(
      'bad-app.yaml',
      'name: web\nnamespace: web\ncontainers: [{ name: web, repository: "nginx:latest" }]\nenvironments: { staging: { track: { tags: { glob: "[" } } } }\nextra: 1\n',
    );
    const { code, stderr } = await capstan('apps', 'add', path);
    expect(code).toBe(2);
    expect(stderr).toContain('bad-app.yaml is not a valid app:\n');
    expect(stderr).toContain('  - containers[0].repository: must name the repository only');
    expect(stderr).toContain('  - (root): Unrecognized key: "extra"');
  });

  it('apps add --dry-run validates the shipped example without a running capstan', async () => {
    const { code, stdout } = await capstan(
      'apps',
      'add',
      join(import.meta.dirname, '../../lib/apps/examples/hello.yaml'),
      '--dry-run',
    );
    expect(code).toBe(0);
    expect(stdout).toContain(
      'app hello is valid (staging: tracks semver >=1.0.0, auto; production: tracks semver >=1.0.0, approval)',
    );
  });

  it('apps add names a file that cannot be read', async () => {
    const { code, stderr } = await capstan('apps', 'add', join(dir, 'missing.yaml'));
    expect(code).toBe(2);
    expect(stderr).toContain('cannot read');
  });

  it('env set wants something to set, and at most one of --protected or --unprotected', async () => {
    const none = await capstan('env', 'set', 'production');
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('give --protected, --unprotected, --heal-mode or --notify-channel');
    const both = await capstan('env', 'set', 'production', '--protected', '--unprotected');
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('give only one of --protected or --unprotected');
  });

  it.each([
    ['env', 'set', 'production', '--heal-mode', 'sometimes'],
    ['clusters', 'add', 'east', '--environment', 'prod', '--context', 'east', '--heal-mode', 'AUTO'],
  ])('--heal-mode takes observe, approve or auto only: %j', async (...args) => {
    const { code, stderr } = await capstan(...args);
    expect(code).toBe(2);
    expect(stderr).toContain('Allowed choices are observe, approve, auto.');
  });

  it.each([
    [['heal', 'approve', 'east'], "missing required argument 'node'"],
    [['heal', 'cancel'], "missing required argument 'cluster'"],
    [['heal', 'show', 'east', 'n1', '--limit', '0'], 'a whole number from 1 to 1000'],
    [['heal', 'approve', 'East_1', 'n1'], 'cluster "East_1" must be a DNS-1123 label'],
    [['heal', 'cancel', 'east', 'Node_1'], 'node "Node_1" must be a DNS-1123 subdomain'],
    [['heal', 'show', 'east', '-n1'], "unknown option '-n1'"],
    [['heal', 'list', '--everything'], "unknown option '--everything'"],
    [['heal', 'list', '--cluster', 'East'], '--cluster "East" must be a DNS-1123 label'],
    [['nodes', 'east'], 'too many arguments'],
  ])('heal and nodes refuse bad arguments with exit 2 before touching the table: %j', async (args, message) => {
    const { code, stderr } = await capstan(...args);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });

  it.each([['nodes'], ['heal', 'list'], ['heal', 'approve', 'east', 'n1'], ['heal', 'cancel', 'east', 'n1.local']])(
    '%j without a running capstan says how to start one',
    async (...args) => {
      const { code, stderr } = await capstan(...args);
      expect(code).toBe(1);
      expect(stderr).toContain('capstan is not running here');
    },
  );

  it.each([
    [['--ceph-restful', 'https://mgr:8003', '--network-fence-class', 'fence'], 'not both'],
    [['--ceph-credentials', 'ceph.json'], '--ceph-restful <url> is required'],
    [
      ['--ceph-restful', 'https://mgr:8003', '--ceph-secret', 'other/east'],
      '--ceph-secret must be named capstan/clusters/',
    ],
    [['--ceph-restful', 'https://mgr:8003', '--blocklist-expire', '0'], 'a whole number from 1 to 315360000'],
    [
      ['--ceph-restful', 'https://mgr:8003', '--ceph-credentials', 'c.json', '--blocklist-expire', '600'],
      '--blocklist-expire 600 is too short: at least 3600 s',
    ],
    [['--ceph-restful', 'http://mgr:8003', '--ceph-credentials', 'c.json'], 'must be an https URL'],
    [['--network-fence-driver', 'rbd.csi.ceph.com', '--network-fence-secret', 'csi-rbd'], '<namespace>/<name>'],
  ])('clusters add refuses bad freeing flags with exit 2 before touching the table: %j', async (flags, message) => {
    const { code, stderr } = await capstan(
      'clusters',
      'add',
      'east',
      '--environment',
      'prod',
      '--context',
      'east',
      ...flags,
    );
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });

  it('clusters add refuses a Ceph credentials file that is not complete, naming fields and never a key', async () => {
    const key = 'AQDdoNotPrintThisKey==';
    const path = file('ceph.json', { restfulUser: 'capstan', restfulKey: key, monHost: '10.0.0.1', clientKey: key });
    const { code, stderr } = await capstan(
      'clusters',
      'add',
      'east',
      '--environment',
      'prod',
      '--context',
      'east',
      '--ceph-restful',
      'https://mgr:8003',
      '--ceph-credentials',
      path,
    );
    expect(code).toBe(2);
    expect(stderr).toContain(
      `--ceph-credentials: cluster east: Ceph credentials: file ${path} does not hold Ceph credentials (clientName:`,
    );
    expect(stderr).not.toContain(key);
  });

  it.each([
    [['heal', 'show', 'east', 'rbd/'], 'image "rbd/" must be <pool>/<image>'],
    [['rbd', 'status', 'east', 'vol-1'], 'image "vol-1" must be <pool>/<image>'],
    [['rbd', 'status', 'East', 'rbd/vol-1'], 'cluster "East" must be a DNS-1123 label'],
    [['rbd', 'status', 'east'], "missing required argument 'pool/image'"],
    [['heal', 'show', 'East', 'rbd/vol'], 'cluster "East" must be a DNS-1123 label'],
  ])('heal show and rbd status refuse a bad image with exit 2: %j', async (args, message) => {
    const { code, stderr } = await capstan(...args);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });

  it('promote refuses promoting an environment onto itself', async () => {
    const { code, stderr } = await capstan('promote', 'web', '--from', 'staging', '--to', 'staging');
    expect(code).toBe(2);
    expect(stderr).toContain('--from and --to must differ');
  });
});
