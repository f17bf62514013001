import {
  clusterSecretPrefix,
  env,
  type FunctionName,
  type FunctionSpec,
  functions,
  type QueueName,
  sendsTo,
} from './topology.ts';

/**
 * What each function is given, in one place: its environment variables and its IAM grants, both derived
 * from its topology entry. The CDK stack builds roles and environments from this module; the local
 * runtime gives each function exactly the same environment and enforces the same grants (lib/runtime/
 * iam-gate.ts), so a grant missing on AWS is missing locally too. Pure data: no AWS or Node APIs here.
 */

/**
 * The data-plane calls lib/store and Powertools idempotency make (TransactWriteItems is authorized per
 * item action, hence ConditionCheckItem). No Scan, no batch calls, no table management: extend this list
 * when lib/store starts using one.
 */
export const tableDataActions = [
  'dynamodb:GetItem',
  'dynamodb:Query',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:ConditionCheckItem',
] as const;

/** What CDK's `queue.grantSendMessages` gives. */
export const queueSendActions = ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'] as const;

/** What CDK's `queue.grantConsumeMessages` gives (the SQS event source mapping adds it to the role). */
export const queueConsumeActions = [
  'sqs:ReceiveMessage',
  'sqs:ChangeMessageVisibility',
  'sqs:GetQueueUrl',
  'sqs:DeleteMessage',
  'sqs:GetQueueAttributes',
] as const;

/** What CDK's `secret.grantRead` gives. */
export const secretReadActions = ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'] as const;

export type GrantResource =
  /** The table and its named indexes. */
  | { readonly kind: 'table' }
  | { readonly kind: 'queue'; readonly queue: QueueName; readonly dlq: boolean }
  /** The ingest token, every cluster credentials secret under `clusterSecretPrefix`, the chat or the sign-in secret. */
  | { readonly kind: 'secret'; readonly secret: 'ingest-token' | 'cluster-credentials' | 'chat' | 'sign-in' };

export interface Grant {
  readonly actions: readonly string[];
  readonly resource: GrantResource;
}

const spec = (name: FunctionName): FunctionSpec => functions[name];

/** Every grant of a function's role, and nothing else. */
export const grantsOf = (name: FunctionName): Grant[] => {
  const s = spec(name);
  const queue = (q: QueueName, dlq: boolean): GrantResource => ({ kind: 'queue', queue: q, dlq });
  return [
    { actions: tableDataActions, resource: { kind: 'table' } },
    ...sendsTo(name).map((q) => ({ actions: queueSendActions, resource: queue(q, false) })),
    // Its own queue is consumed by the event source mapping; poison messages go to its DLQ with a reason.
    ...(s.queue
      ? [
          { actions: queueConsumeActions, resource: queue(s.queue, false) },
          { actions: queueSendActions, resource: queue(s.queue, true) },
        ]
      : []),
    ...(s.readsIngestToken
      ? [{ actions: secretReadActions, resource: { kind: 'secret', secret: 'ingest-token' } } as const]
      : []),
    ...(s.readsClusterCredentials
      ? [
          {
            actions: ['secretsmanager:GetSecretValue'],
            resource: { kind: 'secret', secret: 'cluster-credentials' },
          } as const,
        ]
      : []),
    ...(s.readsChatSecret
      ? [{ actions: secretReadActions, resource: { kind: 'secret', secret: 'chat' } } as const]
      : []),
    ...(s.readsSignInSecret
      ? [{ actions: secretReadActions, resource: { kind: 'secret', secret: 'sign-in' } } as const]
      : []),
  ];
};

/** Whether a function's grants allow `action` on `resource` (the check IAM makes, for our resources). */
export const isGranted = (name: FunctionName, action: string, resource: GrantResource): boolean =>
  grantsOf(name).some((g) => g.actions.includes(action) && sameResource(g.resource, resource));

const sameResource = (a: GrantResource, b: GrantResource): boolean => {
  if (a.kind === 'table' || b.kind === 'table') return a.kind === b.kind;
  if (a.kind === 'queue' || b.kind === 'queue') {
    return a.kind === 'queue' && b.kind === 'queue' && a.queue === b.queue && a.dlq === b.dlq;
  }
  return a.secret === b.secret;
};

