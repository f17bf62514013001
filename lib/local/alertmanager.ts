import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureComponents, versions } from './components.ts';
import { freePort } from './ports.ts';
import { type ManagedProcess, startAndWait } from './process.ts';

/** How fast Alertmanager groups and repeats (its routing tree's timers); short by default, for tests. */
export interface AlertmanagerTimings {
  /** Wait before a new group's first notification (upstream default 30s). */
  readonly groupWait: string;
  /** Wait before notifying a changed group again, resolved alerts included (upstream 5m). */
  readonly groupInterval: string;
  /** Resend of an unchanged firing group (upstream 4h). */
  readonly repeatInterval: string;
}

export const FAST_ALERTMANAGER: AlertmanagerTimings = { groupWait: '1s', groupInterval: '2s', repeatInterval: '1h' };

export interface AlertmanagerOptions {
  /** Working folder (config, token file, storage, log); removed by stop() unless CAPSTAN_KEEP_DIRS is set. */
  readonly dir: string;
  readonly log: (line: string) => void;
  /** The webhook receiver: where notifications go, and the bearer token sent with them. */
  readonly webhook: { readonly url: string; readonly token: string };
  readonly timings?: AlertmanagerTimings;
  /** Labels alerts are grouped by (default alertname, namespace, horizontalpodautoscaler). */
  readonly groupBy?: readonly string[];
}

export interface PostedAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  /** Default now. */
  readonly startsAt?: Date;
  /** In the past: the alert is resolved. Absent: firing until Alertmanager's resolve_timeout (5 min). */
  readonly endsAt?: Date;
}

export interface LocalAlertmanager {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** Its process id (to check what it listens on). */
  readonly pid: number;
  /** POST /api/v2/alerts, as Prometheus sends them. */
  post(alerts: readonly PostedAlert[]): Promise<void>;
  /** Posts the alerts again with endsAt a second ago: Alertmanager notifies them resolved at the next group_interval. */
  resolve(alerts: readonly PostedAlert[]): Promise<void>;
  stop(): Promise<void>;
}

// The YAML is written as JSON (a subset of YAML). The token is in a file of its own
// (http_config.authorization.credentials_file), not in the config, as an operator would keep a secret.
// send_resolved is the webhook default, spelled out: capstan puts the override back on resolved.
const config = (o: AlertmanagerOptions, tokenFile: string) => {
  const t = o.timings ?? FAST_ALERTMANAGER;
  return {
    route: {
      receiver: 'capstan',
      group_by: [...(o.groupBy ?? ['alertname', 'namespace', 'horizontalpodautoscaler'])],
      group_wait: t.groupWait,
      group_interval: t.groupInterval,
      repeat_interval: t.repeatInterval,
    },
    receivers: [
      {
        name: 'capstan',
        webhook_configs: [
          {
            url: o.webhook.url,
            send_resolved: true,
            http_config: { authorization: { type: 'Bearer', credentials_file: tokenFile } },
          },
        ],
      },
    ],
  };
};

const wire = (a: PostedAlert) => ({
  labels: a.labels,
  annotations: a.annotations ?? {},
  startsAt: (a.startsAt ?? new Date()).toISOString(),
  ...(a.endsAt ? { endsAt: a.endsAt.toISOString() } : {}),
});

/**
 * A real Prometheus Alertmanager (v0.31.1 from the cache, built by `capstan install`) on a free loopback
 * port, alone (no gossip: --cluster.listen-address empty), storage in `dir`, one route to one webhook
 * receiver. Ready once /-/ready answers.
 */
export const startAlertmanager = async (o: AlertmanagerOptions): Promise<LocalAlertmanager> => {
  const bin = await ensureComponents({ log: o.log });
  await mkdir(join(o.dir, 'data'), { recursive: true });
  const tokenFile = join(o.dir, 'webhook.token');
  await writeFile(tokenFile, o.webhook.token, { mode: 0o600 });
  const configFile = join(o.dir, 'alertmanager.yml');
  await writeFile(configFile, `${JSON.stringify(config(o, tokenFile), null, 2)}\n`);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const started = Date.now();
  const proc: ManagedProcess = await startAndWait(
    {
      name: 'alertmanager',
      command: bin.alertmanager,
      args: [
        `--config.file=${configFile}`,
        `--storage.path=${join(o.dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=',
        '--log.level=info',
      ],
      logFile: join(o.dir, 'alertmanager.log'),
      pidFile: join(o.dir, 'alertmanager.pid'),
    },
    async () => (await fetch(`${url}/-/ready`).catch(() => undefined))?.status === 200,
    { what: '/-/ready', timeoutMs: 60_000 },
  );
  o.log(`alertmanager v${versions.alertmanager} ready at ${url} (${Date.now() - started} ms)`);

  const post = async (alerts: readonly PostedAlert[]) => {
    const res = await fetch(`${url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(alerts.map(wire)),
    });
    if (res.status !== 200) throw new Error(`alertmanager: POST /api/v2/alerts HTTP ${res.status} ${await res.text()}`);
  };
  return {
    url,
    pid: proc.pid,
    post,
    resolve: (alerts) => post(alerts.map((a) => ({ ...a, endsAt: new Date(Date.now() - 1_000) }))),
    stop: async () => {
      await proc.stop();
      if (process.env.CAPSTAN_KEEP_DIRS) o.log(`alertmanager: files and logs kept in ${o.dir}`);
      // Retried: its last silences/notification-log snapshot may land while the folder is being removed.
      else await rm(o.dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    },
  };
};
