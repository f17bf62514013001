import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CapstanStack } from './stack.ts';

export const STACK_ID = 'Capstan';

/**
 * The app with its one stack and the cdk-nag AwsSolutions pack as a CDK validation plugin (cdk-nag 3.x):
 * any unacknowledged finding fails synthesis. Environment-agnostic and lookup-free, so synth runs offline.
 */
export const createApp = (props?: AppProps): { app: App; stack: CapstanStack } => {
  const app = new App(props);
  const stack = new CapstanStack(app, STACK_ID, {
    description: 'capstan: event-driven control plane for fleets of Kubernetes clusters',
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, stack };
};
