import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sample from '../../events/samples/deploy.requested.json' with { type: 'json' };
import { alertmanagerHookToken, gitlabHookToken, hookSecret } from '../../lib/ingest/hook-secret.ts';
import { type HttpHandler, serveRoutes } from '../../lib/runtime/http.ts';
import { lambdaContext } from '../../lib/runtime/lambda-context.ts';
import { functions } from '../../lib/topology.ts';

// The real ingest function behind the real local HTTP server. Its queue URL points at a port nothing
// listens on: every refusal below must happen before anything is sent, and "queue down" is the one 5xx.
const TOKEN = 'an-ingest-token-for-the-edge-tests';
const MiB = 1024 * 1024;
/** The Lambda handler itself, loaded into this process: a unit test of the function, no servers. */
type LambdaHttpHandler = (event: APIGatewayProxyEventV2, context: Context) => ReturnType<HttpHandler>;
let handler: LambdaHttpHandler;
let server: Awaited<ReturnType<typeof serveRoutes>>;

beforeAll(async () => {
  process.env.CAPSTAN_TABLE = 'edge-test';
  process.env.CAPSTAN_QUEUE_URL_DEPLOY = 'http://127.0.0.1:1/000000000000/edge-deploy.fifo';
  process.env.CAPSTAN_QUEUE_URL_SCALE = 'http://127.0.0.1:1/000000000000/edge-scale';
  process.env.CAPSTAN_INGEST_TOKEN = TOKEN;
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'edgetest';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'edgetest';
  process.env.AWS_MAX_ATTEMPTS = '1';
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  ({ handler } = (await import('../../functions/ingest.ts')) as unknown as { handler: LambdaHttpHandler });
  const invoke: HttpHandler = (event) => handler(event, lambdaContext('capstan-ingest', 10));
  server = await serveRoutes(
    (functions.ingest.routes ?? []).map((r) => ({ ...r, handler: invoke })),
    0,
  );
});
afterAll(() => server?.stop());

