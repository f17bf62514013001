import { functionEnvironment, tunables } from '../contract.ts';
import { type FunctionName, functions, type QueueName } from '../topology.ts';
import { functionCredentials, type Gate } from './iam-gate.ts';
import type { QueueUrls } from './resources.ts';

export interface LocalResources {
  readonly table: string;
  readonly queues: Record<QueueName, QueueUrls>;
  readonly sqsGate: Gate;
  readonly dynamodbGate: Gate;
  readonly ingestToken: string;
  /** The chat secret's JSON (the operator's CAPSTAN_CHAT_SECRET, or `{}`: chat routes then refuse everything). */
  readonly chatSecret: string;
  /** The sign-in secret's JSON (CAPSTAN_SIGN_IN_SECRET, or `{}`: only the one-time link signs in). */
  readonly signInSecret: string;
  readonly region: string;
}

/**
 * Exactly what a function's process.env holds locally: the stack's environment for it (lib/contract.ts),
 * with queue URLs through the IAM gate; what Lambda itself sets (region, function name, the role's
 * credentials, here the function's own gate key); the operator's tunables; and the plumbing a local
 * process needs (endpoints of the gates, PATH and HOME for kubeconfig exec plugins). Nothing else.
 */
export const localEnvironment = (
  name: FunctionName,
  r: LocalResources,
  operator: NodeJS.ProcessEnv,
): Record<string, string> => {
  const spec = functions[name];
  const credentials = functionCredentials(name);
  const passed = [...tunables, 'PATH', 'HOME', 'LANG', 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'];
  return {
    ...Object.fromEntries(passed.flatMap((key) => (operator[key] === undefined ? [] : [[key, operator[key]]]))),
    ...functionEnvironment(name, {
      table: r.table,
      queueUrl: (q) => r.sqsGate.viaGate(r.queues[q].url),
      dlqUrl: (q) => r.sqsGate.viaGate(r.queues[q].dlqUrl),
      ingestToken: { value: r.ingestToken },
      chatSecret: { value: r.chatSecret },
      signInSecret: { value: r.signInSecret },
    }),
    AWS_REGION: r.region,
    AWS_DEFAULT_REGION: r.region,
    AWS_LAMBDA_FUNCTION_NAME: `capstan-${name}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memoryMb),
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_ENDPOINT_URL_SQS: r.sqsGate.url,
    AWS_ENDPOINT_URL_DYNAMODB: r.dynamodbGate.url,
  };
};
