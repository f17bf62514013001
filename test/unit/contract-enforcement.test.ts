import type { SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { ContractError } from '../../lib/errors.ts';
import { connector } from '../../lib/kube/connect.ts';
import { enqueuer } from '../../lib/queue/send.ts';
import type { Cluster } from '../../lib/store/clusters.ts';

// What the code itself refuses, before any AWS call: the same contract the IAM gate and the stack enforce.
describe('the contract, in the code', () => {
  const neverCalled = {
    send: () => {
      throw new Error('no AWS call expected');
    },
  } as unknown as SQSClient;
  const config = { tableName: 't', queueUrls: { deploy: 'http://127.0.0.1:1/q.fifo' }, dlqUrls: {} };
  const advance = {
    id: 'e1',
    type: 'release.advance',
    source: 'capstan',
    time: '2026-12-01T00:00:00Z',
    data: { app: 'a', environment: 'staging', revision: 1, wave: 1 },
  } as never;

  it('an enqueuer refuses an event type its function does not emit, naming where to declare it', async () => {
    await expect(enqueuer(neverCalled, config, 'deploy')(advance)).rejects.toThrow(ContractError);
    await expect(enqueuer(neverCalled, config, 'ingest')(advance)).rejects.toThrow(
      'function ingest may not send release.advance: it is not in functions.ingest.emits (lib/topology.ts)',
    );
  });

  const cluster = (credentials: Cluster['credentials']) =>
    ({ name: 'c1', environment: 'staging', wave: 0, credentials, registeredAt: '2026-12-01T00:00:00Z' }) as Cluster;

  it('a function without the cluster credentials grant reads no credentials, not even a kubeconfig file', async () => {
    const connect = connector(undefined, { prefix: undefined });
    await expect(connect(cluster({ kind: 'kubeconfig', path: '/nonexistent', context: 'x' }))).rejects.toThrow(
      'this function may not read cluster credentials (cluster c1)',
    );
  });

  it('a function with the grant reads only secrets under its prefix, by name or by ARN', async () => {
    const connect = connector(undefined, { prefix: 'capstan/clusters/' });
    await expect(connect(cluster({ kind: 'secret', secretId: 'other/thing' }))).rejects.toThrow(ContractError);
    await expect(
      connect(cluster({ kind: 'secret', secretId: 'arn:aws:secretsmanager:eu-west-1:1:secret:other/c1-AbCdEf' })),
    ).rejects.toThrow(/outside capstan\/clusters\//);
    // Inside the prefix it gets as far as asking Secrets Manager (no client here, so that fails instead).
    await expect(connect(cluster({ kind: 'secret', secretId: 'capstan/clusters/c1' }))).rejects.toThrow(
      /no Secrets Manager client/,
    );
  });
});
