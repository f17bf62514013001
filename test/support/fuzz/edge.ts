import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { startFunctionHost } from '../../../lib/runtime/function-host.ts';
import { type HttpHandler, serveRoutes } from '../../../lib/runtime/http.ts';
import { type Denial, startIamGate } from '../../../lib/runtime/iam-gate.ts';
import { localEnvironment } from '../../../lib/runtime/local-environment.ts';
import { ensureQueues, type QueueUrls } from '../../../lib/runtime/resources.ts';
import { allowWorkspace } from '../../../lib/store/access.ts';
import { createDb, type Db } from '../../../lib/store/db.ts';
import { keys } from '../../../lib/store/keys.ts';
import { ensureTable } from '../../../lib/store/table.ts';
import { functions, type QueueName } from '../../../lib/topology.ts';
import { secretsOf } from './credentials.ts';
import { MATTERMOST_FUZZ_ACCESS } from './routes/mattermost.ts';
import { SLACK_FUZZ_ACCESS } from './routes/slack.ts';
import { TEAMS_FUZZ_TENANT } from './routes/teams.ts';

const adminCredentials = { accessKeyId: 'capstanlocal', secretAccessKey: 'capstanlocal' };

export interface FuzzEdge {
  readonly url: string;
  readonly token: string;
  readonly sqs: SQSClient;
  readonly queues: Record<QueueName, QueueUrls>;
  /** The edge's table, for what a route reads (the app specs of `/ci/deploy`). */
  readonly db: Db;
  /** What the local IAM gate refused the ingest or chat function: a missing grant, never expected. */
  readonly denied: readonly Denial[];
  stop(): Promise<void>;
}

/**
 * Only the HTTP edge of a runtime: the real ingest and chat handlers behind the real local server (serveRoutes), sending to
 * real ElasticMQ queues of their own (prefix), with no consumer, so every message it enqueues is still there to be
 * counted. The ingest function runs as `capstan up` runs it: in its own worker, with its own environment, behind
 * the local IAM gate.
 */
export const startFuzzEdge = async (
  endpoints: { readonly sqs: string; readonly dynamodb: string },
  prefix: string,
): Promise<FuzzEdge> => {
  const region = 'us-east-1';
  const sqs = new SQSClient({ endpoint: endpoints.sqs, region, credentials: adminCredentials });
  const queues = await ensureQueues(sqs, prefix);
  const table = `${prefix}-table`;
  const denied: Denial[] = [];
  const onDenied = (d: Denial) => denied.push(d);
  const [sqsGate, dynamodbGate] = await Promise.all([
    startIamGate({ service: 'sqs', upstream: endpoints.sqs, prefix, table, region, onDenied }),
    startIamGate({ service: 'dynamodb', upstream: endpoints.dynamodb, prefix, table, region, onDenied }),
  ]);
  const token = randomBytes(24).toString('base64url');
  // The chat function reads access and writes chat origins: a table of its own, with access for the chat routes.
  const ddb = new DynamoDBClient({ endpoint: endpoints.dynamodb, region, credentials: adminCredentials });
  await ensureTable(ddb, table);
  await seedAccess(ddb, table, 'slack', SLACK_FUZZ_ACCESS);
  await seedAccess(ddb, table, 'mattermost', MATTERMOST_FUZZ_ACCESS);
  // Teams only reads, and only for a tenant let in: no channel, no grant.
  await allowWorkspace(createDb(table, ddb), {
    chat: 'teams',
    workspace: TEAMS_FUZZ_TENANT,
    name: 'Contoso',
    allowedAt: new Date().toISOString(),
    allowedBy: 'cli:fuzz',
  });
  // Refusals are the point here; the handler's warning for each would bury the report.
  const operator = { ...process.env, POWERTOOLS_LOG_LEVEL: 'SILENT' };
  const { slack, mattermost, teams } = secretsOf(token);
  const chatSecret = JSON.stringify({
    slack: { signingSecret: slack },
    mattermost: { commandToken: mattermost.commandToken },
    teams: { securityToken: teams },
    actionKey: mattermost.actionKey,
  });
  const resources = {
    table,
    queues,
    sqsGate,
    dynamodbGate,
    ingestToken: token,
    chatSecret,
    signInSecret: '{}',
    region,
  };
  const hosts = await Promise.all(
    (['ingest', 'chat'] as const).map((name) =>
      startFunctionHost(name, localEnvironment(name, resources, operator), { concurrency: 4 }),
    ),
  );
  const routes = (['ingest', 'chat'] as const).flatMap((name, i) => {
    const handler: HttpHandler = (event) => (hosts[i] as (typeof hosts)[number]).invoke(event);
    return functions[name].routes.map((r) => ({ ...r, handler }));
  });
  const http = await serveRoutes(routes, 0);
  return {
    url: http.url,
    token,
    sqs,
    queues,
    db: createDb(table, ddb),
    denied,
    stop: async () => {
      await http.stop();
      await Promise.all(hosts.map((h) => h.stop()));
      await Promise.all([sqsGate.stop(), dynamodbGate.stop()]);
      sqs.destroy();
      ddb.destroy();
    },
  };
};

/**
 * What SLACK_FUZZ_ACCESS and MATTERMOST_FUZZ_ACCESS say: their user of each workspace (Slack's T1 and Grid org
 * E1, Mattermost's team) may request, roll back and approve from their channel.
 */
const seedAccess = async (
  ddb: DynamoDBClient,
  table: string,
  chat: 'slack' | 'mattermost',
  access: { workspaces: readonly string[]; user: string; channel: string; environment: string },
) => {
  const db = createDb(table, ddb);
  const at = new Date().toISOString();
  const by = 'cli:fuzz';
  const { environment, channel, user } = access;
  const items = access.workspaces.flatMap((workspace) => [
    { ...keys.workspace(chat, workspace), chat, workspace, allowedAt: at, allowedBy: by },
    {
      ...keys.channel(environment, chat, workspace, channel),
      environment,
      chat,
      workspace,
      channel,
      allowedAt: at,
      allowedBy: by,
    },
    ...(['request', 'rollback', 'approve'] as const).map((role) => {
      const principal = `${chat}:${workspace}/${user}`;
      return {
        ...keys.grant(environment, role, principal),
        environment,
        role,
        subject: { kind: 'principal', principal },
        grantedAt: at,
        grantedBy: by,
      };
    }),
  ]);
  for (const Item of items) await db.doc.send(new PutCommand({ TableName: table, Item }));
};
