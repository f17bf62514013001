import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterCredentialsError, ClusterUnavailableError, isRetryable } from '../../lib/errors.ts';
import { connector } from '../../lib/kube/connect.ts';
import { secretReadError } from '../../lib/kube/credentials.ts';
import { reasonCodeOf } from '../../lib/reasons.ts';
import type { Cluster } from '../../lib/store/clusters.ts';

const cluster = (credentials: Cluster['credentials']): Cluster => ({
  name: 'c1',
  environment: 'staging',
  wave: 0,
  credentials,
  registeredAt: '2026-12-01T00:00:00Z',
});

const oneContext = `apiVersion: v1
kind: Config
clusters: [{ name: a, cluster: { server: 'https://127.0.0.1:1' } }]
users: [{ name: a, user: { token: t } }]
contexts: [{ name: a, context: { cluster: a, user: a } }]
current-context: a
`;

/** A Secrets Manager client that answers every GetSecretValue with `answer` (or throws it). */
const secretsAnswering = (answer: () => Promise<unknown>) => ({ send: answer }) as unknown as SecretsManagerClient;

const sdkError = (name: string) => Object.assign(new Error(`${name} from the service`), { name });

describe('cluster credentials that can never work are terminal and name the cluster', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'capstan-credentials-'));
    await writeFile(join(dir, 'one-context.yaml'), oneContext);
    await writeFile(join(dir, 'not-yaml.yaml'), 'clusters: [unclosed');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const refusal = async (credentials: Cluster['credentials'], secrets?: SecretsManagerClient) => {
    const error = await connector(secrets)(cluster(credentials)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ClusterCredentialsError);
    expect(isRetryable(error)).toBe(false);
    expect(reasonCodeOf(error)).toBe('credentials');
    return (error as Error).message;
  };

  it('a kubeconfig path that does not exist', async () => {
    const path = join(dir, 'nonexistent.yaml');
    expect(await refusal({ kind: 'kubeconfig', path, context: 'a' })).toMatch(
      new RegExp(`^cluster c1: kubeconfig ${path} cannot be read \\(.*ENOENT`),
    );
  });

  it('a kubeconfig path that cannot be read as a file', async () => {
    expect(await refusal({ kind: 'kubeconfig', path: dir, context: 'a' })).toMatch(/cannot be read \(.*EISDIR/);
  });

  it('a kubeconfig file that is not YAML', async () => {
    expect(await refusal({ kind: 'kubeconfig', path: join(dir, 'not-yaml.yaml'), context: 'a' })).toMatch(
      /^cluster c1: kubeconfig .*not-yaml\.yaml cannot be read/,
    );
  });

  it('a kubeconfig file without the context', async () => {
    const path = join(dir, 'one-context.yaml');
    expect(await refusal({ kind: 'kubeconfig', path, context: 'b' })).toBe(
      `cluster c1: kubeconfig ${path} has no usable context b (a context and its cluster)`,
    );
  });

  it('the context it names loads (the same file, the right context)', async () => {
    const kube = await connector()(cluster({ kind: 'kubeconfig', path: join(dir, 'one-context.yaml'), context: 'a' }));
    expect(kube.cluster).toBe('c1');
  });

  it('a secret that does not exist', async () => {
    const secrets = secretsAnswering(() => Promise.reject(sdkError('ResourceNotFoundException')));
    expect(await refusal({ kind: 'secret', secretId: 'capstan/clusters/c1' }, secrets)).toMatch(
      /^cluster c1: secret capstan\/clusters\/c1 could not be read \(ResourceNotFoundException/,
    );
  });

  it('a secret without a string value, or whose string is no kubeconfig', async () => {
    const binary = secretsAnswering(() => Promise.resolve({ SecretBinary: new Uint8Array([1]) }));
    expect(await refusal({ kind: 'secret', secretId: 'capstan/clusters/c1' }, binary)).toBe(
      'cluster c1: secret capstan/clusters/c1 has no string value (expected a kubeconfig)',
    );
    const empty = secretsAnswering(() => Promise.resolve({ SecretString: 'kind: Config\n' }));
    expect(await refusal({ kind: 'secret', secretId: 'capstan/clusters/c1' }, empty)).toMatch(/has no usable context/);
  });

  it('a secret reference without a Secrets Manager client', async () => {
    expect(await refusal({ kind: 'secret', secretId: 'capstan/clusters/c1' })).toMatch(/no Secrets Manager client/);
  });
});

describe('a failed secret read', () => {
  it.each<[string, unknown, 'terminal' | 'retryable']>([
    ['no such secret', sdkError('ResourceNotFoundException'), 'terminal'],
    ['a secret scheduled for deletion', sdkError('InvalidRequestException'), 'terminal'],
    ['a malformed secret id', sdkError('InvalidParameterException'), 'terminal'],
    ['throttling', sdkError('ThrottlingException'), 'retryable'],
    ['a 5xx', sdkError('InternalServiceError'), 'retryable'],
    ['a dropped connection', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'retryable'],
    ['something not an Error', 'boom', 'retryable'],
  ])('%s is %s, and names the cluster and the secret', (_what, error, verdict) => {
    const translated = secretReadError('c1', 'capstan/clusters/c1', error);
    expect(translated).toBeInstanceOf(verdict === 'terminal' ? ClusterCredentialsError : ClusterUnavailableError);
    expect(isRetryable(translated)).toBe(verdict === 'retryable');
    expect(translated.message).toMatch(/^cluster c1: secret capstan\/clusters\/c1 could not be read/);
    expect(translated.cause).toBe(error);
  });
});
