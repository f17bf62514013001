import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cached } from './cache.ts';
import { formatElapsed, runStep } from './step.ts';
import { requireTool } from './tools.ts';

/** Pinned versions of every local component; the cache folder names include them, so a bump rebuilds. */
export const versions = {
  kubernetes: '1.34.4',
  etcd: '3.6.6',
  kwok: '0.8.0',
  registry: '3.1.2',
  dynamodbLocal: '3.3.1',
  elasticmq: '1.7.1',
  alertmanager: '0.31.1',
  metricsServer: '0.9.0',
  mattermost: '6.7.2',
} as const;

/** Absolute paths of everything the local clusters and emulators run. */
export interface Components {
  readonly kubeApiserver: string;
  readonly kubeControllerManager: string;
  readonly kubeScheduler: string;
  readonly kubectl: string;
  readonly etcd: string;
  readonly kwok: string;
  /** The CNCF Distribution registry, a real source of push notifications. */
  readonly registry: string;
  /** Folder with DynamoDB Local's jars and its native SQLite library (classpath and java.library.path). */
  readonly dynamodbLocal: string;
  /** Folder with the compiled launcher that runs DynamoDB Local bound to 127.0.0.1 (classpath entry). */
  readonly dynamodbLauncher: string;
  /** Folder with ElasticMQ's jars (classpath). */
  readonly elasticmq: string;
  /** Prometheus Alertmanager, a real sender of webhook notifications. */
  readonly alertmanager: string;
  /** metrics-server: the resource metrics API the HPA controller reads (fed by kwok's emulated usage). */
  readonly metricsServer: string;
  /** The Mattermost server; its i18n/, templates/ and fonts/ are in the folder above bin/. */
  readonly mattermost: string;
}

/** Main class of lib/local/build/LoopbackDynamoDBLocal.java. */
export const DYNAMODB_LAUNCHER_CLASS = 'LoopbackDynamoDBLocal';

export interface EnsureOptions {
  readonly log: (line: string) => void;
}

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const buildDir = join(repoRoot, 'lib', 'local', 'build');

/** CAPSTAN_CACHE, or `.capstan/cache` in the repository (git-ignored). */
export const cacheRoot = (): string => process.env.CAPSTAN_CACHE || join(repoRoot, '.capstan', 'cache');

const hasFiles = (dir: string, files: readonly string[]) => files.every((f) => existsSync(join(dir, f)));

// Minimum tool versions: kwok v0.8.0's and the Distribution registry v3.1.2's go.mod say go 1.26.0 and
// the scripts set GOTOOLCHAIN=local (no toolchain download); Kubernetes 1.34 and etcd 3.6 need 1.24.
// Alertmanager v0.31.1 says go 1.24.0, metrics-server v0.9.0 go 1.26.4; Mattermost v6.7.2 needs 1.23's
// -checklinkname=0 (lib/local/build/mattermost.sh). DynamoDB Local 3.x needs Java 17.
const goFor = {
  kubernetes: [1, 24],
  etcd: [1, 24],
  kwok: [1, 26],
  registry: [1, 26],
  alertmanager: [1, 24],
  metricsServer: [1, 26],
  mattermost: [1, 23],
} as const satisfies Record<string, [number, number]>;

interface Component {
  readonly folder: string;
  readonly complete: (dir: string) => boolean;
  /** Throws a clear error if a tool needed to build it is missing. */
  readonly requires: () => void;
  readonly build: (tmp: string, log: (line: string) => void) => Promise<void>;
}

const kubeBinaries = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl'] as const;

// Cache folder names where the key is not the component's usual name.
const folderName: Partial<Record<keyof typeof goFor, string>> = { metricsServer: 'metrics-server' };

