import { NameSchema } from '../../../events/envelope.ts';
import { loadCephCredentials } from '../../ceph/gateway.ts';
import { ClusterCredentialsError, InvalidInputError } from '../../errors.ts';
import { healModeOf } from '../../heal/decisions/mode.ts';
import { type Cluster, listClusters, putCluster } from '../../store/clusters.ts';
import { environmentPolicy } from '../../store/environments.ts';
import type { HealMode } from '../../store/heals.ts';
import { clusterSecretPrefix } from '../../topology.ts';
import { openDb } from '../connect.ts';
import { renderTable, since } from '../format.ts';
import { type FreeingFlags, freeingFromFlags, isClusterSecret } from '../freeing-flags.ts';
import { freeingOf } from '../render/freeing.ts';

/** `capstan clusters list`. */
export const listClustersCommand = async (o: { json?: boolean }, out: (line: string) => void) => {
  const { db, close } = await openDb();
  try {
    const registered = await listClusters(db);
    const policies = new Map(
      await Promise.all(
        [...new Set(registered.map((c) => c.environment))].map(
          async (e) => [e, await environmentPolicy(db, e)] as const,
        ),
      ),
    );
    const clusters = registered.map((c) => {
      const environment = policies.get(c.environment) ?? { protected: false, healMode: undefined };
      return { ...c, effectiveHealMode: healModeOf(c, environment), healModeFrom: healModeSource(c, environment) };
    });
    if (o.json) return out(JSON.stringify(clusters, null, 2));
    if (clusters.length === 0) return out('no clusters registered: add one with `capstan clusters add`');
    out(
      renderTable(
        ['NAME', 'ENVIRONMENT', 'WAVE', 'HEAL MODE', 'CREDENTIALS', 'FREES IMAGES', 'HEALTH'],
        clusters.map((c) => [
          c.name,
          c.environment,
          String(c.wave),
          `${c.effectiveHealMode} (${c.healModeFrom})`,
          credentials(c),
          freeingOf(c),
          health(c),
        ]),
      ),
    );
  } finally {
    close();
  }
};

/** Where a cluster's heal mode comes from: its own setting, its environment's, or the default. */
const healModeSource = (c: Pick<Cluster, 'healMode'>, e: { healMode?: HealMode }) =>
  c.healMode ? 'cluster' : e.healMode ? 'environment' : 'default';

const credentials = (c: Cluster) =>
  c.credentials.kind === 'kubeconfig'
    ? `kubeconfig ${c.credentials.path} (context ${c.credentials.context})`
    : `secret ${c.credentials.secretId}`;

const health = (c: Cluster) =>
  c.health
    ? `${c.health.status}${c.health.version ? ` ${c.health.version}` : ''} (${since(c.health.checkedAt)})`
    : 'not probed yet';

export interface AddClusterOptions extends FreeingFlags {
  readonly environment: string;
  readonly wave: number;
  readonly context?: string;
  readonly kubeconfig?: string;
  readonly secret?: string;
  readonly healMode?: HealMode;
}

/**
 * A credentials file is read now, by the adapter's own reader, so a bad one is refused here rather than
 * found when a node is lost; its messages name fields, never values. (A secret is read by the functions'
 * role, which this shell may not have.)
 */
const checkCephCredentials = async (cluster: string, access: Parameters<typeof loadCephCredentials>[1]) => {
  try {
    await loadCephCredentials(cluster, access);
  } catch (error) {
    if (error instanceof ClusterCredentialsError) {
      throw new InvalidInputError('cannot add cluster', [`--ceph-credentials: ${error.message}`]);
    }
    throw error;
  }
};

/** `capstan clusters add <name>`: registers a reference to credentials, never the credentials. */
export const addClusterCommand = async (name: string, o: AddClusterOptions, out: (line: string) => void) => {
  const freeing = freeingFromFlags(o);
  const issues = [
    ...(NameSchema.safeParse(name).success ? [] : [`name "${name}" must be a DNS-1123 label`]),
    ...(NameSchema.safeParse(o.environment).success
      ? []
      : [`--environment "${o.environment}" must be a DNS-1123 label`]),
    ...(o.secret && !isClusterSecret(o.secret)
      ? [`--secret must be named ${clusterSecretPrefix}<name>: capstan's functions may read only that prefix`]
      : []),
    ...(Boolean(o.secret) === Boolean(o.context)
      ? ['give exactly one of --context (kubeconfig) or --secret (Secrets Manager)']
      : []),
    ...freeing.issues,
  ];
  if (issues.length) throw new InvalidInputError('cannot add cluster', issues);
  if (freeing.freeing?.via === 'ceph' && freeing.freeing.ceph.credentials.kind === 'file') {
    await checkCephCredentials(name, freeing.freeing.ceph);
  }
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
      ...(o.healMode ? { healMode: o.healMode } : {}),
      ...(freeing.freeing ? { freeing: freeing.freeing } : {}),
      registeredAt: new Date().toISOString(),
    });
    out(
      `cluster ${name} registered in environment ${o.environment} (wave ${o.wave}${o.healMode ? `, heals in ${o.healMode} mode` : ''}; frees RBD images: ${freeing.freeing ? freeingOf(freeing) : 'no'})`,
    );
  } finally {
    close();
  }
};
