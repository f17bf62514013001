import { describe, expect, it } from 'vitest';
import { functionEnvironment } from '../../lib/contract.ts';
import type { Gate } from '../../lib/runtime/iam-gate.ts';
import { localEnvironment } from '../../lib/runtime/local-environment.ts';
import type { QueueUrls } from '../../lib/runtime/resources.ts';
import { env, functionNames, type QueueName, queueNames } from '../../lib/topology.ts';

const gate = (port: number): Gate => ({
  url: `http://127.0.0.1:${port}`,
  viaGate: (u) => `http://127.0.0.1:${port}${new URL(u).pathname}`,
  stop: async () => {},
});
const resources = {
  table: 't',
  queues: Object.fromEntries(
    queueNames.map((q) => [
      q,
      {
        url: `http://127.0.0.1:9/000000000000/p-${q}`,
        arn: `arn:${q}`,
        dlqUrl: `http://127.0.0.1:9/000000000000/p-${q}-dlq`,
      },
    ]),
  ) as Record<QueueName, QueueUrls>,
  sqsGate: gate(1),
  dynamodbGate: gate(2),
  ingestToken: 'local-token-of-24-characters',
  chatSecret: '{"slack":{"signingSecret":"s"}}',
  signInSecret: '{"slack":{"clientId":"1.2","clientSecret":"c"}}',
  region: 'us-east-1',
};
const operator = {
  PATH: '/usr/bin',
  CAPSTAN_ROLLOUT_TIMEOUT_SECONDS: '30',
  CAPSTAN_TABLE: 'the-operators-table',
  CAPSTAN_QUEUE_URL_REGISTRY: 'http://elsewhere/q',
  AWS_SECRET_ACCESS_KEY: 'operator-secret',
  KUBECONFIG: '/root/.kube/config',
};

describe('a function’s local environment', () => {
  it.each(functionNames)(
    '%s: the stack’s variables, through the gates, plus only Lambda’s and the plumbing',
    (name) => {
      const local = localEnvironment(name, resources, operator);
      const stack = functionEnvironment(name, {
        table: 't',
        queueUrl: () => 'x',
        dlqUrl: () => 'x',
        ingestToken: { value: resources.ingestToken },
        chatSecret: { value: resources.chatSecret },
        signInSecret: { value: resources.signInSecret },
      });
      const lambda = [
        'AWS_REGION',
        'AWS_DEFAULT_REGION',
        'AWS_LAMBDA_FUNCTION_NAME',
        'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
      ];
      const plumbing = [
        'AWS_ACCESS_KEY_ID',
        'AWS_SECRET_ACCESS_KEY',
        'AWS_ENDPOINT_URL_SQS',
        'AWS_ENDPOINT_URL_DYNAMODB',
      ];
      expect(Object.keys(local).sort()).toEqual(
        [...Object.keys(stack), ...lambda, ...plumbing, 'PATH', 'CAPSTAN_ROLLOUT_TIMEOUT_SECONDS'].sort(),
      );
      // Queue URLs point at the gate, the operator's own settings and secrets never reach the function.
      for (const [key, value] of Object.entries(local)) {
        if (key.startsWith('CAPSTAN_QUEUE_URL_') || key.startsWith('CAPSTAN_DLQ_URL_'))
          expect(value).toMatch(/^http:\/\/127\.0\.0\.1:1\//);
      }
      expect(local[env.table]).toBe('t');
      expect(local.AWS_SECRET_ACCESS_KEY).not.toBe('operator-secret');
      expect(local.KUBECONFIG).toBeUndefined();
    },
  );

  it('only ingest sees the ingest token; only functions that read cluster credentials get their prefix', () => {
    for (const name of functionNames) {
      const local = localEnvironment(name, resources, operator);
      expect(local[env.ingestToken] !== undefined, name).toBe(name === 'ingest');
      expect(local[env.clusterCredentials] !== undefined, name).toBe(
        ['deploy', 'rollout', 'sweep', 'heal', 'scale'].includes(name),
      );
    }
  });
});
