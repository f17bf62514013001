import { type AccessSnapshot, ChannelSchema, GrantSchema, WorkspaceSchema } from '../access/model.ts';
import { type Db, parseItem, queryAll } from './db.ts';
import { keys } from './keys.ts';

/** Everything lib/access/decide.ts reads about one environment: two consistent queries. */
export const accessSnapshot = async (db: Db, environment: string): Promise<AccessSnapshot> => {
  const [workspaceItems, envItems] = await Promise.all([
    queryAll(db, {
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :sk)',
      ExpressionAttributeValues: { ':pk': keys.workspaces.PK, ':sk': keys.workspaces.SKPrefix },
      ConsistentRead: true,
    }),
    queryAll(db, {
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': keys.accessOf(environment).PK },
      ConsistentRead: true,
    }),
  ]);
  const sk = (item: Record<string, unknown>) => String(item.SK);
  return {
    workspaces: workspaceItems.map((item) => parseItem(WorkspaceSchema, item)),
    grants: envItems.filter((i) => sk(i).startsWith('GRANT#')).map((item) => parseItem(GrantSchema, item)),
    channels: envItems.filter((i) => sk(i).startsWith('CHANNEL#')).map((item) => parseItem(ChannelSchema, item)),
  };
};
