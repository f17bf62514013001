import { writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';

export interface KubeconfigSpec {
  /** Cluster and context name. */
  readonly name: string;
  readonly server: string;
  /** PEM the client trusts for the server's certificate. */
  readonly caPem: string;
  readonly user: string;
  readonly token: string;
}

/**
 * Writes a one-context kubeconfig (context = cluster name) with token auth and the real CA, so clients
 * verify the apiserver's certificate exactly as they would against a production cluster. Mode 0600:
 * the token is a credential.
 */
export const writeKubeconfig = async (path: string, k: KubeconfigSpec): Promise<void> => {
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: k.name,
        cluster: { server: k.server, 'certificate-authority-data': Buffer.from(k.caPem).toString('base64') },
      },
    ],
    users: [{ name: `${k.name}-${k.user}`, user: { token: k.token } }],
    contexts: [{ name: k.name, context: { cluster: k.name, user: `${k.name}-${k.user}` } }],
    'current-context': k.name,
  };
  await writeFile(path, stringify(doc), { mode: 0o600 });
};
