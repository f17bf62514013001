import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AppsV1Api, CoreV1Api, KubeConfig, KubernetesObjectApi, VersionApi } from '@kubernetes/client-node';
import type { Cluster, CredentialsRef } from '../store/clusters.ts';

/** The API clients capstan uses against one cluster. */
export interface KubeClients {
  readonly cluster: string;
  readonly objects: KubernetesObjectApi;
  readonly apps: AppsV1Api;
  readonly core: CoreV1Api;
  readonly version: VersionApi;
}

export type Connect = (cluster: Cluster) => Promise<KubeClients>;

/**
 * Builds clients from a cluster's credentials reference, once per reference per process (module-scope
 * cache, so a warm Lambda reuses its connections). Secrets hold a kubeconfig document.
 */
export const connector = (secrets?: SecretsManagerClient): Connect => {
  const cache = new Map<string, Promise<KubeClients>>();
  return (cluster) => {
    const key = `${cluster.name}|${JSON.stringify(cluster.credentials)}`;
    let clients = cache.get(key);
    if (!clients) {
      clients = load(cluster.credentials, secrets).then((kc) => ({
        cluster: cluster.name,
        objects: KubernetesObjectApi.makeApiClient(kc),
        apps: kc.makeApiClient(AppsV1Api),
        core: kc.makeApiClient(CoreV1Api),
        version: kc.makeApiClient(VersionApi),
      }));
      // A failed load (secret missing, file gone) must not be cached forever.
      clients.catch(() => cache.delete(key));
      cache.set(key, clients);
    }
    return clients;
  };
};

const load = async (ref: CredentialsRef, secrets?: SecretsManagerClient): Promise<KubeConfig> => {
  const kc = new KubeConfig();
  if (ref.kind === 'kubeconfig') {
    kc.loadFromFile(ref.path);
    kc.setCurrentContext(ref.context);
  } else {
    if (!secrets) throw new Error('cluster credentials are in Secrets Manager but no Secrets Manager client was given');
    const { SecretString } = await secrets.send(new GetSecretValueCommand({ SecretId: ref.secretId }));
    if (!SecretString) throw new Error(`secret ${ref.secretId} has no string value (expected a kubeconfig)`);
    kc.loadFromString(SecretString);
    if (ref.context) kc.setCurrentContext(ref.context);
  }
  if (!kc.getCurrentContext() || !kc.getCurrentCluster()) {
    throw new Error(`kubeconfig for ${ref.kind === 'kubeconfig' ? ref.path : ref.secretId} has no usable context`);
  }
  return kc;
};
