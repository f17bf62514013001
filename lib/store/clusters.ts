import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { NameSchema } from '../../events/envelope.ts';
import { NotFoundError } from '../errors.ts';
import { CredentialsRefSchema } from '../kube/credentials.ts';
import { conditionally, type Db, parseItem, queryAll } from './db.ts';
import { FreeingSchema } from './freeing.ts';
import { HealModeSchema } from './heals.ts';
import { keys } from './keys.ts';

export const ClusterHealthSchema = z.object({
  status: z.enum(['reachable', 'unreachable']),
  checkedAt: z.iso.datetime(),
  version: z.string().optional(),
  message: z.string().optional(),
});
export type ClusterHealth = z.infer<typeof ClusterHealthSchema>;

export const ClusterSchema = z.object({
  name: NameSchema,
  environment: NameSchema,
  /** Releases go out wave by wave, lowest first. */
  wave: z.int().min(0).max(9999).default(0),
  credentials: CredentialsRefSchema,
  /** How it heals lost nodes, over its environment's setting (lib/heal/decisions/mode.ts). */
  healMode: HealModeSchema.optional(),
  /** How an RBD image held by a lost node is freed (./freeing.ts); none: images are not freed. */
  freeing: FreeingSchema.optional(),
  registeredAt: z.iso.datetime(),
  health: ClusterHealthSchema.optional(),
});
export type Cluster = z.infer<typeof ClusterSchema>;

const toItem = (c: Cluster) => ({ ...keys.cluster(c.name), ...keys.clusterIndex(c.environment, c.wave, c.name), ...c });
const fromItem = (item: Record<string, unknown>) => parseItem(ClusterSchema, item);

/** Registers or re-registers a cluster (same name replaces the reference and environment, keeps health). */
export const putCluster = async (db: Db, cluster: Cluster): Promise<void> => {
  const existing = await findCluster(db, cluster.name);
  const item = toItem({ ...cluster, health: cluster.health ?? existing?.health });
  await db.doc.send(new PutCommand({ TableName: db.table, Item: item }));
};

/** The cluster, or undefined when it is not registered (a table that cannot answer still throws). */
export const findCluster = async (db: Db, name: string): Promise<Cluster | undefined> => {
  const { Item } = await db.doc.send(new GetCommand({ TableName: db.table, Key: keys.cluster(name) }));
  return Item ? fromItem(Item) : undefined;
};

export const getCluster = async (db: Db, name: string): Promise<Cluster> => {
  const found = await findCluster(db, name);
  if (!found) throw new NotFoundError(`cluster ${name} is not registered`);
  return found;
};

export const listClusters = async (db: Db): Promise<Cluster[]> => {
  const items = await queryAll(db, {
    KeyConditionExpression: 'PK = :pk',
    ExpressionAttributeValues: { ':pk': keys.clusters.PK },
  });
  return items.map(fromItem);
};

/** Clusters of one environment, in wave order. */
export const clustersOfEnvironment = async (db: Db, environment: string): Promise<Cluster[]> => {
  const items = await queryAll(db, {
    IndexName: 'GSI1',
    KeyConditionExpression: 'GSI1PK = :pk',
    ExpressionAttributeValues: { ':pk': keys.environment(environment).GSI1PK },
  });
  return items.map(fromItem);
};

/** Throws NotFoundError for a cluster removed since it was listed. */
export const recordClusterHealth = async (db: Db, name: string, health: ClusterHealth): Promise<void> => {
  const written = await conditionally(
    db.doc.send(
      new UpdateCommand({
        TableName: db.table,
        Key: keys.cluster(name),
        UpdateExpression: 'SET health = :h',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeValues: { ':h': health },
      }),
    ),
  );
  if (!written) throw new NotFoundError(`cluster ${name} is not registered`);
};
