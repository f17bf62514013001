import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueUrlCommand, SetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type Emulators, startEmulators } from '../../lib/local/emulators.ts';
import { createDb, type Db } from '../../lib/store/db.ts';
import { type QueueName, queueName, queueNames, queues } from '../../lib/topology.ts';
import { readClusterAccess, writeFleetKubeconfig } from '../harness/fleet-kubeconfig.ts';
import type { InfraCluster } from '../harness/infra.ts';
import { KubeFaultProxy } from '../harness/kube-fault-proxy.ts';
import { type RuntimeProcess, startRuntimeProcess } from '../harness/runtime-process.ts';
import { ENVIRONMENT } from './events.ts';

/**
 * Visibility timeouts for the suite, shorter than the topology's (6x each function's timeout), so a
 * message held by a killed consumer comes back in about a minute, not six; but longer than each
 * function's timeout, which is how long Powertools keeps an event's idempotency record "in progress".
 * A message back while its record is still in progress is retried on the runtime's short schedule
 * (2 s, doubling), and each of those receives counts toward maxReceiveCount: with a visibility much
 * shorter than the function's timeout, a message held by a killed consumer would use up its receives
 * before its record expires and go to the DLQ unprocessed (see setDeployVisibility).
 */
const SUITE_VISIBILITY_SECONDS: Record<QueueName, number> = {
  deploy: 65,
  rollout: 35,
  registry: 15,
  heal: 35,
  kubeEvents: 15,
  scale: 35,
  alarms: 15,
  approvals: 15,
  notify: 25,
};

const credentials = { accessKeyId: 'capstanlocal', secretAccessKey: 'capstanlocal' };
const INGEST_TOKEN = 'fault-suite-ingest-token-0123456789';

export interface QueuePair {
  readonly url: string;
  readonly dlqUrl: string;
}

export interface FleetOptions {
  readonly dir: string;
  /** Two clusters: the first (wave 1) is reached through the fault proxy, the second directly. */
  readonly clusters: readonly InfraCluster[];
  readonly consumers: number;
  readonly prefix: string;
  readonly log: (line: string) => void;
}

/** What each runtime's output told: retries the consumers logged. */
export interface RuntimeCounters {
  willRetry: number;
  handlerThrew: number;
}

/**
 * The system under test, as a user runs it: emulators, several `capstan up` processes on one prefix
 * (so several consumers of every queue), the first cluster behind a fault proxy.
 */
export class Fleet {
  readonly counters: RuntimeCounters = { willRetry: 0, handlerThrew: 0 };
  runtimes: RuntimeProcess[] = [];
  starts = 0;
  sqs: SQSClient;
  private ddb: DynamoDBClient;
  db: Db;
  private constructor(
    readonly o: FleetOptions,
    private emulators: Emulators,
    readonly proxy: KubeFaultProxy,
    readonly kubeconfig: string,
  ) {
    ({ sqs: this.sqs, ddb: this.ddb, db: this.db } = this.clients());
  }

  private clients() {
    const sqs = new SQSClient({ endpoint: this.emulators.sqsEndpoint, region: 'us-east-1', credentials });
    const ddb = new DynamoDBClient({ endpoint: this.emulators.dynamodbEndpoint, region: 'us-east-1', credentials });
    return { sqs, ddb, db: createDb(`${this.o.prefix}-table`, ddb) };
  }

  private static emulatorsIn(o: FleetOptions) {
    // Persistent: their restart mid-run keeps the table and every queued message.
    return startEmulators({ dir: join(o.dir, 'emulators'), persist: true, log: o.log });
  }

  static async start(o: FleetOptions): Promise<Fleet> {
    const [proxied, direct] = o.clusters;
    if (!proxied || !direct) throw new Error('the fault suite needs two clusters');
    const emulators = await Fleet.emulatorsIn(o);
    const first = await readClusterAccess(proxied.name, proxied.kubeconfigPath);
    const proxy = await KubeFaultProxy.start({ upstream: first.server, upstreamCaPem: first.caPem });
    const kubeconfig = join(o.dir, 'fleet.kubeconfig');
    await writeFleetKubeconfig(kubeconfig, [
      { ...first, server: proxy.url, caPem: proxy.certificatePem },
      await readClusterAccess(direct.name, direct.kubeconfigPath),
    ]);
    const fleet = new Fleet(o, emulators, proxy, kubeconfig);
    await fleet.startRuntimes();
    return fleet;
  }

  get clusterNames(): string[] {
    return this.o.clusters.slice(0, 2).map((c) => c.name);
  }

  get ingestToken(): string {
    return INGEST_TOKEN;
  }

