import { homedir } from 'node:os';
import { join } from 'node:path';
import { up } from '../../runtime/up.ts';
import { progress } from '../log.ts';

export interface UpCommandOptions {
  readonly clusters: string;
  readonly context: string[];
  readonly kubeconfig?: string;
  readonly environment: string;
  readonly port: string;
  readonly prefix: string;
}

/** `capstan up`: runs until Ctrl-C, then stops everything it started. */
export const upCommand = async (o: UpCommandOptions) => {
  const log = progress();
  const runtime = await up({
    clusters: Number(o.clusters),
    existing: o.context.map((context) => ({
      name: context,
      context,
      kubeconfigPath: o.kubeconfig ?? process.env.KUBECONFIG ?? join(homedir(), '.kube', 'config'),
    })),
    environment: o.environment,
    port: Number(o.port),
    prefix: o.prefix,
    retryDelaySeconds: 2,
    writeState: true,
    log,
  });
  log(`capstan is up: ${runtime.state.httpUrl} (clusters: ${runtime.state.clusters.map((c) => c.name).join(', ')})`);
  log('send an event with `capstan send events/samples/deploy.requested.json`; Ctrl-C stops everything');
  log('register an app with `capstan apps add lib/apps/examples/hello.yaml`; `capstan hooks` shows registry webhooks');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  log('stopping');
  await runtime.stop();
  log('stopped');
};
