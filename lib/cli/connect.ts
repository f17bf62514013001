import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { loadConfig } from '../config.ts';
import { type Enqueue, enqueuer } from '../queue/send.ts';
import { type RuntimeState, readState } from '../runtime/state.ts';
import { createDb, type Db } from '../store/db.ts';
import { env } from '../topology.ts';

/** The emulators take any credentials, but the SDK wants some (DynamoDB Local: letters and digits only). */
const localCredentials = { accessKeyId: 'capstanlocal', secretAccessKey: 'capstanlocal' };

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
  return { ...dbOfRuntime(state), state };
};

/** The table of a local runtime, on its DynamoDB Local. */
export const dbOfRuntime = (state: RuntimeState): { db: Db; close: () => void } => {
  const client = new DynamoDBClient({
    region: state.region,
    ...(state.endpoints.dynamodb ? { endpoint: state.endpoints.dynamodb } : {}),
    ...(state.endpoints.dynamodb && !process.env.AWS_ACCESS_KEY_ID ? { credentials: localCredentials } : {}),
  });
  return { db: createDb(state.table, client), close: () => client.destroy() };
};

/**
 * Sends internal events (a heal.check) straight to the heal queue, as the heal function would: the HTTP
 * edge refuses internal types, so no producer can forge a step of a heal. The queue is the local runtime's
 * (`state`, from openDb) or, with CAPSTAN_TABLE, the stack's (CAPSTAN_QUEUE_URL_HEAL).
 */
export const openHealQueue = (state: RuntimeState | undefined): { enqueue: Enqueue; close: () => void } => {
  const url = state ? state.queues.heal?.url : process.env[env.queueUrl('heal')];
  if (!url) {
    throw new Error(
      state
        ? 'the local runtime has no heal queue: restart `capstan up` with this version of capstan'
        : `set ${env.queueUrl('heal')} (the stack's heal queue URL) to send heal checks with ${env.table}`,
    );
  }
  const sqs = state
    ? new SQSClient({
        region: state.region,
        ...(state.endpoints.sqs ? { endpoint: state.endpoints.sqs } : {}),
        ...(state.endpoints.sqs && !process.env.AWS_ACCESS_KEY_ID ? { credentials: localCredentials } : {}),
      })
    : new SQSClient({});
  const config = loadConfig({ [env.table]: state?.table ?? process.env[env.table], [env.queueUrl('heal')]: url });
  // heal.check is what the heal function emits (lib/topology.ts): the CLI sends it under that entry.
  return { enqueue: enqueuer(sqs, config, 'heal'), close: () => sqs.destroy() };
};
