import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  AppsV1Api,
  AutoscalingV2Api,
  CoordinationV1Api,
  CoreV1Api,
  KubernetesObjectApi,
  StorageV1Api,
  VersionApi,
} from '@kubernetes/client-node';
import { ContractError } from '../errors.ts';
import { clusterSecretPrefix } from '../topology.ts';
import { type ClusterAccess, loadKubeconfig } from './credentials.ts';

/** The API clients capstan uses against one cluster. */
export interface KubeClients {
  readonly cluster: string;
  readonly objects: KubernetesObjectApi;
  readonly apps: AppsV1Api;
  readonly core: CoreV1Api;
  readonly version: VersionApi;
  /** Node Leases (kubelet heartbeats). */
  readonly coordination: CoordinationV1Api;
  /** VolumeAttachments. */
  readonly storage: StorageV1Api;
  /** HorizontalPodAutoscalers. */
  readonly autoscaling: AutoscalingV2Api;
}

export type Connect = (cluster: ClusterAccess) => Promise<KubeClients>;

/**
 * Which cluster credentials the caller may read. A function gets CAPSTAN_CLUSTER_CREDENTIALS only if its
 * role may read them (lib/contract.ts): without it, no cluster credentials at all, a kubeconfig file
 * locally no more than a secret on AWS; with it, only secrets under the prefix, as IAM allows. The CLI
 * is an operator, scoped to the same prefix that `capstan clusters add --secret` accepts.
 */
export interface CredentialScope {
  readonly prefix: string | undefined;
}

const operator: CredentialScope = { prefix: clusterSecretPrefix };

const outsideScope = (cluster: ClusterAccess, scope: CredentialScope): string | undefined => {
  if (scope.prefix === undefined) return `this function may not read cluster credentials (cluster ${cluster.name})`;
  const ref = cluster.credentials;
  if (ref.kind !== 'secret') return undefined;
  // A secret is named by its name or its ARN (`arn:…:secret:<name>-<suffix>`).
  const name = ref.secretId.split(':secret:')[1] ?? ref.secretId;
  if (name.startsWith(scope.prefix)) return undefined;
  return `cluster ${cluster.name}: secret ${ref.secretId} is outside ${scope.prefix}, all this function may read`;
};

/**
 * Builds clients from a cluster's credentials reference, once per reference per process (module-scope
 * cache, so a warm Lambda reuses its connections). Secrets hold a kubeconfig document; credentials that
 * cannot work are a terminal ClusterCredentialsError (lib/kube/credentials.ts).
 */
export const connector = (secrets?: SecretsManagerClient, scope: CredentialScope = operator): Connect => {
  const cache = new Map<string, Promise<KubeClients>>();
  return (cluster) => {
    const refused = outsideScope(cluster, scope);
    if (refused) return Promise.reject(new ContractError(refused));
    const key = `${cluster.name}|${JSON.stringify(cluster.credentials)}`;
    let clients = cache.get(key);
    if (!clients) {
      clients = loadKubeconfig(cluster, secrets).then((kc) => ({
        cluster: cluster.name,
        objects: KubernetesObjectApi.makeApiClient(kc),
        apps: kc.makeApiClient(AppsV1Api),
        core: kc.makeApiClient(CoreV1Api),
        version: kc.makeApiClient(VersionApi),
        coordination: kc.makeApiClient(CoordinationV1Api),
        storage: kc.makeApiClient(StorageV1Api),
        autoscaling: kc.makeApiClient(AutoscalingV2Api),
      }));
      // A failed load (secret missing, file gone) must not be cached forever.
      clients.catch(() => cache.delete(key));
      cache.set(key, clients);
    }
    return clients;
  };
};
