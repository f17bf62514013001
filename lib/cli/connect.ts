import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type RuntimeState, readState } from '../runtime/state.ts';
import { createDb, type Db } from '../store/db.ts';
import { env } from '../topology.ts';

/**
 * Where CLI commands find the table: a deployed stack when CAPSTAN_TABLE is set (AWS credentials and
 * endpoints from the usual AWS variables), else the runtime a local `capstan up` is running.
 */
export const openDb = async (): Promise<{ db: Db; close: () => void; state?: RuntimeState }> => {
  const table = process.env[env.table];
  if (table) {
    const client = new DynamoDBClient({});
    return { db: createDb(table, client), close: () => client.destroy() };
  }
  const state = await readState();
  if (!state) {
    throw new Error(
      `capstan is not running here: start it with \`capstan up\`, or set ${env.table} to use a deployed stack`,
    );
  }
  const client = new DynamoDBClient({
    region: state.region,
    ...(state.endpoints.dynamodb ? { endpoint: state.endpoints.dynamodb } : {}),
    ...(state.endpoints.dynamodb && !process.env.AWS_ACCESS_KEY_ID
      ? { credentials: { accessKeyId: 'capstanlocal', secretAccessKey: 'capstanlocal' } }
      : {}),
  });
  return { db: createDb(state.table, client), close: () => client.destroy(), state };
};
