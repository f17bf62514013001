import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureComponents } from './components.ts';
import { freePort } from './ports.ts';
import { type ManagedProcess, startAndWait } from './process.ts';

export interface RegistryOptions {
  /** Working folder (config, storage, log); removed by stop() unless CAPSTAN_KEEP_DIRS is set. */
  readonly dir: string;
  readonly log: (line: string) => void;
  /** Where the registry sends its push notifications, and the bearer token it sends with them. */
  readonly notify?: { readonly url: string; readonly token: string };
  /** A loopback port chosen beforehand (when another component must know the URL first); else any free one. */
  readonly port?: number;
}

export interface LocalRegistry {
  /** e.g. http://127.0.0.1:41236 */
  readonly url: string;
  /** The registry part of image references, e.g. `127.0.0.1:41236`. */
  readonly host: string;
  stop(): Promise<void>;
}

// The registry's own YAML (docs: distribution.github.io/distribution/about/configuration). Notifications
// go out as a real registry sends them: Distribution's envelope and media type, retried with backoff
// until a 2xx, and with no auth of their own but the static header an operator configures.
const config = (dir: string, port: number, notify: RegistryOptions['notify']) => `version: 0.1
log:
  level: warn
  formatter: text
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${JSON.stringify(join(dir, 'data'))}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:${port}
${
  notify
    ? `notifications:
  endpoints:
    - name: capstan
      url: ${JSON.stringify(notify.url)}
      headers:
        Authorization: [${JSON.stringify(`Bearer ${notify.token}`)}]
      timeout: 5s
      threshold: 5
      backoff: 1s
`
    : ''
}`;

/** Starts a CNCF Distribution registry on a free loopback port and waits until its API answers. */
export const startRegistry = async (o: RegistryOptions): Promise<LocalRegistry> => {
  const { registry } = await ensureComponents({ log: o.log });
  await mkdir(o.dir, { recursive: true });
  const port = o.port ?? (await freePort());
  const file = join(o.dir, 'config.yml');
  await writeFile(file, config(o.dir, port, o.notify));
  const url = `http://127.0.0.1:${port}`;
  const proc: ManagedProcess = await startAndWait(
    { name: 'registry', command: registry, args: ['serve', file], logFile: join(o.dir, 'registry.log'), cwd: o.dir },
    async () => (await fetch(`${url}/v2/`)).ok,
    { what: 'GET /v2/', timeoutMs: 30_000 },
  );
  o.log(`Distribution registry ${url} ready${o.notify ? `, notifying ${new URL(o.notify.url).pathname}` : ''}`);
  return {
    url,
    host: `127.0.0.1:${port}`,
    stop: async () => {
      await proc.stop();
      if (!process.env.CAPSTAN_KEEP_DIRS) await rm(o.dir, { recursive: true, force: true });
    },
  };
};
