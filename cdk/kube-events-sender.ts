import { CfnOutput } from 'aws-cdk-lib';
import { ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/**
 * kubernetes-event-exporter's SQS sink runs in each cluster under an AWS identity of the operators' (IRSA,
 * EKS Pod Identity, an instance role): this policy, attached to that role, lets it send to the kubeEvents
 * queue and nothing else. The sink finds the queue by name (GetQueueUrl) before it sends.
 */
export class KubeEventsSender extends Construct {
  readonly policy: ManagedPolicy;

  constructor(scope: Construct, id: string, { queue }: { queue: IQueue }) {
    super(scope, id);
    this.policy = new ManagedPolicy(this, 'Policy', {
      description: "capstan: kubernetes-event-exporter's SQS sink may send Events to the kubeEvents queue",
      statements: [
        new PolicyStatement({
          actions: ['sqs:SendMessage', 'sqs:GetQueueUrl', 'sqs:GetQueueAttributes'],
          resources: [queue.queueArn],
        }),
      ],
    });
    new CfnOutput(scope, 'KubeEventsSenderPolicyArn', { value: this.policy.managedPolicyArn });
    new CfnOutput(scope, 'KubeEventsQueueName', { value: queue.queueName });
  }
}
