import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { InvalidInputError } from '../../errors.ts';
import { hookSecret } from '../../ingest/hook-secret.ts';
import { ingestSecret } from '../../ingest/secret.ts';
import { readState } from '../../runtime/state.ts';
import { type ImageSource, imageSources } from '../../sources/index.ts';
import { env } from '../../topology.ts';
import { renderTable } from '../format.ts';

/** Where it goes in the registry's settings, and exactly what to paste there. */
interface Setting {
  readonly url: string;
  readonly field: string;
  readonly value: string;
  readonly configure: string;
}

/** What to enter in each registry's webhook settings, given the route's URL and its secret. */
const setting: Record<Exclude<ImageSource['name'], 'ecr'>, (url: string, secret: string) => Setting> = {
  distribution: (url, secret) => ({
    url,
    field: 'notifications.endpoints[].headers.Authorization',
    value: `Bearer ${secret}`,
    configure: `config.yml notifications.endpoints[].headers: Authorization: [Bearer ${secret}]`,
  }),
  // Harbor sends the policy's Auth Header verbatim as `Authorization` (lib/sources/harbor.ts).
  harbor: (url, secret) => ({
    url,
    field: 'Auth Header',
    value: `Bearer ${secret}`,
    configure: `webhook policy (HTTP), Auth Header: Bearer ${secret}`,
  }),
  ghcr: (url, secret) => ({
    url,
    field: 'Secret',
    value: secret,
    configure: `GitHub webhook (Packages events, application/json), Secret: ${secret}`,
  }),
  dockerhub: (url, secret) => {
    const withSecret = url.replace('{secret}', secret);
    return {
      url: withSecret,
      field: 'Webhook URL',
      value: withSecret,
      configure: 'the URL is the credential: keep it secret',
    };
  },
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
    return [
      { producer: source.name, ...setting[source.name](`${base}${source.route}`, hookSecret(token, source.name)) },
    ];
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
