import { CfnOutput, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { SqsSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/**
 * The topic operators point their CloudWatch alarms' actions at (ALARM and OK) when an alarm should scale a
 * workload (README, CloudWatch alarms): subscribed by the alarms queue with raw delivery off, so each message is
 * the SNS envelope functions/alarms.ts reads. The subscription's queue policy lets only this topic send there;
 * the topic takes only TLS, is encrypted with a key of its own, and only this account's alarms may publish.
 * Not the Alarms construct's topic: that one tells people about capstan itself, this one feeds scaling.
 */
export class AlarmIntake extends Construct {
  readonly topic: Topic;

  constructor(scope: Construct, id: string, { queue }: { queue: IQueue }) {
    super(scope, id);
    const { account, region, partition } = Stack.of(this);
    const cloudwatch = new ServicePrincipal('cloudwatch.amazonaws.com');
    // A customer-managed key: CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key.
    const key = new Key(this, 'TopicKey', { enableKeyRotation: true, description: 'capstan alarm intake topic' });
    key.grant(cloudwatch, 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.topic = new Topic(this, 'Topic', {
      displayName: 'capstan alarm intake',
      masterKey: key,
      enforceSSL: true,
    });
    // This account's alarms only (the confused-deputy conditions AWS recommends for service principals).
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        principals: [cloudwatch],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': account },
          ArnLike: { 'aws:SourceArn': `arn:${partition}:cloudwatch:${region}:${account}:alarm:*` },
        },
      }),
    );
    this.topic.addSubscription(new SqsSubscription(queue, { rawMessageDelivery: false }));
    new CfnOutput(scope, 'AlarmIntakeTopicArn', {
      value: this.topic.topicArn,
      description: "Point CloudWatch alarms' ALARM and OK actions here to scale a workload (README)",
    });
  }
}
