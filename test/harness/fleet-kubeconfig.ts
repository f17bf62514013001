import { readFile, writeFile } from 'node:fs/promises';
import { parse, stringify } from 'yaml';
import { z } from 'zod';

/** The one-context kubeconfigs lib/local/kubeconfig.ts writes (token auth, CA data). */
const LocalKubeconfigSchema = z.object({
  clusters: z.array(
    z.object({
      name: z.string(),
      cluster: z.object({ server: z.string(), 'certificate-authority-data': z.string() }),
    }),
  ),
  users: z.array(z.object({ name: z.string(), user: z.object({ token: z.string() }) })),
});

export interface ClusterAccess {
  readonly name: string;
  readonly server: string;
  readonly caPem: string;
  readonly token: string;
}

/** Server, CA and token of a local cluster, read from its kubeconfig. */
export const readClusterAccess = async (name: string, kubeconfigPath: string): Promise<ClusterAccess> => {
  const doc = LocalKubeconfigSchema.parse(parse(await readFile(kubeconfigPath, 'utf8')));
  const [cluster] = doc.clusters;
  const [user] = doc.users;
  if (!cluster || !user) throw new Error(`${kubeconfigPath} has no cluster or user`);
  return {
    name,
    server: cluster.cluster.server,
    caPem: Buffer.from(cluster.cluster['certificate-authority-data'], 'base64').toString('utf8'),
    token: user.user.token,
  };
};

/**
 * One kubeconfig with a context per cluster (context = cluster name), what `capstan up --context a
 * --context b --kubeconfig <file>` registers. A cluster behind a fault proxy is given with the proxy's
 * server and certificate; its token goes through unchanged. Mode 0600: it holds tokens.
 */
export const writeFleetKubeconfig = async (path: string, clusters: readonly ClusterAccess[]): Promise<void> => {
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: clusters.map((c) => ({
      name: c.name,
      cluster: { server: c.server, 'certificate-authority-data': Buffer.from(c.caPem).toString('base64') },
    })),
    users: clusters.map((c) => ({ name: `${c.name}-admin`, user: { token: c.token } })),
    contexts: clusters.map((c) => ({ name: c.name, context: { cluster: c.name, user: `${c.name}-admin` } })),
    'current-context': clusters[0]?.name ?? '',
  };
  await writeFile(path, stringify(doc), { mode: 0o600 });
};
