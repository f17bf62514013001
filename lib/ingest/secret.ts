import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { env } from '../topology.ts';

/**
 * The ingest token: from Secrets Manager on AWS (fetched once, then cached for the process), or from
 * CAPSTAN_INGEST_TOKEN locally. Refuses to run without one: no request is ever accepted unauthenticated.
 */
export const ingestSecret = (secrets: SecretsManagerClient, source: NodeJS.ProcessEnv = process.env) => {
  let cached: Promise<string> | undefined;
  return (): Promise<string> => {
    cached ??= load(secrets, source).catch((error) => {
      cached = undefined;
      throw error;
    });
    return cached;
  };
};

const load = async (secrets: SecretsManagerClient, source: NodeJS.ProcessEnv): Promise<string> => {
  const arn = source[env.ingestTokenSecretArn];
  if (arn) {
    const { SecretString } = await secrets.send(new GetSecretValueCommand({ SecretId: arn }));
    if (SecretString && SecretString.length >= 16) return SecretString;
    throw new Error(`secret ${arn} holds no ingest token of at least 16 characters`);
  }
  const token = source[env.ingestToken];
  if (token && token.length >= 16) return token;
  throw new Error(`set ${env.ingestToken} (at least 16 characters) or ${env.ingestTokenSecretArn}`);
};