  async queueUrls(): Promise<Record<QueueName, QueuePair>> {
    const url = async (name: string) =>
      (await this.sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl as string;
    const pairs = await Promise.all(
      queueNames.map(
        async (q) =>
          [
            q,
            { url: await url(queueName(this.o.prefix, q)), dlqUrl: await url(queueName(this.o.prefix, q, true)) },
          ] as const,
      ),
    );
    return Object.fromEntries(pairs) as Record<QueueName, QueuePair>;
  }

  /**
   * Starts the consumers, all at once, on the same table and queues. `capstan up` creates the queues
   * with the topology's attributes and CreateQueue refuses an existing queue whose attributes differ, so
   * the suite's shorter visibility timeouts are set only around the starts: the topology's while they
   * start, the suite's once they all serve.
   */
  async startRuntimes(o: { queuesAsTopology?: boolean } = {}): Promise<void> {
    if (this.starts > 0 && !o.queuesAsTopology) await this.setVisibility((q) => queues[q].visibilityTimeoutSeconds);
    const round = ++this.starts;
    const start = (i: number) =>
      startRuntimeProcess({
        name: `runtime-${i + 1}`,
        prefix: this.o.prefix,
        environment: ENVIRONMENT,
        contexts: this.clusterNames,
        kubeconfig: this.kubeconfig,
        logFile: join(this.o.dir, `runtime-${i + 1}.log`),
        env: this.runtimeEnv(i, round),
        onLine: (line) => this.count(line),
      });
    // The first alone: it creates (or finds) the table and queues; then the others, at once. Concurrent
    // CreateQueue calls for queues ElasticMQ has just restored from disk were seen to fail with
    // "Queue already exists" (the same calls succeed one at a time).
    const first = await start(0);
    const others = await Promise.all(Array.from({ length: this.o.consumers - 1 }, (_, i) => start(i + 1)));
    this.runtimes = [first, ...others];
    await this.setVisibility((q) => SUITE_VISIBILITY_SECONDS[q]);
  }

  /**
   * The deploy queue's visibility timeout for messages received from now on, e.g. shorter than the
   * deploy function's timeout (60 s) so a live consumer still working sees its message come back.
   */
  async setDeployVisibility(seconds: number): Promise<void> {
    const urls = await this.queueUrls();
    await this.sqs.send(
      new SetQueueAttributesCommand({ QueueUrl: urls.deploy.url, Attributes: { VisibilityTimeout: String(seconds) } }),
    );
  }

  /**
   * Stops DynamoDB Local and ElasticMQ under the running consumers, starts them again on the same data
   * after `downMs`, then the consumers too: they learned the endpoints when they started, and the
   * emulators come back on other ports.
   */
  async restartEmulators(downMs: number): Promise<void> {
    // ElasticMQ keeps the attributes a queue had when it stopped; a queue it restored from disk and whose
    // attributes were then changed was seen to refuse the runtime's CreateQueue ("Queue already exists")
    // even with equal attributes, so the queues go down with the topology's and stay that way until the
    // runtimes have found them.
    await this.setVisibility((q) => queues[q].visibilityTimeoutSeconds);
    await this.emulators.stop();
    await new Promise((r) => setTimeout(r, downMs));
    this.emulators = await Fleet.emulatorsIn(this.o);
    this.sqs.destroy();
    this.ddb.destroy();
    ({ sqs: this.sqs, ddb: this.ddb, db: this.db } = this.clients());
    await Promise.all(this.runtimes.map((r) => r.stop()));
    await this.startRuntimes({ queuesAsTopology: true });
  }

  /** SIGKILL every consumer at once: whatever each was doing stays half done. */
  async killRuntimes(): Promise<void> {
    await Promise.all(this.runtimes.map((r) => r.kill()));
  }

  async stop(): Promise<void> {
    await Promise.all(this.runtimes.map((r) => r.stop()));
    await this.proxy.stop();
    this.sqs.destroy();
    this.ddb.destroy();
    await this.emulators.stop();
  }

  /** POST /events on one of the runtimes' edges. */
  async post(event: unknown, runtime = 0): Promise<number> {
    const target = this.runtimes[runtime % this.runtimes.length];
    if (!target) throw new Error('no runtime is running');
    const response = await fetch(`${target.url}/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${INGEST_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(event),
    });
    await response.arrayBuffer();
    return response.status;
  }

  private runtimeEnv(i: number, round: number): Record<string, string> {
    return {
      AWS_ENDPOINT_URL_DYNAMODB: this.emulators.dynamodbEndpoint,
      AWS_ENDPOINT_URL_SQS: this.emulators.sqsEndpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      CAPSTAN_STATE: join(this.o.dir, `runtime-${i + 1}-${round}.json`),
      CAPSTAN_INGEST_TOKEN: INGEST_TOKEN,
      CAPSTAN_ROLLOUT_FIRST_CHECK_SECONDS: '1',
      CAPSTAN_ROLLOUT_MAX_INTERVAL_SECONDS: '2',
      CAPSTAN_ROLLOUT_TIMEOUT_SECONDS: '90',
      // INFO: the consumers' "will retry" lines are how the suite counts retries.
      POWERTOOLS_LOG_LEVEL: 'INFO',
    };
  }

  private count(line: string): void {
    if (line.includes('"will retry"')) this.counters.willRetry++;
    if (line.includes('handler threw')) this.counters.handlerThrew++;
  }

  private async setVisibility(seconds: (q: QueueName) => number): Promise<void> {
    const urls = await this.queueUrls();
    await Promise.all(
      queueNames.map((q) =>
        this.sqs.send(
          new SetQueueAttributesCommand({
            QueueUrl: urls[q].url,
            Attributes: { VisibilityTimeout: String(seconds(q)) },
          }),
        ),
      ),
    );
  }
}
