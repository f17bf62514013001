import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { KubeConfig } from '@kubernetes/client-node';
import { z } from 'zod';
import { ClusterCredentialsError, type ClusterError, ClusterUnavailableError, messageOf } from '../errors.ts';

/** Credentials are only ever a reference: a kubeconfig context locally, a Secrets Manager secret on AWS. */
export const CredentialsRefSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('kubeconfig'), path: z.string().min(1), context: z.string().min(1) }),
  z.object({ kind: z.literal('secret'), secretId: z.string().min(1), context: z.string().optional() }),
]);
export type CredentialsRef = z.infer<typeof CredentialsRefSchema>;

/** What it takes to reach a cluster: its name (for messages) and where its credentials are. */
export interface ClusterAccess {
  readonly name: string;
  readonly credentials: CredentialsRef;
}

/**
 * Secrets Manager answers that say the secret itself is wrong (gone, scheduled for deletion, a malformed id):
 * reading it again gives the same answer. Anything else (throttling, 5xx, a dropped connection) may heal.
 */
const TERMINAL_SECRET_ERRORS = new Set([
  'ResourceNotFoundException',
  'InvalidRequestException',
  'InvalidParameterException',
]);

/** A failed GetSecretValue as a cluster error: terminal when the secret is wrong, retryable otherwise. */
export const secretReadError = (cluster: string, secretId: string, error: unknown): ClusterError => {
  const name = error instanceof Error ? error.name : 'Error';
  const message = `secret ${secretId} could not be read (${name}: ${messageOf(error)})`;
  return TERMINAL_SECRET_ERRORS.has(name)
    ? new ClusterCredentialsError(cluster, message, { cause: error })
    : new ClusterUnavailableError(cluster, message, { cause: error });
};

/**
 * The kubeconfig a cluster's credentials reference points at, with its context selected. What can never
 * work as stored (no file, an unreadable one, no such context, no such secret or one without a string) is
 * a ClusterCredentialsError naming the cluster, so a release refuses it at once instead of retrying it.
 */
export const loadKubeconfig = async (cluster: ClusterAccess, secrets?: SecretsManagerClient): Promise<KubeConfig> => {
  const ref = cluster.credentials;
  const refused = (message: string, cause?: unknown) =>
    new ClusterCredentialsError(cluster.name, message, cause === undefined ? undefined : { cause });
  const kc = new KubeConfig();
  if (ref.kind === 'kubeconfig') {
    try {
      kc.loadFromFile(ref.path);
    } catch (error) {
      throw refused(`kubeconfig ${ref.path} cannot be read (${messageOf(error)})`, error);
    }
    kc.setCurrentContext(ref.context);
  } else {
    if (!secrets) throw refused('credentials are in Secrets Manager but no Secrets Manager client was given');
    const { SecretString } = await secrets
      .send(new GetSecretValueCommand({ SecretId: ref.secretId }))
      .catch((error: unknown) => {
        throw secretReadError(cluster.name, ref.secretId, error);
      });
    if (!SecretString) throw refused(`secret ${ref.secretId} has no string value (expected a kubeconfig)`);
    try {
      kc.loadFromString(SecretString);
    } catch (error) {
      throw refused(`secret ${ref.secretId} is not a kubeconfig (${messageOf(error)})`, error);
    }
    if (ref.context) kc.setCurrentContext(ref.context);
  }
  if (!kc.getCurrentContext() || !kc.getCurrentCluster()) {
    const where = ref.kind === 'kubeconfig' ? ref.path : `in secret ${ref.secretId}`;
    const context = kc.getCurrentContext() ? ` ${kc.getCurrentContext()}` : '';
    throw refused(`kubeconfig ${where} has no usable context${context} (a context and its cluster)`);
  }
  return kc;
};
