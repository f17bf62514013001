import { Agent, request } from 'node:http';

export interface RawRequest {
  readonly method?: string;
  /** Path and query, already encoded as it goes on the wire. */
  readonly path: string;
  /** An array value sends the header once per element (duplicate headers). */
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  readonly body: Buffer;
}

export interface RawAnswer {
  readonly status: number;
  readonly body: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 8 });
// Large bodies go on a connection of their own: a server that answers before reading them all may reset it.
const LARGE = 64 * 1024;

/**
 * One request over node:http, byte for byte as given (node's fetch would join duplicate headers and normalize
 * the body). An answer that arrives while the body is still being written counts (a server may refuse an
 * oversized body early and close); only a connection that fails before any answer is an error, except a kept-alive
 * connection the server had already closed, which is tried again once on a new one (as node's docs advise).
 */
export const send = (base: string, r: RawRequest, retried = false): Promise<RawAnswer> =>
  new Promise((resolve, reject) => {
    const url = new URL(r.path, base);
    let answered = false;
    const req = request(
      {
        agent: r.body.length > LARGE ? false : agent,
        host: url.hostname,
        port: url.port,
        method: r.method ?? 'POST',
        path: r.path,
        headers: { ...r.headers, 'content-length': String(r.body.length) } as Record<string, string | string[]>,
      },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (answered) return;
      if (req.reusedSocket && error.code === 'ECONNRESET' && !retried) resolve(send(base, r, true));
      else reject(error);
    });
    req.end(r.body);
  });

export const closeClients = () => agent.destroy();
