import { readFile } from 'node:fs/promises';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { ClusterCredentialsError, messageOf } from '../errors.ts';
import { secretReadError } from '../kube/credentials.ts';
import { type CephAccess, type CephCredentials, CephCredentialsSchema } from './access.ts';
import type { CephGateway, ConnectCeph } from './ports.ts';
import { type RbdCli, rbdCli } from './rbd-cli.ts';
import { type RestfulCeph, restfulCeph } from './restful.ts';

/** The CephGateway of one cluster: blocklist and daemons through the restful API, images through `rbd`. */
export const cephGatewayOf = (cluster: string, restful: RestfulCeph, rbd: RbdCli): CephGateway => ({
  cluster,
  imageStatus: (pool, image) => rbd.imageStatus(pool, image),
  removeLock: (pool, image, lock) => rbd.removeLock(pool, image, lock),
  blocklist: () => restful.blocklist(),
  blocklistAdd: (ip, expireSeconds) => restful.blocklistAdd(ip, expireSeconds),
  blocklistRemove: (ip) => restful.blocklistRemove(ip),
  daemonAddresses: () => restful.daemonAddresses(),
});

/**
 * The credentials a CephAccess references, read fresh: a JSON file locally, a Secrets Manager secret
 * (SecretString JSON) on AWS. What can never work as stored is a ClusterCredentialsError naming the
 * cluster; the message names the field that is wrong, never its value.
 */
export const loadCephCredentials = async (
  cluster: string,
  access: CephAccess,
  secrets?: SecretsManagerClient,
): Promise<CephCredentials> => {
  const ref = access.credentials;
  const refused = (message: string, cause?: unknown) =>
    new ClusterCredentialsError(cluster, `Ceph credentials: ${message}`, cause === undefined ? undefined : { cause });
  let text: string;
  let where: string;
  if (ref.kind === 'file') {
    where = `file ${ref.path}`;
    try {
      text = await readFile(ref.path, 'utf8');
    } catch (error) {
      throw refused(`${where} cannot be read (${messageOf(error)})`, error);
    }
  } else {
    where = `secret ${ref.secretId}`;
    if (!secrets) throw refused('they are in Secrets Manager but no Secrets Manager client was given');
    const { SecretString } = await secrets
      .send(new GetSecretValueCommand({ SecretId: ref.secretId }))
      .catch((error: unknown) => {
        throw secretReadError(cluster, ref.secretId, error);
      });
    if (!SecretString) throw refused(`${where} has no string value (expected Ceph credentials as JSON)`);
    text = SecretString;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw refused(`${where} is not JSON`); // no cause: the parser's message may quote the secret
  }
  const parsed = CephCredentialsSchema.safeParse(raw);
  if (!parsed.success) {
    // Paths and messages only: zod's issues name fields, not the values that were wrong.
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw refused(`${where} does not hold Ceph credentials (${issues.join('; ')})`);
  }
  return parsed.data;
};

/** How capstan connects to a cluster's Ceph: credentials resolved on every connect (a rotated key is seen). */
export const connectCeph =
  (secrets?: SecretsManagerClient): ConnectCeph =>
  async (cluster, access) => {
    const c = await loadCephCredentials(cluster, access, secrets);
    return cephGatewayOf(
      cluster,
      restfulCeph({
        cluster,
        url: access.restfulUrl.replace(/\/+$/, ''),
        user: c.restfulUser,
        key: c.restfulKey,
        ...(c.restfulCaCert ? { caCert: c.restfulCaCert } : {}),
      }),
      rbdCli({ cluster, credentials: c }),
    );
  };
