import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

export interface ScheduledFunctionProps {
  readonly fn: IFunction;
  readonly everyMinutes: number;
}

/**
 * An EventBridge rule invoking a function every N minutes. A rule (resource-based invoke permission)
 * rather than a Scheduler schedule, which would need an IAM role. No retries: the next run comes anyway.
 */
export class ScheduledFunction extends Construct {
  readonly rule: Rule;

  constructor(scope: Construct, id: string, { fn, everyMinutes }: ScheduledFunctionProps) {
    super(scope, id);
    this.rule = new Rule(this, 'Rule', {
      description: `capstan: every ${everyMinutes === 1 ? 'minute' : `${everyMinutes} minutes`}`,
      schedule: Schedule.rate(Duration.minutes(everyMinutes)),
      targets: [new LambdaFunction(fn, { retryAttempts: 0 })],
    });
  }
}
