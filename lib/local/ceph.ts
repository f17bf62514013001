import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { z } from 'zod';
import { ensureAptPackages } from './apt.ts';
import { cephConf, monAddress } from './ceph-conf.ts';
import { stopStaleProcesses } from './pid-files.ts';
import { freePorts } from './ports.ts';
import { type ManagedProcess, spawnLogged, tailOf, waitUntilReady } from './process.ts';

/**
 * A real single-host Ceph cluster for tests (issue 11): Debian bookworm's Pacific 16.2.15 packages, one
 * mon, one mgr with the `restful` module, one memstore OSD, cephx on, every daemon on 127.0.0.1. There is
 * no systemd here, so the daemons run in the foreground as our children (process.ts) and stop with us.
 * What works and why: ../shared/infra-notes.md, "Ceph (for RBD tests)"; the ceph.conf is ceph-conf.ts.
 */

const packages = ['ceph-mon', 'ceph-osd', 'ceph-mgr', 'ceph-common', 'python3-rbd', 'python3-rados'];

/** Installs Ceph's packages if `ceph-mon` or `rbd` is missing (we are root); a no-op when they are there. */
export const ensureCephPackages = (log: (line: string) => void): Promise<void> =>
  ensureAptPackages(
    {
      what: 'ceph',
      packages,
      files: ['/usr/bin/ceph-mon', '/usr/bin/rbd'],
      cost: "Debian's Pacific; about 20 s, 250 MB",
    },
    log,
  );

export interface CephOptions {
  /** Working folder of its own (conf, keyrings, logs, daemon data): emptied at start, removed by stop() unless CAPSTAN_KEEP_DIRS. */
  readonly dir: string;
  readonly log: (line: string) => void;
  /** How long to wait for all PGs active+clean; default 90 s. */
  readonly readyTimeoutMs?: number;
}

export interface CephRestful {
  /** e.g. https://127.0.0.1:41234 (no trailing slash) */
  readonly url: string;
  /** HTTP basic auth: user and key. */
  readonly user: string;
  readonly key: string;
  /** The module's self-signed certificate (PEM; CN ceph-restful, no subjectAltName). */
  readonly caCert?: string;
}

export interface LocalCeph {
  readonly confPath: string;
  /** client.admin's keyring. */
  readonly keyringPath: string;
  readonly restful: CephRestful;
  /** The pool created and initialised for RBD. */
  readonly pool: 'rbd';
  /** The running daemons, e.g. for checking what they listen on. */
  readonly daemons: readonly { readonly name: string; readonly pid: number }[];
  /** Stops every daemon (SIGTERM, SIGKILL after a grace) and waits until each is gone. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * The modules the mgr may load: `restful`, the always-on ones (a missing one is HEALTH_ERR
 * MGR_MODULE_ERROR) and the default-enabled `iostat` and `nfs`. Not `dashboard`: it and `restful` cannot
 * both import python3-cryptography (a second sub-interpreter), and restful would fail.
 */
const mgrModules = [
  'restful',
  'status',
  'progress',
  'balancer',
  'crash',
  'iostat',
  'pg_autoscaler',
  'rbd_support',
  'devicehealth',
  'orchestrator',
  'telemetry',
  'volumes',
  'nfs',
];
const systemModules = '/usr/share/ceph/mgr';
const restfulUser = 'capstan';

const sh = (command: string, args: readonly string[], timeoutMs = 60_000): Promise<string> =>
  new Promise((resolve, reject) => {
    execFile(command, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`\`${command} ${args.join(' ')}\` failed: ${(stderr || error.message).trim()}`));
      } else resolve(stdout);
    });
  });

const PgSummarySchema = z.looseObject({
  num_pgs: z.number(),
  num_pg_by_state: z.array(z.looseObject({ name: z.string(), num: z.number() })).default([]),
});
// Pacific nests the counts under `pg_summary`.
const PgStatSchema = z.looseObject({ pg_summary: PgSummarySchema });

/** True when there are PGs and every one is active+clean (HEALTH_OK comes earlier, with PGs still unknown). */
export const allPgsActiveClean = (pgStatJson: string): boolean => {
  const stat = PgStatSchema.parse(JSON.parse(pgStatJson)).pg_summary;
  const clean = stat.num_pg_by_state.find((s) => s.name === 'active+clean')?.num ?? 0;
  return stat.num_pgs > 0 && clean === stat.num_pgs;
};

