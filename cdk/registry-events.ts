import { Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ecrPushRule } from '../lib/topology.ts';

/**
 * ECR pushes in this account and region -> the registry queue, as raw EventBridge events. The target adds
 * a queue policy letting only this rule send; the registry function turns them into image.pushed.
 */
export class RegistryEvents extends Construct {
  readonly rule: Rule;

  constructor(scope: Construct, id: string, { queue }: { queue: IQueue }) {
    super(scope, id);
    this.rule = new Rule(this, 'EcrPushes', {
      description: 'capstan: ECR image pushes -> registry queue',
      eventPattern: {
        source: [...ecrPushRule.pattern.source],
        detailType: [...ecrPushRule.pattern.detailType],
        detail: {
          'action-type': [...ecrPushRule.pattern.detail['action-type']],
          result: [...ecrPushRule.pattern.detail.result],
        },
      },
      targets: [new SqsQueue(queue)],
    });
  }
}
