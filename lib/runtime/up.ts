import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { findCluster, putCluster } from '../store/clusters.ts';
import { createDb } from '../store/db.ts';
import { ensureTable } from '../store/table.ts';
import { env, type FunctionName, type FunctionSpec, functionNames, functions, queues } from '../topology.ts';
import { type FunctionHost, startFunctionHost } from './function-host.ts';
import { type HttpRoute, serveRoutes } from './http.ts';
import { type Denial, type GatedService, startIamGate } from './iam-gate.ts';
import { localEnvironment } from './local-environment.ts';
import { type SqsHandler, startPoller } from './poller.ts';
import { ensureQueues } from './resources.ts';
import { type RuntimeState, removeState, writeState } from './state.ts';

export interface UpOptions {
  /** Local clusters to start (ignored when `existing` clusters are given). */
  readonly clusters: number;
  /** Clusters reachable by kubeconfig to register instead of starting local ones. */
  readonly existing?: readonly ExistingCluster[];
  readonly environment: string;
  readonly port: number;
  /** Prefix of the table and queue names. */
  readonly prefix: string;
  /** Seconds before a failed message is retried locally (Lambda waits the visibility timeout). */
  readonly retryDelaySeconds: number;
  readonly log: (line: string) => void;
  /** Write the state file other `capstan` commands use to find this runtime. */
  readonly writeState: boolean;
  /**
   * Keep the emulators' data and the local clusters here between runs (locked against a second runtime;
   * processes a killed earlier run left behind are stopped first). Undefined: everything lives in a
   * temporary folder and is gone after stop().
   */
  readonly dataDir?: string;
  /**
   * Run scheduled functions this often instead of their topology schedule (tests: a sweep every few
   * seconds rather than every minute). Their first run is at start either way.
   */
  readonly scheduleEverySeconds?: number;
}

export interface ExistingCluster {
  readonly name: string;
  readonly kubeconfigPath: string;
  readonly context: string;
}

export interface Runtime {
  readonly state: RuntimeState;
  /** Folder of this runtime (cluster data, logs): `dataDir`, or a temporary one removed by stop(). */
  readonly workDir: string;
  /** Runs a scheduled function now, as its schedule would (the sweep, on demand); its result. */
  runScheduled(name: FunctionName): Promise<unknown>;
  stop(): Promise<void>;
}

const POLLERS_PER_QUEUE = 4;
/** Webhook requests handled at once locally (API Gateway would start more Lambda environments). */
const HTTP_CONCURRENCY = 4;

const usesConfiguredEndpoints = (source: NodeJS.ProcessEnv) =>
  Boolean(source.AWS_ENDPOINT_URL || source.AWS_ENDPOINT_URL_DYNAMODB || source.AWS_ENDPOINT_URL_SQS);

/**
 * `capstan up`: the same handlers as on AWS, fed by the same kind of queues. Starts the bundled emulators
 * unless AWS_ENDPOINT_URL_* say where DynamoDB and SQS are, starts (or registers) clusters, then polls
 * every queue and serves every route of the topology. stop() undoes it all, in reverse.
 */
