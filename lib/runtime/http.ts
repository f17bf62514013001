import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { messageOf } from '../errors.ts';
import type { RouteSpec } from '../topology.ts';

export type HttpHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

export interface HttpRoute extends RouteSpec {
  readonly handler: HttpHandler;
  readonly context: () => Context;
}

/** Refuse bodies beyond this before reading them whole (API Gateway's own limit is 10 MB). */
const MAX_BODY = 1024 * 1024;

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
      const result = await route.handler(toEvent(req, url, body, route, match?.params ?? {}), route.context());
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

const readBody = async (req: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error(`request body exceeds ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
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
  body: string,
  route: RouteSpec,
  pathParameters: Record<string, string>,
): APIGatewayProxyEventV2 => {
  const headers = Object.fromEntries(
    Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(',') : (v ?? '')]),
  );
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
    ...(Object.keys(pathParameters).length ? { pathParameters } : {}),
    body,
    isBase64Encoded: false,
  };
};
