import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ensureComponents } from './components.ts';
import { freePorts } from './ports.ts';
import { type ManagedProcess, startAndWait } from './process.ts';
import { requireTool } from './tools.ts';

export interface EmulatorOptions {
  /** Working folder (config, logs); created if missing, removed by stop() unless CAPSTAN_KEEP_DIRS is set. */
  readonly dir: string;
  readonly log: (line: string) => void;
}

export interface Emulators {
  /** DynamoDB Local, e.g. http://127.0.0.1:41234 */
  readonly dynamodbEndpoint: string;
  /** ElasticMQ's SQS API (JSON protocol, as the AWS SDK v3 speaks it), e.g. http://127.0.0.1:41235 */
  readonly sqsEndpoint: string;
  stop(): Promise<void>;
}

// Any credentials work; DynamoDB Local rejects access keys with characters other than letters and digits.
const credentials = { accessKeyId: 'capstanlocal', secretAccessKey: 'capstanlocal' };
const region = 'us-east-1';

// Serial GC: two JVMs on a 2-core machine next to two control planes; the default G1 starts a GC thread
// per core and takes more memory for no gain on small heaps.
const jvmFlags = ['-XX:+UseSerialGC'];

// Ready means the real API answers a real call, not merely that the port is open: the JVMs accept
// connections a moment before their HTTP routes work. One attempt per poll; the poll loop retries.
const answers = async (send: () => Promise<unknown>) => {
  await send();
  return true;
};

const startDynamodbLocal = async (classpathDir: string, dir: string, port: number): Promise<ManagedProcess> => {
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region, credentials, maxAttempts: 1 });
  try {
    return await startAndWait(
      {
        name: 'dynamodb-local',
        command: 'java',
        // DynamoDB Local has no bind-address option: it listens on every interface (port chosen at random).
        // In memory and one shared database whatever the region or key, as tests expect.
        args: [
          ...jvmFlags,
          `-Djava.library.path=${classpathDir}`,
          '-cp',
          `${classpathDir}/*`,
          'software.amazon.dynamodb.services.local.main.ServerRunner',
          '-inMemory',
          '-sharedDb',
          '-port',
          String(port),
          '-disableTelemetry',
        ],
        logFile: join(dir, 'dynamodb-local.log'),
        cwd: dir,
      },
      () => answers(() => client.send(new ListTablesCommand({ Limit: 1 }))),
      { what: 'ListTables', timeoutMs: 90_000 },
    );
  } finally {
    client.destroy();
  }
};

// ElasticMQ reads HOCON; node-address must be the address clients use, because queue URLs are built
// from it (and the SDK sends requests to the queue URL's host). Region us-east-1 so queue ARNs look
// like the ones the SDK and the topology expect. strict limits: behave like SQS (message size, batch).
const elasticmqConf = (port: number) => `include classpath("application.conf")
node-address { protocol = "http", host = "127.0.0.1", port = ${port}, context-path = "" }
rest-sqs { enabled = true, bind-port = ${port}, bind-hostname = "127.0.0.1", sqs-limits = strict }
rest-stats { enabled = false }
generate-node-address = false
aws { region = "${region}", accountId = "000000000000" }
`;

const startElasticmq = async (classpathDir: string, dir: string, port: number): Promise<ManagedProcess> => {
  const conf = join(dir, 'elasticmq.conf');
  await writeFile(conf, elasticmqConf(port));
  const client = new SQSClient({ endpoint: `http://127.0.0.1:${port}`, region, credentials, maxAttempts: 1 });
  try {
    return await startAndWait(
      {
        name: 'elasticmq',
        command: 'java',
        args: [...jvmFlags, `-Dconfig.file=${conf}`, '-cp', `${classpathDir}/*`, 'org.elasticmq.server.Main'],
        logFile: join(dir, 'elasticmq.log'),
        cwd: dir,
      },
      () => answers(() => client.send(new ListQueuesCommand({}))),
      { what: 'ListQueues', timeoutMs: 90_000 },
    );
  } finally {
    client.destroy();
  }
};

/**
 * Starts DynamoDB Local and ElasticMQ (in parallel) on free loopback ports and waits until each answers
 * a real API call. Both are in-memory: stop() loses their data, by design.
 */
export const startEmulators = async (o: EmulatorOptions): Promise<Emulators> => {
  requireTool('java', 'to run DynamoDB Local and ElasticMQ', [17, 0]);
  const components = await ensureComponents({ log: o.log });
  await mkdir(o.dir, { recursive: true });
  const [ddbPort, sqsPort] = (await freePorts(2)) as [number, number];
  const started = Date.now();
  const results = await Promise.allSettled([
    startDynamodbLocal(components.dynamodbLocal, o.dir, ddbPort),
    startElasticmq(components.elasticmq, o.dir, sqsPort),
  ]);
  const running = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const stop = async () => {
    await Promise.all(running.map((p) => p.stop()));
    if (process.env.CAPSTAN_KEEP_DIRS) o.log(`emulator logs kept in ${o.dir}`);
    else await rm(o.dir, { recursive: true, force: true });
  };
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) {
    await stop();
    throw failed.reason;
  }
  const emulators = {
    dynamodbEndpoint: `http://127.0.0.1:${ddbPort}`,
    sqsEndpoint: `http://127.0.0.1:${sqsPort}`,
    stop,
  };
  o.log(
    `DynamoDB Local ${emulators.dynamodbEndpoint} and ElasticMQ ${emulators.sqsEndpoint} ready ` +
      `in ${((Date.now() - started) / 1000).toFixed(1)}s`,
  );
  return emulators;
};