export const up = async (o: UpOptions): Promise<Runtime> => {
  const cleanups: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((e) => o.log(`cleanup failed: ${e}`));
    cleanups.length = 0;
  };
  try {
    const workDir = await openWorkDir(o, cleanups);
    const persist = o.dataDir !== undefined;
    // The clusters start while the emulators do (each takes 10-20 s); they are registered once the table is there.
    const clustersStarting = startLocalClusters(o, workDir);
    clustersStarting.catch(() => {}); // observed below, or by the cleanup if the emulators fail first
    cleanups.push(async () => (await clustersStarting.catch(() => undefined))?.stop());
    const endpoints: RuntimeState['endpoints'] = {};
    if (!usesConfiguredEndpoints(process.env)) {
      o.log('starting DynamoDB Local and ElasticMQ');
      const { startEmulators } = await import('../local/emulators.ts');
      const emulators = await startEmulators({ dir: join(workDir, 'emulators'), persist, log: o.log });
      cleanups.push(() => emulators.stop());
      process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoints.dynamodb = emulators.dynamodbEndpoint;
      process.env.AWS_ENDPOINT_URL_SQS = endpoints.sqs = emulators.sqsEndpoint;
      // The emulators accept any key; DynamoDB Local wants letters and digits only.
      process.env.AWS_ACCESS_KEY_ID ??= 'capstanlocal';
      process.env.AWS_SECRET_ACCESS_KEY ??= 'capstanlocal';
    } else {
      endpoints.dynamodb = process.env.AWS_ENDPOINT_URL_DYNAMODB ?? process.env.AWS_ENDPOINT_URL;
      endpoints.sqs = process.env.AWS_ENDPOINT_URL_SQS ?? process.env.AWS_ENDPOINT_URL;
    }
    process.env.AWS_REGION ??= 'us-east-1';
    const region = process.env.AWS_REGION;

    const ddb = new DynamoDBClient({});
    const sqs = new SQSClient({});
    cleanups.push(async () => {
      ddb.destroy();
      sqs.destroy();
    });
    const tableName = `${o.prefix}-table`;
    o.log(`table ${tableName}: ${await ensureTable(ddb, tableName)}`);
    const queueUrls = await ensureQueues(sqs, o.prefix);
    o.log(`queues ready: ${Object.keys(queueUrls).join(', ')} (each with a DLQ)`);

    const ingestToken = process.env[env.ingestToken] ?? (await storedIngestToken(o.dataDir));
    process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';

    const db = createDb(tableName, ddb);
    const clusters = await registerClusters(o, db, (await clustersStarting).found);

    // Every function's AWS calls pass the local IAM gate: what its role may not do fails here as on AWS.
    const onDenied = (d: Denial) => o.log(`iam: ${d.fn ?? 'unknown caller'} may not ${d.action} on ${d.resource}`);
    const gate = (service: GatedService, upstream: string | undefined) => {
      if (!upstream) throw new Error(`no ${service} endpoint`);
      return startIamGate({ service, upstream, prefix: o.prefix, table: tableName, region, onDenied });
    };
    const [sqsGate, dynamodbGate] = await Promise.all([
      gate('sqs', endpoints.sqs),
      gate('dynamodb', endpoints.dynamodb),
    ]);
    cleanups.push(() => Promise.all([sqsGate.stop(), dynamodbGate.stop()]));
    const chatSecret = process.env[env.chatSecret] ?? '{}';
    const signInSecret = process.env[env.signInSecret] ?? '{}';
    const resources = {
      table: tableName,
      queues: queueUrls,
      sqsGate,
      dynamodbGate,
      ingestToken,
      chatSecret,
      signInSecret,
      region,
    };

    // Each host is stopped with the runtime as soon as it has started, so one failing cold start leaves none behind.
    const hosts = new Map<FunctionName, FunctionHost>();
    await Promise.all(
      functionNames.map(async (name) => {
        const spec: FunctionSpec = functions[name];
        const concurrency = spec.queue ? POLLERS_PER_QUEUE : spec.routes ? HTTP_CONCURRENCY : 1;
        const host = await startFunctionHost(name, localEnvironment(name, resources, process.env), { concurrency });
        hosts.set(name, host);
        cleanups.push(() => host.stop());
      }),
    );
    o.log(`functions started, each with its own environment and grants: ${functionNames.join(', ')}`);

    const pollers: ReturnType<typeof startPoller>[] = [];
    const routes: HttpRoute[] = [];
    const timers: NodeJS.Timeout[] = [];
    const scheduled = new Map<FunctionName, () => Promise<unknown>>();
    for (const name of functionNames) {
      const spec: FunctionSpec = functions[name];
      const host = hosts.get(name) as FunctionHost;
      if (spec.queue) {
        const queue = spec.queue;
        const handler: SqsHandler = (event) => host.invoke(event);
        // Several batches at once, as Lambda runs them: SQS never hands one FIFO message group to two
        // receivers at a time, so order within an app+environment holds.
        for (let i = 0; i < POLLERS_PER_QUEUE; i++) {
          pollers.push(
            startPoller({
              name,
              sqs,
              queue: queueUrls[queue],
              spec: queues[queue],
              handler,
              region,
              retryDelaySeconds: o.retryDelaySeconds,
              onError: (line) => o.log(`poller ${line}`),
            }),
          );
        }
      }
      for (const route of spec.routes ?? []) {
        routes.push({ ...route, handler: (event) => host.invoke(event) });
      }
      if (spec.scheduleMinutes) {
        const invoke = () => host.invoke({ source: 'capstan.schedule' });
        const tick = () => invoke().catch((e) => o.log(`${name}: ${e}`));
        scheduled.set(name, invoke);
        timers.push(setInterval(tick, (o.scheduleEverySeconds ?? spec.scheduleMinutes * 60) * 1000));
        void tick();
      }
    }
    cleanups.push(async () => {
      for (const t of timers) clearInterval(t);
      await Promise.all(pollers.map((p) => p.stop()));
    });
    const http = await serveRoutes(routes, o.port);
    cleanups.push(() => http.stop());
    o.log(`serving ${routes.map((r) => `${r.method} ${r.path}`).join(', ')} on ${http.url}`);

    const state: RuntimeState = {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      httpUrl: http.url,
      region,
      table: tableName,
      endpoints,
      queues: queueUrls,
      ingestToken,
      clusters,
    };
    if (o.writeState) {
      await writeState(state);
      cleanups.push(() => removeState());
    }
    const runScheduled = async (name: FunctionName) => {
      const invoke = scheduled.get(name);
      if (!invoke) throw new Error(`${name} runs on no schedule`);
      return invoke();
    };
    return { state, workDir, runScheduled, stop };
  } catch (error) {
    await stop();
    throw error;
  }
};

