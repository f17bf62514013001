import { NameSchema } from '../../../events/envelope.ts';
import { InvalidInputError } from '../../errors.ts';
import { type Cluster, listClusters, putCluster } from '../../store/clusters.ts';
import { clusterSecretPrefix } from '../../topology.ts';
import { openDb } from '../connect.ts';
import { renderTable, since } from '../format.ts';

/** `capstan clusters list`. */
export const listClustersCommand = async (o: { json?: boolean }, out: (line: string) => void) => {
  const { db, close } = await openDb();
  try {
    const clusters = await listClusters(db);
    if (o.json) return out(JSON.stringify(clusters, null, 2));
    if (clusters.length === 0) return out('no clusters registered: add one with `capstan clusters add`');
    out(
      renderTable(
        ['NAME', 'ENVIRONMENT', 'WAVE', 'CREDENTIALS', 'HEALTH'],
        clusters.map((c) => [c.name, c.environment, String(c.wave), credentials(c), health(c)]),
      ),
    );
  } finally {
    close();
  }
};

const credentials = (c: Cluster) =>
  c.credentials.kind === 'kubeconfig'
    ? `kubeconfig ${c.credentials.path} (context ${c.credentials.context})`
    : `secret ${c.credentials.secretId}`;

const health = (c: Cluster) =>
  c.health
    ? `${c.health.status}${c.health.version ? ` ${c.health.version}` : ''} (${since(c.health.checkedAt)})`
    : 'not probed yet';

export interface AddClusterOptions {
  readonly environment: string;
  readonly wave: number;
  readonly context?: string;
  readonly kubeconfig?: string;
  readonly secret?: string;
}

/** `capstan clusters add <name>`: registers a reference to credentials, never the credentials. */
export const addClusterCommand = async (name: string, o: AddClusterOptions, out: (line: string) => void) => {
  const issues = [
    ...(NameSchema.safeParse(name).success ? [] : [`name "${name}" must be a DNS-1123 label`]),
    ...(NameSchema.safeParse(o.environment).success
      ? []
      : [`--environment "${o.environment}" must be a DNS-1123 label`]),
    ...(o.secret && !o.secret.replace(/^arn:[^:]+:secretsmanager:[^:]*:\d*:secret:/, '').startsWith(clusterSecretPrefix)
      ? [`--secret must be named ${clusterSecretPrefix}<name>: capstan's functions may read only that prefix`]
      : []),
    ...(Boolean(o.secret) === Boolean(o.context)
      ? ['give exactly one of --context (kubeconfig) or --secret (Secrets Manager)']
      : []),
  ];
  if (issues.length) throw new InvalidInputError('cannot add cluster', issues);
  const kubeconfig = o.kubeconfig ?? process.env.KUBECONFIG ?? `${process.env.HOME}/.kube/config`;
  const { db, close } = await openDb();
  try {
    await putCluster(db, {
      name,
      environment: o.environment,
      wave: o.wave,
      credentials: o.secret
        ? { kind: 'secret', secretId: o.secret }
        : { kind: 'kubeconfig', path: kubeconfig, context: o.context as string },
      registeredAt: new Date().toISOString(),
    });
    out(`cluster ${name} registered in environment ${o.environment} (wave ${o.wave})`);
  } finally {
    close();
  }
};