/** Every route as a producer would call it, with its own credential, so only the body is wrong. */
const routes: readonly { readonly path: string; readonly headers: Record<string, string> }[] = [
  { path: '/events', headers: { authorization: `Bearer ${TOKEN}` } },
  { path: '/hooks/distribution', headers: { authorization: `Bearer ${hookSecret(TOKEN, 'distribution')}` } },
  { path: '/hooks/harbor', headers: { authorization: `Bearer ${hookSecret(TOKEN, 'harbor')}` } },
  { path: `/hooks/dockerhub/${hookSecret(TOKEN, 'dockerhub')}`, headers: {} },
  { path: '/hooks/ghcr', headers: { 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` } },
  { path: '/hooks/alertmanager', headers: { authorization: `Bearer ${alertmanagerHookToken(TOKEN)}` } },
  {
    path: '/hooks/gitlab/278964',
    headers: { 'x-gitlab-token': gitlabHookToken(TOKEN, '278964'), 'x-gitlab-event': 'Pipeline Hook' },
  },
];

/** A raw HTTP/1.1 POST (node:http, no client-side limits), answered or failed, never hanging. */
const post = (path: string, headers: Record<string, string>, body: Buffer | string) =>
  new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
    const req = request(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) }));
    });
    req.on('error', reject);
    req.end(body);
  });

const padded = (bytes: number) => JSON.stringify({ ...sample, pad: 'x'.repeat(bytes) });

describe('the HTTP edge refuses an oversized body on every route, before reading it', () => {
  it.each(routes)('$path: 5 MB answers 413 with the reason', async ({ path, headers }) => {
    const answer = await post(path, headers, padded(5 * MiB));
    expect(answer.status).toBe(413);
    expect(answer.body).toMatchObject({ error: 'too-large', reason: expect.stringContaining('bytes') });
  });

  it.each(routes)('$path: 12 MB (beyond what API Gateway and Lambda take) answers 413', async ({ path, headers }) => {
    const answer = await post(path, headers, padded(12 * MiB));
    expect(answer.status).toBe(413);
    expect(answer.body).toMatchObject({ error: 'too-large' });
  });

  it('a chunked upload without Content-Length is cut off while read: 413, no hang', async () => {
    const answer = await new Promise<number>((resolve, reject) => {
      const req = request(`${server.url}/hooks/distribution`, { method: 'POST', headers: routes[1]!.headers });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      const chunk = Buffer.alloc(MiB, 'x');
      for (let i = 0; i < 10; i++) req.write(chunk);
      req.end();
    });
    expect(answer).toBe(413);
  });

  it('a body just above the hook limit is refused even with a wrong credential: size comes first', async () => {
    const answer = await post('/hooks/harbor', { authorization: 'Bearer wrong-wrong-wrong-wrong' }, padded(1.5 * MiB));
    expect(answer.status).toBe(413);
  });

  it('a small, well-formed request still gets through to its check (here: the queue is down, so 503)', async () => {
    const answer = await post('/events', routes[0]!.headers, JSON.stringify(sample));
    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({ error: 'unavailable' });
  });
});

describe('POST /hooks/alertmanager through the function', () => {
  const notification = readFileSync(
    new URL('../fixtures/sources/alertmanager-hpa-group.json', import.meta.url),
    'utf8',
  );
  it('a mappable notification while the scale queue is down is 503: Alertmanager retries it', async () => {
    const answer = await post('/hooks/alertmanager', routes[5]!.headers, notification);
    expect(answer).toMatchObject({ status: 503, body: { error: 'unavailable' } });
  });

  it('nothing mappable needs no queue: 200 with every alert ignored', async () => {
    const body = JSON.parse(notification);
    body.alerts = body.alerts.slice(2);
    const answer = await post('/hooks/alertmanager', routes[5]!.headers, JSON.stringify(body));
    expect(answer).toMatchObject({ status: 200, body: { accepted: [] } });
  });

  it.each([
    ['a wrong token', { authorization: 'Bearer wrong-wrong-wrong-wrong' }, notification, 401],
    ['not JSON', routes[5]!.headers, 'firing', 400],
    ['version 3', routes[5]!.headers, notification.replace('"version": "4"', '"version": "3"'), 400],
  ])('%s is a %s, never a 5xx', async (_, headers, body, status) => {
    expect((await post('/hooks/alertmanager', headers, body)).status).toBe(status);
  });
});

const event = (over: Partial<APIGatewayProxyEventV2>): APIGatewayProxyEventV2 =>
  ({
    version: '2.0',
    routeKey: 'POST /events',
    rawPath: '/events',
    rawQueryString: '',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    requestContext: {} as APIGatewayProxyEventV2['requestContext'],
    body: JSON.stringify(sample),
    isBase64Encoded: false,
    ...over,
  }) as APIGatewayProxyEventV2;

describe('the ingest function answers bad input with a 4xx, never a 5xx', () => {
  const call = async (e: APIGatewayProxyEventV2) => {
    const result = await handler(e, lambdaContext('capstan-ingest', 10));
    return { status: result.statusCode ?? 0, body: JSON.parse(result.body ?? '{}') as Record<string, unknown> };
  };

  it.each([
    ['/events', 'POST /events'],
    ['/hooks/harbor', 'POST /hooks/harbor'],
    ['/hooks/dockerhub/{secret}', 'POST /hooks/dockerhub/{secret}'],
  ])('%s: a base64 body that decodes beyond the limit is 413, judged before decoding', async (_p, routeKey) => {
    const body = Buffer.alloc(2 * MiB, 'x').toString('base64');
    expect(await call(event({ routeKey, body, isBase64Encoded: true }))).toMatchObject({ status: 413 });
  });

  it('a body flagged base64 that is not base64 is 400', async () => {
    const answer = await call(event({ body: '{"not": "base64"}', isBase64Encoded: true }));
    expect(answer).toMatchObject({ status: 400, body: { error: 'invalid-body' } });
  });

  it('bytes that are not UTF-8 are 400, never silently replaced', async () => {
    const body = Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]).toString('base64');
    const answer = await call(event({ body, isBase64Encoded: true }));
    expect(answer).toMatchObject({ status: 400, body: { error: 'invalid-body' } });
  });

  it.each(['POST /events', 'POST /hooks/harbor', 'POST /hooks/ghcr', 'POST /hooks/dockerhub/{secret}'])(
    '%s without any headers or body is 401, not a crash',
    async (routeKey) => {
      const answer = await call(event({ routeKey, headers: undefined as never, body: undefined }));
      expect(answer.status).toBe(401);
    },
  );
});