/**
 * The runtime's folder. Persistent: `dataDir`, locked for this process, after stopping whatever a killed
 * earlier run on it left running (their pid files are in it). Ephemeral: a temporary folder.
 */
const openWorkDir = async (o: UpOptions, cleanups: (() => Promise<unknown>)[]): Promise<string> => {
  if (o.dataDir === undefined) {
    const dir = await mkdtemp(join(tmpdir(), 'capstan-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    return dir;
  }
  const dir = resolve(o.dataDir);
  const [{ lockDataDir }, { stopStaleProcesses }] = await Promise.all([
    import('../local/data-lock.ts'),
    import('../local/pid-files.ts'),
  ]);
  cleanups.push(await lockDataDir(dir, o.log));
  const stale = await stopStaleProcesses(dir, o.log);
  if (stale > 0) o.log(`stopped ${stale} process(es) of an earlier run; its data is reused`);
  o.log(`data in ${dir} (kept between runs; --ephemeral for none)`);
  return dir;
};

/**
 * The ingest token (every webhook secret derives from it): kept in the data folder, so that registries
 * configured against one run still get in after a restart. Ephemeral: a new one per run.
 */
const storedIngestToken = async (dataDir: string | undefined): Promise<string> => {
  const fresh = randomBytes(24).toString('base64url');
  if (dataDir === undefined) return fresh;
  const file = join(dataDir, 'ingest-token');
  const kept = (await readFile(file, 'utf8').catch(() => '')).trim();
  if (kept) return kept;
  await writeFile(file, `${fresh}\n`, { mode: 0o600 });
  return fresh;
};

/** The local clusters to start, unless clusters reachable by kubeconfig were given. */
const startLocalClusters = async (
  o: UpOptions,
  workDir: string,
): Promise<{ found: readonly ExistingCluster[]; stop: () => Promise<unknown> }> => {
  if (o.existing?.length) return { found: o.existing, stop: async () => {} };
  o.log(`starting ${o.clusters} local cluster(s) (etcd, kube-apiserver, controller-manager, scheduler, kwok)`);
  const { startClusters } = await import('../local/cluster.ts');
  const local = await startClusters(o.clusters, {
    dir: join(workDir, 'clusters'),
    persist: o.dataDir !== undefined,
    log: o.log,
  });
  return { found: local, stop: () => Promise.all(local.map((c) => c.stop())) };
};

const registerClusters = async (
  o: UpOptions,
  db: ReturnType<typeof createDb>,
  found: readonly ExistingCluster[],
): Promise<RuntimeState['clusters']> => {
  const registered = [];
  for (const [wave, c] of found.entries()) {
    const credentials = { kind: 'kubeconfig', path: c.kubeconfigPath, context: c.context } as const;
    // A restarted runtime finds its clusters registered already (their kubeconfig, at the same path,
    // now names the apiserver's current port); a wave or environment changed since by hand is kept.
    const known = await findCluster(db, c.name);
    if (known && isDeepStrictEqual(known.credentials, credentials)) {
      registered.push({
        name: c.name,
        environment: known.environment,
        kubeconfigPath: c.kubeconfigPath,
        context: c.context,
      });
      o.log(`cluster ${c.name} already registered in environment ${known.environment} (wave ${known.wave})`);
      continue;
    }
    await putCluster(db, {
      name: c.name,
      environment: o.environment,
      wave,
      credentials,
      registeredAt: new Date().toISOString(),
    });
    registered.push({ name: c.name, environment: o.environment, kubeconfigPath: c.kubeconfigPath, context: c.context });
    o.log(`cluster ${c.name} registered in environment ${o.environment} (wave ${wave})`);
  }
  return registered;
};
