import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ecrPushRule, type FunctionName, type FunctionSpec, functionNames, functions } from '../lib/topology.ts';
import { AlarmIntake } from './alarm-intake.ts';
import { Alarms } from './alarms.ts';
import { ChatSecret } from './chat-secret.ts';
import { CapstanFunction } from './functions.ts';
import { IngestApi } from './http-api.ts';
import { IngestToken } from './ingest-token.ts';
import { KubeEventsSender } from './kube-events-sender.ts';
import { pascal } from './names.ts';
import { WorkQueues } from './queues.ts';
import { RegistryEvents } from './registry-events.ts';
import { ScheduledFunction } from './schedules.ts';
import { SignInSecret } from './sign-in-secret.ts';
import { CapstanTable } from './table.ts';

/** Everything capstan runs on AWS, derived from lib/topology.ts: nothing here names a function or a queue. */
export class CapstanStack extends Stack {
  readonly table: CapstanTable;
  readonly queues: WorkQueues;
  readonly functions: ReadonlyMap<FunctionName, CapstanFunction>;
  readonly api: IngestApi;
  readonly ingestToken: IngestToken;
  readonly chatSecret: ChatSecret;
  readonly signInSecret: SignInSecret;
  readonly alarms: Alarms;
  readonly alarmIntake: AlarmIntake;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.table = new CapstanTable(this, 'Store');
    this.queues = new WorkQueues(this, 'Queues');
    this.ingestToken = new IngestToken(this, 'IngestToken');
    this.chatSecret = new ChatSecret(this, 'ChatSecret');
    this.signInSecret = new SignInSecret(this, 'SignInSecret');

    // Functions get their own scope so a topology name can never collide with the stack's other constructs.
    const functionScope = new Construct(this, 'Functions');
    const specs = functionNames.map((name): [FunctionName, FunctionSpec] => [name, functions[name]]);
    this.functions = new Map(
      specs.map(([name, spec]) => [
        name,
        new CapstanFunction(functionScope, pascal(name), {
          name,
          spec,
          table: this.table,
          queues: this.queues,
          ingestToken: this.ingestToken.secret,
          chatSecret: this.chatSecret.secret,
          signInSecret: this.signInSecret.secret,
        }),
      ]),
    );
    const fn = (name: FunctionName) => (this.functions.get(name) as CapstanFunction).fn;

    this.api = new IngestApi(
      this,
      'Http',
      specs.flatMap(([name, spec]) => (spec.routes?.length ? [{ name, fn: fn(name), routes: spec.routes }] : [])),
    );
    for (const [name, spec] of specs) {
      if (spec.scheduleMinutes) {
        new ScheduledFunction(this, `${pascal(name)}Schedule`, { fn: fn(name), everyMinutes: spec.scheduleMinutes });
      }
    }

    new RegistryEvents(this, 'RegistryEvents', { queue: this.queues.get(ecrPushRule.queue).queue });
    new KubeEventsSender(this, 'KubeEventsSender', { queue: this.queues.get('kubeEvents').queue });
    this.alarmIntake = new AlarmIntake(this, 'AlarmIntake', { queue: this.queues.get('alarms').queue });

    this.alarms = new Alarms(this, 'Alarms');
    for (const [name, { dlq }] of this.queues.entries())
      this.alarms.deadLetters(`${pascal(name)}DeadLetters`, dlq, name);
    for (const [name] of specs) this.alarms.errors(`${pascal(name)}Errors`, fn(name), name);

    new CfnOutput(this, 'TableName', { value: this.table.table.tableName });
    new CfnOutput(this, 'HttpApiUrl', { value: this.api.url });
    // Where `capstan hooks` reads the token that every registry's webhook secret derives from.
    new CfnOutput(this, 'IngestTokenSecretArn', { value: this.ingestToken.secret.secretArn });
    // Where the operator puts the Slack app's signing secret and bot token.
    new CfnOutput(this, 'ChatSecretArn', { value: this.chatSecret.secret.secretArn });
    // Where the operator puts the Slack app's OpenID client id and secret (the dashboard's sign-in).
    new CfnOutput(this, 'SignInSecretArn', { value: this.signInSecret.secret.secretArn });
    for (const [name, { queue, dlq }] of this.queues.entries()) {
      new CfnOutput(this, `${pascal(name)}QueueUrl`, { value: queue.queueUrl });
      new CfnOutput(this, `${pascal(name)}DlqUrl`, { value: dlq.queueUrl });
    }
  }
}
