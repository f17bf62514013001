import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Grant, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { functionEnvironment, type GrantResource, grantsOf, tunables } from '../lib/contract.ts';
import { ASSETS, type AssetName, assetPath } from '../lib/dashboard/assets.ts';
import { clusterSecretPrefix, type FunctionName, type FunctionSpec, type QueueName, queues } from '../lib/topology.ts';
import { bundling, bundlingWithAssets } from './bundling.ts';
import type { WorkQueues } from './queues.ts';
import type { CapstanTable } from './table.ts';

/** Topology entries are relative to the repository root, one level above this folder. */
const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** Standard queues only (FIFO mappings cannot batch over time): a little latency for fewer invocations. */
const MAX_BATCHING_WINDOW = Duration.seconds(1);

export interface CapstanFunctionProps {
  readonly name: FunctionName;
  readonly spec: FunctionSpec;
  readonly table: CapstanTable;
  readonly queues: WorkQueues;
  readonly ingestToken: ISecret;
  readonly chatSecret: ISecret;
  readonly signInSecret: ISecret;
}

/**
 * One Lambda function of lib/topology.ts with exactly the environment and grants lib/contract.ts gives it
 * (the table, the queues of the events it emits, its own queue and DLQ, the secrets it reads), and nothing
 * else: the local runtime enforces the same contract. Its own role, so no AWS-managed policy and log
 * writes only to its own log group.
 */
export class CapstanFunction extends Construct {
  readonly fn: NodejsFunction;

  constructor(scope: Construct, id: string, props: CapstanFunctionProps) {
    super(scope, id);
    const { name, spec, table, queues: work } = props;
    const logGroup = new LogGroup(this, 'Logs', { retention: RetentionDays.ONE_MONTH });
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `capstan ${name} function`,
    });
    logGroup.grantWrite(role);

    const tuned = Object.fromEntries(
      tunables.flatMap((key) => {
        const value = this.node.tryGetContext(key) as unknown;
        return value === undefined ? [] : [[key, String(value)]];
      }),
    );
    this.fn = new NodejsFunction(this, 'Function', {
      entry: join(repoRoot, spec.entry),
      projectRoot: repoRoot,
      depsLockFilePath: join(repoRoot, 'package-lock.json'),
      handler: 'handler',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: spec.memoryMb,
      timeout: Duration.seconds(spec.timeoutSeconds),
      description: spec.description,
      role,
      logGroup,
      // The dashboard's pages load a style sheet and htmx: the bundle carries them (lib/dashboard/assets.ts).
      bundling:
        name === 'dashboard'
          ? bundlingWithAssets((Object.keys(ASSETS) as AssetName[]).map((a) => assetPath(a)))
          : bundling,
      environment: {
        ...functionEnvironment(name, {
          table: table.table.tableName,
          queueUrl: (q) => work.get(q).queue.queueUrl,
          dlqUrl: (q) => work.get(q).dlq.queueUrl,
          ingestToken: { secretArn: props.ingestToken.secretArn },
          chatSecret: { secretArn: props.chatSecret.secretArn },
          signInSecret: { secretArn: props.signInSecret.secretArn },
        }),
        ...tuned,
        NODE_OPTIONS: '--enable-source-maps',
      },
    });

    Validations.of(this.fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'nodejs22.x is chosen over the newer nodejs24.x on purpose: the same handlers run and are tested on the ' +
        'local Node 20 runtime (capstan up), and 22 is the closest supported Lambda runtime to it. Move to 24.x ' +
        'together with the local Node version.',
    });

    for (const grant of grantsOf(name)) {
      Grant.addToPrincipal({
        grantee: role,
        actions: [...grant.actions],
        resourceArns: this.arnsOf(grant.resource, props),
      });
    }
    if (spec.queue) this.consume(spec.queue, spec, work);
    if (spec.readsClusterCredentials) this.acknowledgeClusterCredentials(role);
  }

  private arnsOf(resource: GrantResource, props: CapstanFunctionProps): string[] {
    const { table, queues: work, ingestToken, chatSecret, signInSecret } = props;
    switch (resource.kind) {
      case 'table':
        return table.dataArns();
      case 'queue': {
        const { queue, dlq } = work.get(resource.queue);
        return [(resource.dlq ? dlq : queue).queueArn];
      }
      case 'secret':
        if (resource.secret === 'chat') return [chatSecret.secretArn];
        if (resource.secret === 'sign-in') return [signInSecret.secretArn];
        return resource.secret === 'ingest-token'
          ? [ingestToken.secretArn]
          : [
              Stack.of(this).formatArn({
                service: 'secretsmanager',
                resource: 'secret',
                resourceName: `${clusterSecretPrefix}*`,
                arnFormat: ArnFormat.COLON_RESOURCE_NAME,
              }),
            ];
    }
  }

  private consume(queue: QueueName, spec: FunctionSpec, work: WorkQueues): void {
    const queueSpec = queues[queue];
    if (queueSpec.visibilityTimeoutSeconds < spec.timeoutSeconds) {
      throw new Error(`queue ${queue}: visibility timeout must be at least the consuming function's timeout`);
    }
    const { queue: source } = work.get(queue);
    this.fn.addEventSource(
      new SqsEventSource(source, {
        batchSize: queueSpec.batchSize,
        reportBatchItemFailures: true,
        ...(queueSpec.fifo ? {} : { maxBatchingWindow: MAX_BATCHING_WINDOW }),
      }),
    );
  }

  private acknowledgeClusterCredentials(role: Role): void {
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${clusterSecretPrefix}*]`,
      reason:
        'Clusters are registered at run time, each with its own credentials secret created under capstan/clusters/; ' +
        'the names are data, not known at deploy time. The grant is read-only (GetSecretValue) and bounded by that prefix.',
    });
  }
}