const goComponent = (
  key: keyof typeof goFor,
  script: string,
  binaries: readonly string[],
  announce: string,
): Component => {
  const version = versions[key];
  return {
    folder: `${folderName[key] ?? key}-v${version}`,
    complete: (dir) => hasFiles(join(dir, 'bin'), binaries),
    requires: () => requireTool('go', `to build ${key} v${version} from the Go module proxy`, [...goFor[key]]),
    build: async (tmp, log) => {
      log(announce);
      await runStep({
        name: folderName[key] ?? key,
        command: 'bash',
        args: [join(buildDir, script), version, join(tmp, 'bin')],
        log,
        // One line per module of go.mod bookkeeping; `go: downloading` lines stay, they show progress.
        hide: /^go: (added|upgraded|found) /,
      });
    },
  };
};

const mavenComponent = (
  key: 'dynamodbLocal' | 'elasticmq',
  folderName: string,
  pom: string,
  mainFiles: (version: string) => string[],
): Component => {
  const version = versions[key];
  return {
    folder: `${folderName}-${version}`,
    complete: (dir) => hasFiles(join(dir, 'lib'), mainFiles(version)),
    requires: () => {
      requireTool('java', `to run ${folderName} ${version}`, [17, 0]);
      requireTool('mvn', `to fetch ${folderName} ${version} from Maven Central`);
    },
    build: async (tmp, log) => {
      log(`fetching ${folderName} ${version} and its dependencies from Maven Central (about a minute when cold)`);
      const out = join(tmp, 'lib');
      await runStep({
        name: folderName,
        command: 'mvn',
        args: [
          '-B',
          '-q',
          '-Dstyle.color=never',
          '-f',
          join(buildDir, pom),
          `-Demulator.version=${version}`,
          'dependency:copy-dependencies',
          `-DoutputDirectory=${out}`,
        ],
        log,
      });
      const jars = (await readdir(out)).filter((f) => f.endsWith('.jar'));
      if (jars.length === 0) throw new Error(`${folderName}: Maven copied no jars into ${out}`);
    },
  };
};

// The native SQLite library is a separate Maven artifact; without it DynamoDB Local fails on first use.
const dynamodbLocal = mavenComponent('dynamodbLocal', 'dynamodb-local', 'dynamodb-local.pom.xml', (v) => [
  `DynamoDBLocal-${v}.jar`,
  'libsqlite4java-linux-amd64-1.0.392.so',
]);

// The loopback launcher, compiled against DynamoDB Local's jars (so it comes after them). Its folder is
// keyed by a hash of its source as well as DynamoDB Local's version: an edited launcher is recompiled.
const launcherSource = join(buildDir, `${DYNAMODB_LAUNCHER_CLASS}.java`);
const dynamodbLauncher = (dynamodbLocalFolder: string): Component => {
  const hash = createHash('sha256').update(readFileSync(launcherSource)).digest('hex').slice(0, 12);
  return {
    folder: `dynamodb-launcher-${versions.dynamodbLocal}-${hash}`,
    complete: (dir) => hasFiles(join(dir, 'classes'), [`${DYNAMODB_LAUNCHER_CLASS}.class`]),
    requires: () => requireTool('javac', 'to compile the launcher that binds DynamoDB Local to 127.0.0.1', [17, 0]),
    build: async (tmp, log) => {
      log(`compiling ${DYNAMODB_LAUNCHER_CLASS}.java (DynamoDB Local on 127.0.0.1 only)`);
      await mkdir(join(tmp, 'classes'));
      await runStep({
        name: 'dynamodb-launcher',
        command: 'javac',
        args: ['-d', join(tmp, 'classes'), '-cp', `${join(cacheRoot(), dynamodbLocalFolder, 'lib')}/*`, launcherSource],
        log,
      });
    },
  };
};