/** The resources behind a function's environment: CloudFormation tokens on AWS, real values locally. */
export interface FunctionResources {
  readonly table: string;
  readonly queueUrl: (queue: QueueName) => string;
  readonly dlqUrl: (queue: QueueName) => string;
  /** Where the ingest token is: a Secrets Manager ARN on AWS, or (locally, where there is no Secrets Manager) its value. */
  readonly ingestToken: { readonly secretArn: string } | { readonly value: string };
  /** The chat secret: its ARN on AWS, its JSON value locally. */
  readonly chatSecret: { readonly secretArn: string } | { readonly value: string };
  /** The sign-in secret: its ARN on AWS, its JSON value locally. */
  readonly signInSecret: { readonly secretArn: string } | { readonly value: string };
}

/**
 * A function's capstan environment: the table, the URLs of exactly the queues it may send to (and its own
 * queue and DLQ), where the ingest token and the chat secret are if it reads them, and the cluster credentials prefix if it
 * may read cluster credentials. Nothing else: a function that needs more must say so in lib/topology.ts.
 */
export const functionEnvironment = (name: FunctionName, r: FunctionResources): Record<string, string> => {
  const s = spec(name);
  const urls = new Set<QueueName>([...sendsTo(name), ...(s.queue ? [s.queue] : [])]);
  return {
    [env.table]: r.table,
    ...Object.fromEntries([...urls].map((q) => [env.queueUrl(q), r.queueUrl(q)])),
    ...(s.queue ? { [env.dlqUrl(s.queue)]: r.dlqUrl(s.queue) } : {}),
    ...(s.readsIngestToken
      ? 'secretArn' in r.ingestToken
        ? { [env.ingestTokenSecretArn]: r.ingestToken.secretArn }
        : { [env.ingestToken]: r.ingestToken.value }
      : {}),
    ...(s.readsClusterCredentials ? { [env.clusterCredentials]: clusterSecretPrefix } : {}),
    ...(s.readsChatSecret
      ? 'secretArn' in r.chatSecret
        ? { [env.chatSecretArn]: r.chatSecret.secretArn }
        : { [env.chatSecret]: r.chatSecret.value }
      : {}),
    ...(s.readsSignInSecret
      ? 'secretArn' in r.signInSecret
        ? { [env.signInSecretArn]: r.signInSecret.secretArn }
        : { [env.signInSecret]: r.signInSecret.value }
      : {}),
    POWERTOOLS_SERVICE_NAME: 'capstan',
  };
};

/**
 * Settings an operator may give every function (`cdk deploy -c NAME=value`, or the environment of
 * `capstan up`); each is read by the code with a default, so none is required.
 */
export const tunables = [
  'CAPSTAN_AUTO_ROLLBACK',
  'CAPSTAN_DOCKERHUB_REGISTRY_URL',
  'CAPSTAN_ROLLOUT_TIMEOUT_SECONDS',
  'CAPSTAN_ROLLOUT_FIRST_CHECK_SECONDS',
  'CAPSTAN_ROLLOUT_MAX_INTERVAL_SECONDS',
  // Healing's thresholds and pace (lib/heal/settings.ts).
  'CAPSTAN_HEAL_NOT_READY_SECONDS',
  'CAPSTAN_HEAL_LEASE_SILENT_SECONDS',
  'CAPSTAN_HEAL_STABLE_SECONDS',
  'CAPSTAN_HEAL_RECHECK_SECONDS',
  'CAPSTAN_HEAL_FENCE_TIMEOUT_SECONDS',
  'CAPSTAN_HEAL_ALLOW_CONTROL_PLANE',
  // Scaling's pace (lib/scale/settings.ts).
  'CAPSTAN_SCALE_LEASE_SECONDS',
  'CAPSTAN_SCALE_LEASE_WAIT_SECONDS',
  'CAPSTAN_SCALE_MAX_LEASE_WAITS',
  // Chat-ops (issue 13): where Slack's Web API is (a local stand-in in tests), and capstan's public URL for links.
  'CAPSTAN_SLACK_API_URL',
  // Where Slack's OpenID endpoints are (authorize, keys): a local stand-in in tests.
  'CAPSTAN_SLACK_OIDC_URL',
  'CAPSTAN_PUBLIC_URL',
  // The audience capstan's CI ID tokens must name (default `capstan`).
  'CAPSTAN_OIDC_AUDIENCE',
  'POWERTOOLS_LOG_LEVEL',
] as const;
