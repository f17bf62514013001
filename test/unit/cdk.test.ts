import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../cdk/assembly.ts';
import { functionEnvironment, type GrantResource, grantsOf } from '../../lib/contract.ts';
import { ASSETS, type AssetName, assetPath } from '../../lib/dashboard/assets.ts';
import {
  clusterSecretPrefix,
  env,
  eventQueues,
  type FunctionName,
  type FunctionSpec,
  functionNames,
  functions,
  type QueueName,
  queueNames,
  queues,
  table,
} from '../../lib/topology.ts';

type Resource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string };

const spec = (name: FunctionName): FunctionSpec => functions[name];
const consumers = functionNames.filter((name) => spec(name).queue);
const scheduled = functionNames.filter((name) => spec(name).scheduleMinutes);
const routes = functionNames.flatMap((name) => (spec(name).routes ?? []).map((route) => ({ name, ...route })));
const expectLike = (actual: unknown, pattern: Record<string, unknown>) =>
  expect(Match.objectLike(pattern).test(actual).toHumanStrings()).toEqual([]);
const logicalId = (construct: IConstruct) =>
  Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnResource);

// Bundling is skipped here (empty `aws:cdk:bundling-stacks`); the real synth below bundles with esbuild.
describe('CDK stack from lib/topology.ts', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'capstan-cdk-'));
  const { app, stack } = createApp({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
  let template: Template;
  let resources: Record<string, Resource>;
  const resource = (construct: IConstruct) => resources[logicalId(construct)] as Resource;
  const fn = (name: FunctionName) => resource(stack.functions.get(name)?.fn as IConstruct);
  const policyOf = (name: FunctionName) => {
    const role = stack.functions.get(name)?.fn.role as IConstruct;
    const policy = role.node.findChild('DefaultPolicy');
    return (resource(policy).Properties.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] })
      .Statement;
  };

  // Synthesizing the whole stack takes well over the default 10 s hook timeout on a loaded machine.
  beforeAll(() => {
    template = Template.fromStack(stack);
    resources = template.toJSON().Resources;
  }, 120_000);
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('has one on-demand table with the topology keys, GSI1, PITR, TTL and encryption, retained', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: table.partitionKey, KeyType: 'HASH' },
          { AttributeName: table.sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: table.indexes.map((index) => ({
          IndexName: index.name,
          KeySchema: [
            { AttributeName: index.partitionKey, KeyType: 'HASH' },
            { AttributeName: index.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        })),
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: table.ttlAttribute, Enabled: true },
        SSESpecification: { SSEEnabled: true },
      },
    });
  });

  it.each(queueNames)('queue %s: DLQ redrive, visibility timeout, FIFO as specified, SSE, TLS only', (name) => {
    const q = queues[name as QueueName];
    const { queue, dlq } = stack.queues.get(name);
    const fifo = q.fifo ? { FifoQueue: true, ContentBasedDeduplication: false } : { FifoQueue: Match.absent() };
    expectLike(resource(queue).Properties, {
      ...fifo,
      VisibilityTimeout: q.visibilityTimeoutSeconds,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(dlq), 'Arn'] },
        maxReceiveCount: q.maxReceiveCount,
      },
      SqsManagedSseEnabled: true,
    });
    expectLike(resource(dlq).Properties, {
      ...fifo,
      MessageRetentionPeriod: 14 * 24 * 3600,
      SqsManagedSseEnabled: true,
    });
    for (const target of [queue, dlq]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: logicalId(target) }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  it('has exactly one queue and one DLQ per topology queue', () => {
    template.resourceCountIs('AWS::SQS::Queue', 2 * queueNames.length);
  });

  it('has one nodejs22.x arm64 function per topology function, sized from the spec', () => {
    template.resourcePropertiesCountIs('AWS::Lambda::Function', { Runtime: 'nodejs22.x' }, functionNames.length);
    for (const name of functionNames) {
      expectLike(fn(name).Properties, {
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: spec(name).memoryMb,
        Timeout: spec(name).timeoutSeconds,
        Description: spec(name).description,
      });
    }
  });

  it.each(functionNames)('function %s gets exactly the environment of lib/contract.ts', (name) => {
    const variables = (fn(name).Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    const expected = functionEnvironment(name, {
      table: 'table',
      queueUrl: (q) => `queue-${q}`,
      dlqUrl: (q) => `dlq-${q}`,
      ingestToken: { secretArn: 'arn' },
      chatSecret: { secretArn: 'arn' },
      signInSecret: { secretArn: 'arn' },
    });
    expect(Object.keys(variables).sort()).toEqual([...Object.keys(expected), 'NODE_OPTIONS'].sort());
    expect(variables).toMatchObject({ POWERTOOLS_SERVICE_NAME: 'capstan', NODE_OPTIONS: '--enable-source-maps' });
    const s = spec(name);
    if (s.queue) {
      expect(variables[env.dlqUrl(s.queue)]).toEqual({ Ref: logicalId(stack.queues.get(s.queue).dlq) });
    }
  });

  // Derived from what the code sends (each function's `emits`, which its enqueuer enforces), not from a
  // second list: every event a function may send must reach its queue on AWS.
  it.each(functionNames)('function %s: every queue its events go to is granted and its URL is set', (name) => {
    const variables = (fn(name).Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    const statements = policyOf(name);
    for (const type of spec(name).emits) {
      const target = stack.queues.get(eventQueues[type].queue).queue;
      expect(variables[env.queueUrl(eventQueues[type].queue)], `${type}: URL`).toEqual({ Ref: logicalId(target) });
      const sends = statements.filter(
        (st) =>
          [st.Action].flat().includes('sqs:SendMessage') &&
          JSON.stringify(st.Resource) === JSON.stringify({ 'Fn::GetAtt': [logicalId(target), 'Arn'] }),
      );
      expect(sends, `${type}: sqs:SendMessage on ${eventQueues[type].queue}`).toHaveLength(1);
    }
  });

  it.each(functionNames)('function %s: its role holds exactly the grants of lib/contract.ts', (name) => {
    const statements = policyOf(name);
    const pairs = (actions: unknown, resources: unknown) =>
      [actions].flat().flatMap((a) => [resources].flat().map((r) => `${a} ${JSON.stringify(r)}`));
    const granted = new Set(
      statements
        // The log group grant is the function's own logging, outside the contract.
        .filter((st) => ![st.Action].flat().some((a) => String(a).startsWith('logs:')))
        .flatMap((st) => pairs(st.Action, st.Resource)),
    );
    const arns = (r: GrantResource): unknown[] => {
      if (r.kind === 'table') return stack.resolve(stack.table.dataArns()) as unknown[];
      if (r.kind === 'queue')
        return [stack.resolve((r.dlq ? stack.queues.get(r.queue).dlq : stack.queues.get(r.queue).queue).queueArn)];
      if (r.secret === 'ingest-token') return [stack.resolve(stack.ingestToken.secret.secretArn)];
      if (r.secret === 'chat') return [stack.resolve(stack.chatSecret.secret.secretArn)];
      if (r.secret === 'sign-in') return [stack.resolve(stack.signInSecret.secret.secretArn)];
      return statements
        .map((st) => st.Resource)
        .filter((res) => JSON.stringify(res).includes(`secret:${clusterSecretPrefix}*`));
    };
    const expected = new Set(grantsOf(name).flatMap((g) => arns(g.resource).flatMap((r) => pairs(g.actions, r))));
    expect([...granted].sort()).toEqual([...expected].sort());
    const clusterSecrets = statements.filter((st) =>
      JSON.stringify(st.Resource).includes(`secret:${clusterSecretPrefix}*`),
    );
    expect(clusterSecrets.map((st) => st.Action)).toEqual(
      spec(name).readsClusterCredentials ? ['secretsmanager:GetSecretValue'] : [],
    );

    const everything = JSON.stringify(statements);
    expect(everything).not.toContain('"*"');
    expect(everything).not.toContain('/index/*');
    expect(everything).not.toMatch(/dynamodb:(Scan|BatchWriteItem|DeleteTable|\*)/);
  });

  it('uses no AWS-managed policies', () => {
    for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });

  it('maps each queue to its consumer with the batch size and partial batch failures', () => {
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', consumers.length);
    for (const name of consumers) {
      const q = queues[spec(name).queue as QueueName];
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: logicalId(stack.functions.get(name)?.fn as IConstruct) },
        EventSourceArn: { 'Fn::GetAtt': [logicalId(stack.queues.get(spec(name).queue as QueueName).queue), 'Arn'] },
        BatchSize: q.batchSize,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        MaximumBatchingWindowInSeconds: q.fifo ? Match.absent() : Match.anyValue(),
      });
    }
  });

  it('runs scheduled functions at their rate', () => {
    template.resourceCountIs('AWS::Events::Rule', scheduled.length + 1); // + the ECR push rule
    for (const name of scheduled) {
      template.hasResourceProperties('AWS::Events::Rule', {
        // CloudWatch's own spelling: `rate(1 minute)`, `rate(5 minutes)`.
        ScheduleExpression: `rate(${spec(name).scheduleMinutes} minute${spec(name).scheduleMinutes === 1 ? '' : 's'})`,
        Targets: [
          Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(stack.functions.get(name)?.fn as IConstruct), 'Arn'] } }),
        ],
      });
    }
  });

  it('sends successful ECR pushes to the registry queue, which only that rule may send to', () => {
    const queue = logicalId(stack.queues.get('registry').queue);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.ecr'],
        'detail-type': ['ECR Image Action'],
        detail: { 'action-type': ['PUSH'], result: ['SUCCESS'] },
      },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [queue, 'Arn'] } })],
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: Match.arrayWith(['sqs:SendMessage']),
            Principal: { Service: 'events.amazonaws.com' },
            Condition: { ArnEquals: { 'aws:SourceArn': Match.anyValue() } },
          }),
        ]),
      },
    });
  });

  it("gives kubernetes-event-exporter's SQS sink a policy to send to the kubeEvents queue, and nothing else", () => {
    const queue = logicalId(stack.queues.get('kubeEvents').queue);
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: ['sqs:SendMessage', 'sqs:GetQueueUrl', 'sqs:GetQueueAttributes'],
            Resource: { 'Fn::GetAtt': [queue, 'Arn'] },
          },
        ],
      },
    });
    template.hasOutput('KubeEventsSenderPolicyArn', {});
    template.hasOutput('KubeEventsQueueName', {});
  });

  it('subscribes the alarms queue to an encrypted, TLS-only alarm intake topic that only it may send from', () => {
    const topic = logicalId(stack.alarmIntake.topic);
    const queue = logicalId(stack.queues.get('alarms').queue);
    expectLike(resources[topic]?.Properties, { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'sqs',
      TopicArn: { Ref: topic },
      Endpoint: { 'Fn::GetAtt': [queue, 'Arn'] },
      // The SNS envelope is what functions/alarms.ts reads.
      RawMessageDelivery: false,
    });
    template.resourceCountIs('AWS::SNS::Subscription', 1);
    // Only the topic may send to the alarms queue; no function role holds sqs:SendMessage on it.
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queue }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Action: 'sqs:SendMessage',
            Principal: { Service: 'sns.amazonaws.com' },
            Condition: { ArnEquals: { 'aws:SourceArn': { Ref: topic } } },
          }),
        ]),
      },
    });
    const alarmsQueueArn = JSON.stringify({ 'Fn::GetAtt': [queue, 'Arn'] });
    for (const name of functionNames) {
      const sends = policyOf(name).filter((st) => [st.Action].flat().includes('sqs:SendMessage'));
      expect(JSON.stringify(sends), name).not.toContain(alarmsQueueArn);
    }
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topic }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Action: 'sns:Publish',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': Match.anyValue() } }),
          }),
        ]),
      },
    });
    template.hasOutput('AlarmIntakeTopicArn', { Value: { Ref: topic } });
  });

  it('scaling sends to the scale and notify queues (and its own DLQ) only; the alarms consumer to scale, and reads no credentials', () => {
    const queueArn = (name: QueueName) =>
      JSON.stringify({ 'Fn::GetAtt': [logicalId(stack.queues.get(name).queue), 'Arn'] });
    const sendTargets = (name: FunctionName) =>
      policyOf(name)
        .filter((st) => [st.Action].flat().includes('sqs:SendMessage'))
        .flatMap((st) => [st.Resource].flat().map((r) => JSON.stringify(r)));
    const dlqArn = (name: QueueName) =>
      JSON.stringify({ 'Fn::GetAtt': [logicalId(stack.queues.get(name).dlq), 'Arn'] });
    // Besides the queues it feeds (its own look-agains, notices of raises and reverts), a consumer sends
    // only to its own DLQ (a refusal with its reason).
    expect(sendTargets('scale').sort()).toEqual([queueArn('scale'), queueArn('notify'), dlqArn('scale')].sort());
    expect(sendTargets('alarms').sort()).toEqual([queueArn('scale'), dlqArn('alarms')].sort());
    expect(JSON.stringify(policyOf('alarms'))).not.toContain(clusterSecretPrefix);
    expect(JSON.stringify(policyOf('scale'))).toContain(clusterSecretPrefix);
  });

  it('serves each topology route on the HTTP API, throttled and access-logged', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Route', routes.length);
    for (const route of routes) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: `${route.method} ${route.path}` });
    }
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('\\$context.requestId') },
      DefaultRouteSettings: { ThrottlingBurstLimit: Match.anyValue(), ThrottlingRateLimit: Match.anyValue() },
    });
    // The ingest token, the chat secret (cdk/chat-secret.ts) and the sign-in secret (cdk/sign-in-secret.ts).
    template.resourceCountIs('AWS::SecretsManager::Secret', 3);
    // Pinned: a new logical id would replace the secret, and with it every registry's webhook secret.
    expect(resources.HttpIngestTokenA2C4487A).toMatchObject({
      Type: 'AWS::SecretsManager::Secret',
      DeletionPolicy: 'Retain',
    });
  });

  it('alarms on every DLQ and every function, into one encrypted topic', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', queueNames.length + functionNames.length);
    template.resourcePropertiesCountIs(
      'AWS::CloudWatch::Alarm',
      {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      },
      queueNames.length,
    );
    template.resourcePropertiesCountIs(
      'AWS::CloudWatch::Alarm',
      { MetricName: 'Errors', Threshold: 1, Period: 300, ComparisonOperator: 'GreaterThanOrEqualToThreshold' },
      functionNames.length,
    );
    template.allResourcesProperties('AWS::CloudWatch::Alarm', { AlarmActions: [Match.anyValue()] });
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
  });

  it('outputs the table name, the API URL, the ingest token secret and the queue URLs', () => {
    const outputs = Object.keys(template.toJSON().Outputs ?? {});
    expect(outputs).toEqual(expect.arrayContaining(['TableName', 'HttpApiUrl', 'IngestTokenSecretArn']));
    expect(outputs.filter((key) => key.endsWith('QueueUrl'))).toHaveLength(queueNames.length);
  });

  it('passes cdk-nag AwsSolutions with no unacknowledged finding', () => {
    const report = new AwsSolutionsChecks(app).validateScope(app);
    expect(report.violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath)}`)).toEqual(
      [],
    );
  });

  it('gives every acknowledged cdk-nag rule a specific reason', () => {
    const acknowledged: [string, string][] = [];
    const walk = (construct: IConstruct) => {
      for (const entry of construct.node.metadata) {
        if (entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY) {
          acknowledged.push(...Object.entries(entry.data as Record<string, string>));
        }
      }
      for (const child of construct.node.children) walk(child);
    };
    walk(app);
    // Derived from the topology: L1 per function (runtime pinned to 22.x), IAM5 per credential reader
    // (capstan/clusters/* prefix), APIG4 per route (the function authenticates), SMG4 thrice (the ingest token, the chat and the sign-in secret).
    const readers = functionNames.filter((name) => spec(name).readsClusterCredentials);
    const count = (rule: string) => acknowledged.filter(([id]) => id.includes(rule)).length;
    expect(count('AwsSolutions-L1')).toBe(functionNames.length);
    expect(count('AwsSolutions-IAM5[')).toBe(readers.length);
    expect(count('AwsSolutions-APIG4')).toBe(routes.length);
    expect(count('AwsSolutions-SMG4')).toBe(3);
    expect(acknowledged).toHaveLength(functionNames.length + readers.length + routes.length + 3);
    for (const [id, reason] of acknowledged) {
      expect(id).toMatch(/AwsSolutions-/);
      expect(reason.length, id).toBeGreaterThan(80);
    }
  });
});

describe('real synth (esbuild bundling, cdk-nag as validation plugin)', () => {
  it('bundles every function as ESM with a source map and synthesizes without findings', { timeout: 180_000 }, () => {
    const outdir = mkdtempSync(join(tmpdir(), 'capstan-cdk-real-'));
    try {
      const { app, stack } = createApp({ outdir });
      const assembly = app.synth();
      const resources = assembly.getStackArtifact(stack.artifactId).template.Resources as Record<string, Resource>;
      expect(existsSync(join(outdir, 'validation-report.json'))).toBe(true);
      for (const name of functionNames) {
        const code = resources[logicalId(stack.functions.get(name)?.fn as IConstruct)]?.Properties.Code as {
          S3Key: string;
        };
        const assetDir = join(outdir, `asset.${code.S3Key.replace(/\.zip$/, '')}`);
        const bundle = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
        expect(bundle.startsWith('import { createRequire')).toBe(true);
        expect(existsSync(join(assetDir, 'index.mjs.map'))).toBe(true);
        // The dashboard's pages load these from beside the bundle (lib/dashboard/assets.ts): the same bytes.
        for (const asset of name === 'dashboard' ? (Object.keys(ASSETS) as AssetName[]) : []) {
          expect(readFileSync(join(assetDir, 'assets', asset), 'utf8'), asset).toBe(
            readFileSync(assetPath(asset), 'utf8'),
          );
        }
      }
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
