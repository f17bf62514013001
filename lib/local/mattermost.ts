import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { ensureAptPackages } from './apt.ts';
import { ensureComponents, versions } from './components.ts';
import { freePorts } from './ports.ts';
import { type ManagedProcess, startAndWait } from './process.ts';

const run = promisify(execFile);

/** Debian's PostgreSQL (15 on bookworm): the folder of its initdb and postgres, if installed. */
const postgresBin = (): string | undefined => {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const newest = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a))[0];
  return newest ? join(root, newest, 'bin') : undefined;
};

/** Installs Debian's PostgreSQL server if no initdb is there (we are root); a no-op when it is. */
export const ensurePostgresPackages = async (log: (line: string) => void): Promise<string> => {
  if (!postgresBin()) {
    await ensureAptPackages(
      {
        what: 'postgresql',
        packages: ['postgresql'],
        files: ['/usr/lib/postgresql/15/bin/initdb'],
        cost: "Debian's PostgreSQL; about 15 s, 60 MB",
      },
      log,
    );
  }
  const bin = postgresBin();
  if (!bin) throw new Error('postgresql: installed, but no /usr/lib/postgresql/<version>/bin/initdb was found');
  return bin;
};

export interface MattermostOptions {
  /** Working folder (database, config, files, logs): removed by stop() unless CAPSTAN_KEEP_DIRS is set. */
  readonly dir: string;
  readonly log: (line: string) => void;
}

/** A person or the bot, with a token for the API (`Authorization: Bearer`). */
export interface MattermostUser {
  readonly id: string;
  readonly username: string;
  readonly token: string;
}

export interface LocalMattermost {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly team: { readonly id: string; readonly name: string };
  /** An open channel the bot and the admin are members of. */
  readonly channel: { readonly id: string; readonly name: string };
  /** alice: system admin, member of the team and channel. */
  readonly admin: MattermostUser;
  /** The bot account `capstan` and a personal access token of it (what the chat secret holds). */
  readonly bot: MattermostUser;
  /** Calls the API as `as` (a token); throws on a status other than 2xx, with Mattermost's message. */
  api<T = Record<string, unknown>>(as: string, method: string, path: string, body?: unknown): Promise<T>;
  stop(): Promise<void>;
}

const PASSWORD = 'Capstan-local-1!';

/**
 * A real Mattermost server (v6.7.2 Team Edition code, built from the Go module proxy by `capstan install`)
 * on a free loopback port, with a private PostgreSQL cluster of its own (Debian's, on another loopback
 * port, trust auth). No webapp, no plugins, no email. Outgoing integration requests may reach 127.0.0.1
 * (AllowedUntrustedInternalConnections), so its buttons can call a capstan on loopback. Bootstrapped
 * through the API: a first user (system admin), a team, a channel, and a bot with a personal access token.
 */
