import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, type IMetric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

const FIVE_MINUTES = Duration.minutes(5);

/**
 * Alarms on what needs a human: a message in a dead-letter queue, a function error. They notify one
 * encrypted SNS topic; subscribe to it (email, chat, pager) outside the stack.
 */
export class Alarms extends Construct {
  readonly topic: Topic;
  private readonly action: SnsAction;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    // A customer-managed key: CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key.
    const key = new Key(this, 'TopicKey', { enableKeyRotation: true, description: 'capstan alarm topic' });
    key.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.topic = new Topic(this, 'Topic', { displayName: 'capstan alarms', masterKey: key, enforceSSL: true });
    this.action = new SnsAction(this.topic);
  }

  /** Any message in the DLQ: a poison message with its reason, or retries exhausted. */
  deadLetters(id: string, dlq: IQueue, queueName: string): Alarm {
    const metric = dlq.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: 'Maximum' });
    return this.atLeastOnce(id, metric, `${queueName} queue: messages in the dead-letter queue`);
  }

  /** Any function error (unhandled, timeout, out of memory) over five minutes. */
  errors(id: string, fn: IFunction, functionName: string): Alarm {
    const metric = fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' });
    return this.atLeastOnce(id, metric, `${functionName} function: errors`);
  }

  private atLeastOnce(id: string, metric: IMetric, description: string): Alarm {
    const alarm = new Alarm(this, id, {
      metric,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: `capstan ${description}`,
    });
    alarm.addAlarmAction(this.action);
    return alarm;
  }
}
