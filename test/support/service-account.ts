import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { uniqueName } from './aws.ts';

/** A kubeconfig for the same cluster, authenticated as the service account instead of the admin. */
export const kubeconfigWithToken = (ref: { path: string; context: string }, token: string | undefined) => {
  if (!token) throw new Error('TokenRequest returned no token');
  const base = new KubeConfig();
  base.loadFromFile(ref.path);
  base.setCurrentContext(ref.context);
  const cluster = base.getCurrentCluster();
  if (!cluster) throw new Error('admin kubeconfig has no cluster');
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: 'capstan', token }],
    contexts: [{ name: 'capstan', cluster: cluster.name, user: 'capstan' }],
    currentContext: 'capstan',
  });
  const path = join(tmpdir(), `${uniqueName('sa')}.kubeconfig`);
  writeFileSync(path, kc.exportConfig(), { mode: 0o600 });
  return path;
};