export const startMattermost = async (o: MattermostOptions): Promise<LocalMattermost> => {
  const [bin, pg] = await Promise.all([ensureComponents({ log: o.log }), ensurePostgresPackages(o.log)]);
  await rm(o.dir, { recursive: true, force: true });
  const dirs = {
    pg: join(o.dir, 'pg'),
    files: join(o.dir, 'files'),
    logs: join(o.dir, 'logs'),
    plugins: join(o.dir, 'plugins'),
  };
  for (const d of Object.values(dirs)) await mkdir(d, { recursive: true });
  // PostgreSQL refuses to run as root: as Debian's `postgres` user when we are root.
  const user = process.getuid?.() === 0 ? await postgresUser() : undefined;
  if (user) await chown(dirs.pg, user.uid, user.gid);
  const data = join(dirs.pg, 'data');
  const started = Date.now();
  await run(join(pg, 'initdb'), ['-D', data, '-U', 'mattermost', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8'], {
    ...(user ? { uid: user.uid, gid: user.gid } : {}),
  });
  const [pgPort, port] = await freePorts(2);
  const postgres: ManagedProcess = await startAndWait(
    {
      name: 'mattermost/postgres',
      command: join(pg, 'postgres'),
      args: ['-D', data, '-c', 'listen_addresses=127.0.0.1', '-p', String(pgPort), '-k', dirs.pg, '-c', 'fsync=off'],
      logFile: join(o.dir, 'postgres.log'),
      pidFile: join(o.dir, 'postgres.pid'),
      ...(user ? { user } : {}),
    },
    async () => {
      await run(join(pg, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(pgPort)]);
      return true;
    },
    { what: 'pg_isready', timeoutMs: 30_000 },
  );
  await run(join(pg, 'createdb'), ['-h', '127.0.0.1', '-p', String(pgPort), '-U', 'mattermost', 'mattermost']);

  const url = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    MM_CONFIG: join(o.dir, 'config.json'),
    MM_SQLSETTINGS_DRIVERNAME: 'postgres',
    MM_SQLSETTINGS_DATASOURCE: `postgres://mattermost@127.0.0.1:${pgPort}/mattermost?sslmode=disable&connect_timeout=10`,
    MM_SERVICESETTINGS_LISTENADDRESS: `127.0.0.1:${port}`,
    MM_SERVICESETTINGS_SITEURL: url,
    MM_SERVICESETTINGS_ALLOWEDUNTRUSTEDINTERNALCONNECTIONS: '127.0.0.1 localhost',
    MM_SERVICESETTINGS_ENABLEBOTACCOUNTCREATION: 'true',
    MM_SERVICESETTINGS_ENABLEUSERACCESSTOKENS: 'true',
    MM_SERVICESETTINGS_ENABLESECURITYFIXALERT: 'false',
    MM_TEAMSETTINGS_ENABLEOPENSERVER: 'true',
    MM_EMAILSETTINGS_SENDEMAILNOTIFICATIONS: 'false',
    MM_FILESETTINGS_DIRECTORY: dirs.files,
    MM_LOGSETTINGS_FILELOCATION: dirs.logs,
    MM_LOGSETTINGS_ENABLEDIAGNOSTICS: 'false',
    MM_PLUGINSETTINGS_ENABLE: 'false',
    MM_PLUGINSETTINGS_DIRECTORY: dirs.plugins,
    MM_PLUGINSETTINGS_CLIENTDIRECTORY: join(dirs.plugins, 'client'),
    MM_METRICSSETTINGS_ENABLE: 'false',
  };
  let server: ManagedProcess;
  try {
    server = await startAndWait(
      {
        name: 'mattermost',
        command: bin.mattermost,
        args: ['server'],
        // i18n/, templates/ and fonts/ are found beside bin/.
        cwd: dirname(dirname(bin.mattermost)),
        env,
        logFile: join(o.dir, 'mattermost.log'),
        pidFile: join(o.dir, 'mattermost.pid'),
      },
      async () => (await fetch(`${url}/api/v4/system/ping`).catch(() => undefined))?.status === 200,
      { what: '/api/v4/system/ping', timeoutMs: 90_000 },
    );
  } catch (error) {
    await postgres.stop();
    throw error;
  }
  o.log(`mattermost v${versions.mattermost} ready at ${url} (${Date.now() - started} ms with its database)`);

  const api = async <T>(as: string, method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${url}/api/v4${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(as ? { authorization: `Bearer ${as}` } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`mattermost: ${method} ${path} HTTP ${res.status} ${text.slice(0, 300)}`);
    return (text ? JSON.parse(text) : {}) as T;
  };
  const stop = async () => {
    await server.stop();
    await postgres.stop();
    if (process.env.CAPSTAN_KEEP_DIRS) o.log(`mattermost: files and logs kept in ${o.dir}`);
    else await rm(o.dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  };
  try {
    // The first user of a server is made system admin (no token needed to sign up while the server is open).
    const alice = await api<{ id: string }>('', 'POST', '/users', {
      email: 'alice@example.com',
      username: 'alice',
      password: PASSWORD,
    });
    const login = await fetch(`${url}/api/v4/users/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login_id: 'alice', password: PASSWORD }),
    });
    const adminToken = login.headers.get('token');
    if (!login.ok || !adminToken) throw new Error(`mattermost: logging in as alice gave HTTP ${login.status}`);
    const team = await api<{ id: string; name: string }>(adminToken, 'POST', '/teams', {
      name: 'acme',
      display_name: 'Acme',
      type: 'O',
    });
    const channel = await api<{ id: string; name: string }>(adminToken, 'POST', '/channels', {
      team_id: team.id,
      name: 'deploys',
      display_name: 'Deploys',
      type: 'O',
    });
    const bot = await api<{ user_id: string; username: string }>(adminToken, 'POST', '/bots', {
      username: 'capstan',
      display_name: 'capstan',
    });
    const botToken = await api<{ token: string }>(adminToken, 'POST', `/users/${bot.user_id}/tokens`, {
      description: 'capstan notifier',
    });
    await api(adminToken, 'POST', `/teams/${team.id}/members`, { team_id: team.id, user_id: bot.user_id });
    await api(adminToken, 'POST', `/channels/${channel.id}/members`, { user_id: bot.user_id });
    return {
      url,
      team: { id: team.id, name: team.name },
      channel: { id: channel.id, name: channel.name },
      admin: { id: alice.id, username: 'alice', token: adminToken },
      bot: { id: bot.user_id, username: bot.username, token: botToken.token },
      api,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
};

const postgresUser = async (): Promise<{ uid: number; gid: number }> => {
  const [{ stdout: uid }, { stdout: gid }] = await Promise.all([
    run('id', ['-u', 'postgres']),
    run('id', ['-g', 'postgres']),
  ]);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
};
