import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { messageOf } from '../errors.ts';
import type { RouteSpec } from '../topology.ts';

/** One invocation of the routed function (which builds its own Lambda context). */
export type HttpHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

export interface HttpRoute extends RouteSpec {
  readonly handler: HttpHandler;
}

/**
 * The most a function can be handed on AWS: API Gateway takes 10 MB, but Lambda only 6 MB per invocation.
 * Beyond it this server answers 413 itself, as the function never runs; below it the function applies
 * capstan's own, smaller limits (lib/ingest/body.ts), exactly as on AWS.
 */
const MAX_BODY = 6 * 1024 * 1024;
/** A refused upload is read and dropped up to this much, so the client gets to read its 413; then it is cut. */
const MAX_DRAIN = 64 * 1024 * 1024;

/**
 * Serves the topology's HTTP routes with API Gateway HTTP API (payload 2.0) events, so the same handler
 * runs behind API Gateway on AWS and behind this server locally.
 */
export const serveRoutes = async (routes: readonly HttpRoute[], port: number, host = '127.0.0.1') => {
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://local');
    const match = routes
      .map((r) => ({ route: r, params: r.method === req.method ? matchPath(r.path, url.pathname) : undefined }))
      .find((m) => m.params !== undefined);
    const route = match?.route;
    const reply = (status: number, body: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(body);
    };
    if (!route)
      return reply(404, JSON.stringify({ error: 'not-found', reason: `no route ${req.method} ${url.pathname}` }));
    try {
      const body = await readBody(req);
      if (body === undefined) {
        drain(req);
        return reply(413, JSON.stringify({ error: 'too-large', reason: `body exceeds ${MAX_BODY} bytes` }));
      }
      const result = await route.handler(toEvent(req, url, body, route, match?.params ?? {}));
      // As API Gateway does: the answer's `cookies` become Set-Cookie headers, one each.
      if (result.cookies?.length) res.setHeader('set-cookie', result.cookies);
      reply(result.statusCode ?? 200, result.body ?? '', (result.headers ?? {}) as Record<string, string>);
    } catch (error) {
      reply(500, JSON.stringify({ error: 'internal', reason: messageOf(error) }));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

/** The whole body, or undefined as soon as it is known to exceed MAX_BODY (by its Content-Length, or while read). */
const readBody = (req: IncomingMessage): Promise<Buffer | undefined> =>
  new Promise((resolve, reject) => {
    if (Number(req.headers['content-length']) > MAX_BODY) return resolve(undefined);
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) return void chunks.push(chunk);
      req.off('data', onData);
      chunks.length = 0;
      resolve(undefined);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });

/** Reads and drops the rest of a refused upload; a client that keeps sending past MAX_DRAIN is cut off. */
const drain = (req: IncomingMessage) => {
  let drained = 0;
  req.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > MAX_DRAIN) req.socket.destroy();
  });
  req.resume();
};

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** As API Gateway does for what is not text: bytes that are not UTF-8 are handed over base64-encoded. */
const bodyOf = (bytes: Buffer): { body: string; isBase64Encoded: boolean } => {
  try {
    return { body: utf8.decode(bytes), isBase64Encoded: false };
  } catch {
    return { body: bytes.toString('base64'), isBase64Encoded: true };
  }
};

/** API Gateway path templates: `/hooks/dockerhub/{secret}` matches one segment as `secret`. */
export const matchPath = (template: string, path: string): Record<string, string> | undefined => {
  const want = template.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of want.entries()) {
    const value = got[i] ?? '';
    const name = /^\{(\w+)\}$/.exec(part)?.[1];
    if (name && value !== '') params[name] = value;
    else if (part !== value) return undefined;
  }
  try {
    return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, decodeURIComponent(v)]));
  } catch {
    return undefined; // a malformed %-escape is no match, hence a 404
  }
};

const toEvent = (
  req: IncomingMessage,
  url: URL,
  bytes: Buffer,
  route: RouteSpec,
  pathParameters: Record<string, string>,
): APIGatewayProxyEventV2 => {
  // Payload 2.0 as API Gateway builds it: the Cookie header moves to `cookies` (one entry per cookie), and
  // repeated query parameters are joined with commas (a handler that must tell them apart reads rawQueryString).
  const { cookie, ...rest } = req.headers;
  const headers = Object.fromEntries(
    Object.entries(rest).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(',') : (v ?? '')]),
  );
  const cookies = (cookie ?? '')
    .split(';')
    .map((c) => c.trim())
    .filter((c) => c !== '');
  const query = new Map<string, string[]>();
  for (const [k, v] of url.searchParams) query.set(k, [...(query.get(k) ?? []), v]);
  const queryStringParameters = Object.fromEntries([...query].map(([k, vs]) => [k, vs.join(',')]));
  const now = new Date();
  return {
    version: '2.0',
    routeKey: `${route.method} ${route.path}`,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: `${now.getTime()}`,
      routeKey: `${route.method} ${route.path}`,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(cookies.length ? { cookies } : {}),
    ...(query.size ? { queryStringParameters } : {}),
    ...(Object.keys(pathParameters).length ? { pathParameters } : {}),
    ...bodyOf(bytes),
  };
};
