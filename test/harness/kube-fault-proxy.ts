import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, request, type Server } from 'node:https';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Which requests a fault applies to: all when a field is absent. */
export interface RequestMatch {
  readonly method?: string;
  readonly path?: RegExp;
}

export type Fault =
  | { readonly kind: 'status'; readonly status: number; readonly retryAfterSeconds?: number }
  /** The connection is destroyed before any response byte: the client sees ECONNRESET / socket hang up. */
  | { readonly kind: 'reset' };

/** What the proxy saw of one request answered by the real apiserver, handed to response hooks. */
export interface UpstreamExchange {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly body: string;
}

export interface FaultCounts {
  forwarded: number;
  /** Injected answers by status code, and `reset` for dropped connections. */
  injected: Record<string, number>;
  /** Periods the proxy refused every connection, and for how long in all. */
  downs: number;
  downMs: number;
}

interface Armed {
  readonly match: RequestMatch;
  readonly fault: Fault;
  remaining: number;
}

interface Hook {
  readonly match: RequestMatch & { readonly status?: (status: number) => boolean };
  readonly run: (exchange: UpstreamExchange) => Promise<void> | void;
  remaining: number;
}

const matches = (m: RequestMatch, method: string, path: string) =>
  (!m.method || m.method === method) && (!m.path || m.path.test(path));

/** The apiserver's own error body, so clients translate an injected answer exactly as a real one. */
const statusBody = (status: number) =>
  JSON.stringify({
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    message: `injected by the fault proxy: ${status}`,
    reason: status === 429 ? 'TooManyRequests' : status === 409 ? 'Conflict' : 'InternalError',
    code: status,
  });

/**
 * A self-signed serving certificate for 127.0.0.1 from the `openssl` CLI (kube clients check the IP SAN).
 * One per proxy; the kubeconfig of the proxied cluster trusts exactly it.
 */
const selfSignedCertificate = (): { key: string; cert: string } => {
  const dir = mkdtempSync(join(tmpdir(), 'capstan-fault-proxy-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=capstan-fault-proxy',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

export interface KubeFaultProxyOptions {
  /** https://127.0.0.1:<port> of the real kube-apiserver. */
  readonly upstream: string;
  /** PEM the proxy trusts for the upstream's serving certificate. */
  readonly upstreamCaPem: string;
}

/**
 * A TLS-terminating proxy in front of one real kube-apiserver that forwards every request unchanged
 * (the client's bearer token included) and injects faults on demand: answers such as 429 with
 * Retry-After, 409 or 500 for the next N matching requests, dropped connections, refused connections
 * for a while (the apiserver "down"), and hooks that run after the real apiserver answered but before
 * the client gets the answer: the point "the cluster applied it, the caller has not heard yet" where a
 * test can kill the caller, with no failpoint in the code under test.
 */
export class KubeFaultProxy {
  readonly counts: FaultCounts = { forwarded: 0, injected: {}, downs: 0, downMs: 0 };
  private readonly armed: Armed[] = [];
  private readonly hooks: Hook[] = [];
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  private upTimer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly o: KubeFaultProxyOptions,
    private readonly tls: { key: string; cert: string },
    private port: number,
  ) {}

  static async start(o: KubeFaultProxyOptions): Promise<KubeFaultProxy> {
    const proxy = new KubeFaultProxy(o, selfSignedCertificate(), 0);
    await proxy.listen();
    return proxy;
  }

  /** https://127.0.0.1:<port>, the same across down()/up(). */
  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  /** The proxy's serving certificate: the CA a kubeconfig for the proxied cluster must trust. */
  get certificatePem(): string {
    return this.tls.cert;
  }

  /** Answers the next `count` matching requests with `fault` instead of forwarding them. */
  inject(match: RequestMatch, fault: Fault, count: number): void {
    this.armed.push({ match, fault, remaining: count });
  }

  /** Injections still armed (not yet used up). */
  pendingInjections(): number {
    return this.armed.reduce((n, a) => n + a.remaining, 0);
  }

  /**
   * Runs `run` for the next `count` matching upstream answers, before the client gets them; the answer
   * is passed on once `run` resolves (if the client is still there).
   */
  onUpstreamResponse(match: Hook['match'], run: Hook['run'], count = 1): void {
    this.hooks.push({ match, run, remaining: count });
  }

  /**
   * Refuses every connection (and cuts the open ones) for `ms`, then accepts again on the same port.
   * Resolves once down; `back` resolves once it listens again.
   */
  async down(ms: number): Promise<{ back: Promise<void> }> {
    this.counts.downs++;
    this.counts.downMs += ms;
    await this.close();
    const back = new Promise<void>((resolve, reject) => {
      this.upTimer = setTimeout(() => this.listen().then(resolve, reject), ms);
    });
    return { back };
  }

  async stop(): Promise<void> {
    clearTimeout(this.upTimer);
    await this.close();
  }

  private async listen(): Promise<void> {
    const server = createServer({ key: this.tls.key, cert: this.tls.cert }, (req, res) => void this.handle(req, res));
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  private async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private take<T extends { match: RequestMatch; remaining: number }>(list: T[], method: string, path: string) {
    const found = list.find((a) => a.remaining > 0 && matches(a.match, method, path));
    if (found) found.remaining--;
    return found;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const armed = this.take(this.armed, method, path);
    if (armed) {
      const key = armed.fault.kind === 'reset' ? 'reset' : String(armed.fault.status);
      this.counts.injected[key] = (this.counts.injected[key] ?? 0) + 1;
      if (armed.fault.kind === 'reset') {
        req.socket.destroy();
        return;
      }
      res.writeHead(armed.fault.status, {
        'content-type': 'application/json',
        ...(armed.fault.retryAfterSeconds !== undefined
          ? { 'retry-after': String(armed.fault.retryAfterSeconds) }
          : {}),
      });
      res.end(statusBody(armed.fault.status));
      return;
    }
    const body = await readAll(req);
    const upstream = new URL(this.o.upstream);
    const answer = await new Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }>(
      (resolve, reject) => {
        const out = request(
          {
            host: upstream.hostname,
            port: upstream.port,
            method,
            path,
            headers: { ...req.headers, host: upstream.host },
            ca: this.o.upstreamCaPem,
          },
          (response) => {
            readAll(response).then(
              (b) => resolve({ status: response.statusCode ?? 502, headers: response.headers, body: b }),
              reject,
            );
          },
        );
        out.once('error', reject);
        out.end(body);
      },
    ).catch(() => undefined);
    if (!answer) {
      req.socket.destroy();
      return;
    }
    this.counts.forwarded++;
    const hook = this.hooks.find(
      (h) => h.remaining > 0 && matches(h.match, method, path) && (!h.match.status || h.match.status(answer.status)),
    );
    if (hook) {
      hook.remaining--;
      await hook.run({ method, path, status: answer.status, body: answer.body.toString('utf8') });
    }
    if (res.destroyed || req.socket.destroyed) return;
    const headers = { ...answer.headers };
    delete headers['transfer-encoding'];
    delete headers.connection;
    res.writeHead(answer.status, { ...headers, 'content-length': String(answer.body.length) });
    res.end(answer.body);
  }
}

const readAll = async (stream: NodeJS.ReadableStream): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
};
