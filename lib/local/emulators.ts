import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type Components, DYNAMODB_LAUNCHER_CLASS, ensureComponents } from './components.ts';
import { freePorts } from './ports.ts';
import { type ManagedProcess, startAndWait } from './process.ts';
import { requireTool } from './tools.ts';

export interface EmulatorOptions {
  /**
   * Working folder (config, logs, pid files; with `persist`, the data too); created if missing. Removed by
   * stop() unless `persist` or CAPSTAN_KEEP_DIRS is set.
   */
  readonly dir: string;
  /**
   * Keep DynamoDB Local's database and ElasticMQ's queues and messages in `dir`, so that a later start on
   * the same folder finds them again. Off: both are in memory and stop() loses everything, by design.
   */
  readonly persist?: boolean;
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
// per core and takes more memory for no gain on small heaps. IPv4 sockets: both listen on 127.0.0.1, and
// a plain IPv4 listener is what `ss` and /proc/net/tcp show plainly (not as ::ffff:127.0.0.1).
const jvmFlags = ['-XX:+UseSerialGC', '-Djava.net.preferIPv4Stack=true'];

// Ready means the real API answers a real call, not merely that the port is open: the JVMs accept
// connections a moment before their HTTP routes work. One attempt per poll; the poll loop retries.
const answers = async (send: () => Promise<unknown>) => {
  await send();
  return true;
};

/** What each emulator's JVM is started with. */
interface JvmStart {
  readonly components: Components;
  readonly dir: string;
  readonly port: number;
  readonly persist: boolean;
}

const startDynamodbLocal = async ({ components, dir, port, persist }: JvmStart): Promise<ManagedProcess> => {
  const classpathDir = components.dynamodbLocal;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region, credentials, maxAttempts: 1 });
  try {
    return await startAndWait(
      {
        name: 'dynamodb-local',
        command: 'java',
        // DynamoDB Local has no bind-address option (its ServerRunner listens on every interface): our
        // launcher (lib/local/build/LoopbackDynamoDBLocal.java) runs the same server bound to 127.0.0.1.
        // One shared database whatever the region or key, as tests expect; on disk (SQLite,
        // `shared-local-instance.db`) when persisting.
        args: [
          ...jvmFlags,
          `-Djava.library.path=${classpathDir}`,
          '-cp',
          `${components.dynamodbLauncher}:${classpathDir}/*`,
          DYNAMODB_LAUNCHER_CLASS,
          ...(persist ? ['-dbPath', dir] : ['-inMemory']),
          '-sharedDb',
          '-port',
          String(port),
          '-disableTelemetry',
        ],
        logFile: join(dir, 'dynamodb-local.log'),
        pidFile: join(dir, 'dynamodb-local.pid'),
        cwd: dir,
      },
      () => answers(() => client.send(new ListTablesCommand({ Limit: 1 }))),
      { what: 'ListTables', timeoutMs: 90_000 },
    );
  } finally {
    client.destroy();
  }
};

// Persistence: ElasticMQ's SQL storage (H2 through JDBC) keeps the queues, their attributes and every
// message with its delay, visibility deadline and receive count. When it is enabled ElasticMQ ignores
// `queues-storage` (the file that only lists queues), so that stays off. The H2 file is written on
// every change (WRITE_DELAY=0), not once a second, so a killed JVM loses no acknowledged send.
const messagesStorage = (dir: string) =>
  `messages-storage { enabled = true, uri = ${JSON.stringify(`jdbc:h2:${join(dir, 'elasticmq')};WRITE_DELAY=0`)}, prune-data-on-init = false }`;

// ElasticMQ reads HOCON; node-address must be the address clients use, because queue URLs are built
// from it (and the SDK sends requests to the queue URL's host). Region us-east-1 so queue ARNs look
// like the ones the SDK and the topology expect. strict limits: behave like SQS (message size, batch).
const elasticmqConf = (port: number, dir: string, persist: boolean) => `include classpath("application.conf")
node-address { protocol = "http", host = "127.0.0.1", port = ${port}, context-path = "" }
rest-sqs { enabled = true, bind-port = ${port}, bind-hostname = "127.0.0.1", sqs-limits = strict }
rest-stats { enabled = false }
generate-node-address = false
aws { region = "${region}", accountId = "000000000000" }
${persist ? messagesStorage(dir) : ''}
`;

const startElasticmq = async ({ components, dir, port, persist }: JvmStart): Promise<ManagedProcess> => {
  const classpathDir = components.elasticmq;
  const conf = join(dir, 'elasticmq.conf');
  await writeFile(conf, elasticmqConf(port, dir, persist));
  const client = new SQSClient({ endpoint: `http://127.0.0.1:${port}`, region, credentials, maxAttempts: 1 });
  try {
    return await startAndWait(
      {
        name: 'elasticmq',
        command: 'java',
        args: [...jvmFlags, `-Dconfig.file=${conf}`, '-cp', `${classpathDir}/*`, 'org.elasticmq.server.Main'],
        logFile: join(dir, 'elasticmq.log'),
        pidFile: join(dir, 'elasticmq.pid'),
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
 * Starts DynamoDB Local and ElasticMQ (in parallel) on free loopback ports, both listening on 127.0.0.1
 * only, and waits until each answers a real API call. In memory unless `persist`.
 */
export const startEmulators = async (o: EmulatorOptions): Promise<Emulators> => {
  requireTool('java', 'to run DynamoDB Local and ElasticMQ', [17, 0]);
  const components = await ensureComponents({ log: o.log });
  await mkdir(o.dir, { recursive: true });
  const [ddbPort, sqsPort] = (await freePorts(2)) as [number, number];
  const started = Date.now();
  const persist = o.persist ?? false;
  const results = await Promise.allSettled([
    startDynamodbLocal({ components, dir: o.dir, port: ddbPort, persist }),
    startElasticmq({ components, dir: o.dir, port: sqsPort, persist }),
  ]);
  const running = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const stop = async () => {
    await Promise.all(running.map((p) => p.stop()));
    if (persist) return;
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
      `in ${((Date.now() - started) / 1000).toFixed(1)}s${persist ? ` (data in ${o.dir})` : ' (in memory)'}`,
  );
  return emulators;
};
