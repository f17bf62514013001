import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { InvalidInputError } from '../../errors.ts';
import { hookSecret } from '../../ingest/hook-secret.ts';
import { ingestSecret } from '../../ingest/secret.ts';
import { readState } from '../../runtime/state.ts';
import { type ImageSource, imageSources } from '../../sources/index.ts';
import { env } from '../../topology.ts';
import { renderTable } from '../format.ts';

/** What to enter in each registry's webhook settings, given the route's URL and its secret. */
const setting: Record<Exclude<ImageSource['name'], 'ecr'>, (url: string, secret: string) => [string, string]> = {
  distribution: (url, secret) => [
    url,
    `config.yml notifications.endpoints[].headers: Authorization: [Bearer ${secret}]`,
  ],
  harbor: (url, secret) => [url, `webhook policy, Auth Header: Bearer ${secret}`],
  ghcr: (url, secret) => [url, `GitHub webhook (Packages events, application/json), Secret: ${secret}`],
  dockerhub: (url, secret) => [url.replace('{secret}', secret), 'the URL is the credential: keep it secret'],
};

/**
 * `capstan hooks [--url <api>]`: each registry's webhook URL and credential, derived from the ingest
 * token (hook-secret.ts), for the local runtime or, with CAPSTAN_INGEST_TOKEN or
 * CAPSTAN_INGEST_TOKEN_SECRET_ARN set, a deployed stack. It prints secrets: that is what it is for.
 */
export const hooksCommand = async (o: { url?: string; json?: boolean }, out: (line: string) => void) => {
  const state = await readState();
  const local = !process.env[env.ingestToken] && !process.env[env.ingestTokenSecretArn];
  if (local && !state) {
    throw new Error(
      `capstan is not running here: start it with \`capstan up\`, or set ${env.ingestToken} or ${env.ingestTokenSecretArn} (with --url) for a deployed stack`,
    );
  }
  if (local && o.url && o.url.replace(/\/+$/, '') !== state?.httpUrl) {
    // The local token with a deployed stack's URL would print secrets that stack refuses.
    throw new InvalidInputError('cannot derive the secrets of that stack', [
      `set ${env.ingestToken} or ${env.ingestTokenSecretArn} to the ingest token of ${o.url}`,
    ]);
  }
  const token = local
    ? (state?.ingestToken as string)
    : await ingestSecret(new SecretsManagerClient({}), process.env)();
  const base = (o.url ?? (local ? state?.httpUrl : undefined) ?? '<api-url>').replace(/\/+$/, '');
  const rows = imageSources.flatMap((source) => {
    if (source.name === 'ecr' || !source.route) return [];
    const [url, configure] = setting[source.name](`${base}${source.route}`, hookSecret(token, source.name));
    return [{ producer: source.name, url, configure }];
  });
  if (o.json) return out(JSON.stringify(rows, null, 2));
  out(
    renderTable(
      ['PRODUCER', 'URL', 'CONFIGURE'],
      rows.map((r) => [r.producer, r.url, r.configure]),
    ),
  );
  out("ECR needs no webhook: the stack's EventBridge rule sends its pushes to the registry queue (IAM).");
};