// Maven ones first: they take seconds, so the emulators are usable even if a long Go build is interrupted.
// Then the Go builds, one at a time: each already uses both cores, and Kubernetes, the longest, goes last.
const components = {
  dynamodbLocal,
  dynamodbLauncher: dynamodbLauncher(dynamodbLocal.folder),
  elasticmq: mavenComponent('elasticmq', 'elasticmq', 'elasticmq.pom.xml', (v) => [`elasticmq-server_2.13-${v}.jar`]),
  etcd: goComponent('etcd', 'etcd.sh', ['etcd'], `building etcd v${versions.etcd} (2-4 minutes when cold)`),
  kwok: goComponent('kwok', 'kwok.sh', ['kwok'], `building kwok v${versions.kwok} (2-4 minutes when cold)`),
  registry: goComponent(
    'registry',
    'registry.sh',
    ['registry'],
    `building the Distribution registry v${versions.registry} (2-4 minutes when cold)`,
  ),
  alertmanager: goComponent(
    'alertmanager',
    'alertmanager.sh',
    ['alertmanager'],
    `building Alertmanager v${versions.alertmanager} (about 1.5 minutes when cold)`,
  ),
  metricsServer: goComponent(
    'metricsServer',
    'metrics-server.sh',
    ['metrics-server'],
    `building metrics-server v${versions.metricsServer} (about 2.5 minutes and 1.4 GiB when cold)`,
  ),
  mattermost: goComponent(
    'mattermost',
    'mattermost.sh',
    ['mattermost'],
    `building the Mattermost server v${versions.mattermost} (about 7 minutes and 1.2 GiB of modules when cold)`,
  ),
  kubernetes: goComponent(
    'kubernetes',
    'kube.sh',
    kubeBinaries,
    `building Kubernetes v${versions.kubernetes} (${kubeBinaries.join(', ')}): a cold build takes ` +
      '10-25 minutes on 2 cores; later runs use the cache',
  ),
} satisfies Record<string, Component>;

const ensureAll = async ({ log }: EnsureOptions): Promise<Components> => {
  const root = cacheRoot();
  const dirs: Partial<Record<keyof typeof components, string>> = {};
  const missing = Object.entries(components).filter(([, c]) => !c.complete(join(root, c.folder)));
  if (missing.length > 0) log(`local components missing from ${root}: ${missing.map(([, c]) => c.folder).join(', ')}`);
  // Every missing tool is reported before anything is built, not after ten minutes of other builds.
  for (const [, c] of missing) c.requires();
  for (const [key, component] of Object.entries(components) as [keyof typeof components, Component][]) {
    const started = Date.now();
    let built = false;
    dirs[key] = await cached({
      root,
      name: component.folder,
      complete: component.complete,
      build: (tmp) => {
        built = true;
        return component.build(tmp, log);
      },
      log,
    });
    if (built) log(`${component.folder}: ready in ${formatElapsed(Date.now() - started)}`);
  }
  const kube = join(dirs.kubernetes as string, 'bin');
  return {
    kubeApiserver: join(kube, 'kube-apiserver'),
    kubeControllerManager: join(kube, 'kube-controller-manager'),
    kubeScheduler: join(kube, 'kube-scheduler'),
    kubectl: join(kube, 'kubectl'),
    etcd: join(dirs.etcd as string, 'bin', 'etcd'),
    kwok: join(dirs.kwok as string, 'bin', 'kwok'),
    registry: join(dirs.registry as string, 'bin', 'registry'),
    dynamodbLocal: join(dirs.dynamodbLocal as string, 'lib'),
    dynamodbLauncher: join(dirs.dynamodbLauncher as string, 'classes'),
    elasticmq: join(dirs.elasticmq as string, 'lib'),
    alertmanager: join(dirs.alertmanager as string, 'bin', 'alertmanager'),
    metricsServer: join(dirs.metricsServer as string, 'bin', 'metrics-server'),
    mattermost: join(dirs.mattermost as string, 'bin', 'mattermost'),
  };
};

// One in-flight ensure per cache root: the emulators and the clusters start in parallel and both ask.
const inFlight = new Map<string, Promise<Components>>();

/**
 * Builds or fetches every local component into the cache (see `cacheRoot`) and returns their paths.
 * Instant when everything is cached. Needs go (1.26+), java (17+) and mvn only for what is missing.
 */
export const ensureComponents = (o: EnsureOptions): Promise<Components> => {
  const root = cacheRoot();
  let pending = inFlight.get(root);
  if (!pending) {
    pending = ensureAll(o);
    inFlight.set(root, pending);
    // A failure is not remembered: the next call tries again (after the user installs go, say).
    pending.catch(() => inFlight.delete(root));
  }
  return pending;
};