/** For readiness checks: the command ran without error (its output does not matter). */
const succeeds = async (run: () => Promise<unknown>): Promise<boolean> => {
  await run();
  return true;
};

const tcpAnswers = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, timeout: 1_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });

/**
 * Starts the cluster in `dir` and waits until pool `rbd` is initialised and all PGs are active+clean, and
 * the restful API listens with a key for user `capstan`. Throws (after stopping what it started) with the
 * log file of the daemon that did not come up.
 */
export const startCeph = async (o: CephOptions): Promise<LocalCeph> => {
  const started = Date.now();
  await ensureCephPackages(o.log);
  const dir = o.dir;
  await mkdir(dir, { recursive: true });
  // A run killed with SIGKILL leaves its daemons behind, holding the folder's data and ports.
  await stopStaleProcesses(dir, o.log, 5_000);
  await rm(dir, { recursive: true, force: true });
  for (const sub of ['run', 'crash', 'mon-a', 'mgr-x', 'osd-0', 'mgr-modules']) {
    await mkdir(join(dir, sub), { recursive: true });
  }
  const confPath = join(dir, 'ceph.conf');
  const keyringPath = join(dir, 'admin.keyring');
  const monKeyring = join(dir, 'mon.keyring');
  const mgrModulePath = join(dir, 'mgr-modules');
  const fsid = randomUUID();
  const [monPort, restfulPort] = (await freePorts(2)) as [number, number];
  await writeFile(confPath, cephConf({ fsid, dir, monPort, adminKeyring: keyringPath, mgrModulePath }));
  // Just the modules needed (mgr_module.py and mgr_util.py are their shared code).
  for (const entry of ['mgr_module.py', 'mgr_util.py', ...mgrModules]) {
    await symlink(join(systemModules, entry), join(mgrModulePath, entry));
  }
  const ceph = (...args: string[]) => sh('ceph', ['-c', confPath, '--connect-timeout', '10', ...args]);

  const daemons: ManagedProcess[] = [];
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    // The OSD and mgr first: a mon stopped first leaves them retrying it until their own SIGTERM.
    await Promise.all(daemons.filter((d) => d.name !== 'ceph-mon.a').map((d) => d.stop(5_000)));
    await Promise.all(daemons.map((d) => d.stop(5_000)));
    if (process.env.CAPSTAN_KEEP_DIRS) o.log(`ceph: logs kept in ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  };
  const daemon = (kind: 'mon' | 'mgr' | 'osd', id: string) => {
    const name = `ceph-${kind}.${id}`;
    const proc = spawnLogged({
      name,
      command: `/usr/bin/ceph-${kind}`,
      args: ['-f', '-c', confPath, '-i', id],
      logFile: join(dir, `${kind}.${id}.log`),
      pidFile: join(dir, `${kind}.${id}.pid`),
    });
    daemons.push(proc);
    return proc;
  };

  try {
    // Keys: the mon's own, and client.admin's (imported into the mon's, so the first mon knows it).
    await sh('ceph-authtool', ['--create-keyring', monKeyring, '--gen-key', '-n', 'mon.', '--cap', 'mon', 'allow *']);
    await sh('ceph-authtool', [
      '--create-keyring',
      keyringPath,
      '--gen-key',
      '-n',
      'client.admin',
      ...['--cap', 'mon', 'allow *', '--cap', 'osd', 'allow *', '--cap', 'mds', 'allow *', '--cap', 'mgr', 'allow *'],
    ]);
    await sh('ceph-authtool', [monKeyring, '--import-keyring', keyringPath]);
    const monmap = join(dir, 'monmap');
    await sh('monmaptool', ['--create', '--addv', 'a', monAddress(monPort), '--fsid', fsid, monmap]);
    await sh('ceph-mon', ['-c', confPath, '--mkfs', '-i', 'a', '--monmap', monmap, '--keyring', monKeyring]);

    const mon = daemon('mon', 'a');
    await waitUntilReady(mon, () => succeeds(() => ceph('mon', 'stat')), { what: 'mon stat', timeoutMs: 30_000 });
    o.log(`ceph: mon on 127.0.0.1:${monPort} up after ${((Date.now() - started) / 1000).toFixed(1)}s`);

    // The restful module's address and port, and the module itself, before the mgr starts: it reads
    // them when it loads. --force: no mgr is there yet to say it knows the options.
    await ceph('config', 'set', 'mgr', 'mgr/restful/server_addr', '127.0.0.1', '--force');
    await ceph('config', 'set', 'mgr', 'mgr/restful/server_port', String(restfulPort), '--force');
    await ceph('mgr', 'module', 'enable', 'restful', '--force');
    await ceph(
      'auth',
      ...['get-or-create', 'mgr.x', 'mon', 'allow profile mgr', 'osd', 'allow *', 'mds', 'allow *'],
      ...['-o', join(dir, 'mgr-x', 'keyring')],
    );
    const mgr = daemon('mgr', 'x');

    // The OSD: a cephx secret, its id from the mon, its keyring and a memstore mkfs.
    const osdUuid = randomUUID();
    const osdSecret = (await sh('ceph-authtool', ['--gen-print-key'])).trim();
    const secretFile = join(dir, 'osd-secret.json');
    await writeFile(secretFile, JSON.stringify({ cephx_secret: osdSecret }));
    const osdId = (await ceph('osd', 'new', osdUuid, '-i', secretFile)).trim();
    if (osdId !== '0') throw new Error(`ceph: expected the first OSD to get id 0, got ${JSON.stringify(osdId)}`);
    await rm(secretFile);
    await sh('ceph-authtool', [
      ...['--create-keyring', join(dir, 'osd-0', 'keyring'), '--name', 'osd.0', '--add-key', osdSecret],
    ]);
    await sh('ceph-osd', ['-c', confPath, '-i', '0', '--mkfs', '--osd-uuid', osdUuid]);
    const osd = daemon('osd', '0');

    await ceph('osd', 'pool', 'create', 'rbd', '8', '8');
    const timeoutMs = o.readyTimeoutMs ?? 90_000;
    // `rbd pool init` writes an object, so it waits for the OSD; bounded by the rbd client's own timeout.
    await waitUntilReady(
      osd,
      () => succeeds(() => sh('rbd', ['-c', confPath, '--rados-osd-op-timeout', '10', 'pool', 'init', 'rbd'])),
      { what: 'rbd pool init rbd', timeoutMs },
    );
    await waitUntilReady(osd, async () => allPgsActiveClean(await ceph('pg', 'stat', '-f', 'json')), {
      what: 'all PGs active+clean',
      timeoutMs,
    });
    o.log(`ceph: OSD up, pool rbd ready after ${((Date.now() - started) / 1000).toFixed(1)}s`);

    // restful: a self-signed certificate (the module restarts its server with it) and a key for capstan.
    await waitUntilReady(mgr, () => succeeds(() => ceph('restful', 'create-self-signed-cert')), {
      what: 'the restful module (ceph restful create-self-signed-cert)',
      timeoutMs: 60_000,
    });
    const key = (await ceph('restful', 'create-key', restfulUser)).trim();
    const caCert = (await ceph('config-key', 'get', 'mgr/restful/x/crt')).trim();
    await waitUntilReady(mgr, () => tcpAnswers(restfulPort), {
      what: `the restful API on 127.0.0.1:${restfulPort}`,
      timeoutMs: 30_000,
    });
    o.log(`ceph: ready in ${((Date.now() - started) / 1000).toFixed(1)}s (logs in ${dir})`);
    return {
      confPath,
      keyringPath,
      pool: 'rbd',
      daemons: daemons.map((d) => ({ name: d.name, pid: d.pid })),
      restful: { url: `https://127.0.0.1:${restfulPort}`, user: restfulUser, key, caCert },
      stop,
    };
  } catch (error) {
    const logs = daemons.map((d) => d.logFile).join(', ');
    const tails = await Promise.all(daemons.map(async (d) => `--- ${d.logFile}\n${await tailOf(d.logFile, 10)}`));
    await stop();
    const why = error instanceof Error ? error.message : String(error);
    // The folder is gone unless CAPSTAN_KEEP_DIRS, so the tails go into the message.
    throw new Error(`ceph did not start (daemon logs: ${logs || 'none yet'}): ${why}\n${tails.join('\n')}`);
  }
};
