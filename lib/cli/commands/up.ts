import { homedir } from 'node:os';
import { join } from 'node:path';
import { InvalidInputError, messageOf } from '../../errors.ts';
import { repoRoot } from '../../runtime/state.ts';
import { up } from '../../runtime/up.ts';
import { dbOfRuntime } from '../connect.ts';
import { progress } from '../log.ts';
import { signInLink } from '../sign-in-link.ts';

export interface UpCommandOptions {
  readonly clusters: number;
  readonly context: string[];
  readonly kubeconfig?: string;
  readonly environment: string;
  readonly port: number;
  readonly prefix: string;
  readonly ephemeral?: boolean;
  readonly dataDir?: string;
}

/** `.capstan/data/<prefix>` in the repository (git-ignored), unless --data-dir or --ephemeral. */
export const defaultDataDir = (prefix: string) => join(repoRoot, '.capstan', 'data', prefix);

// The prefix names the table, the queues (SQS: letters, digits, - and _, 80 at most with the suffixes)
// and the default data folder, so it must not be a path.
const PREFIX = /^[A-Za-z0-9_-]{1,40}$/;

const dataDirOf = (o: UpCommandOptions): string | undefined => {
  if (!PREFIX.test(o.prefix)) {
    throw new InvalidInputError(`--prefix ${JSON.stringify(o.prefix)}: use 1-40 letters, digits, - or _`);
  }
  if (o.ephemeral && o.dataDir) throw new InvalidInputError('--ephemeral and --data-dir exclude each other');
  if (o.ephemeral) return undefined;
  return o.dataDir ?? defaultDataDir(o.prefix);
};

/** `capstan up`: runs until Ctrl-C, then stops everything it started. */
export const upCommand = async (o: UpCommandOptions) => {
  const log = progress();
  const dataDir = dataDirOf(o);
  const runtime = await up({
    clusters: o.clusters,
    existing: o.context.map((context) => ({
      name: context,
      context,
      kubeconfigPath: o.kubeconfig ?? process.env.KUBECONFIG ?? join(homedir(), '.kube', 'config'),
    })),
    environment: o.environment,
    port: o.port,
    prefix: o.prefix,
    // Retries after 8, 16, 32 and 64 s: the five receives span two minutes, so a cluster down for a minute
    // is retried until it is back (Lambda waits a whole visibility timeout, 6 minutes, between receives).
    retryDelaySeconds: 8,
    writeState: true,
    dataDir,
    log,
  });
  log(`capstan is up: ${runtime.state.httpUrl} (clusters: ${runtime.state.clusters.map((c) => c.name).join(', ')})`);
  log(
    dataDir
      ? `state is kept in ${dataDir}: Ctrl-C and \`capstan up\` again carry on where this run stopped`
      : 'ephemeral: everything is lost when this run stops',
  );
  log('send an event with `capstan send events/samples/deploy.requested.json`; Ctrl-C stops everything');
  log('register an app with `capstan apps add lib/apps/examples/hello.yaml`; `capstan hooks` shows registry webhooks');
  // This runtime's own table: several runtimes (other prefixes) may run on one machine. Best effort: a link
  // that cannot be made now must not leave the runtime running without its Ctrl-C.
  const { db, close } = dbOfRuntime(runtime.state);
  await signInLink(db, runtime.state.httpUrl)
    .then((link) =>
      log(
        `dashboard: open ${link.url} to sign in (once, until ${link.expiresAt}; \`capstan dashboard link\` makes another)`,
      ),
    )
    .catch((error: unknown) => log(`no dashboard link now (${messageOf(error)}): \`capstan dashboard link\` makes one`))
    .finally(close);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  log('stopping');
  await runtime.stop();
  log('stopped');
};
