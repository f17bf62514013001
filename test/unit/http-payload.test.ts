import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveRoutes } from '../../lib/runtime/http.ts';

// The local edge hands functions the API Gateway HTTP API payload 2.0 as AWS builds it, so a handler that
// reads cookies or query parameters behaves the same behind both.
let server: Awaited<ReturnType<typeof serveRoutes>>;

beforeAll(async () => {
  server = await serveRoutes(
    [
      {
        method: 'GET',
        path: '/echo',
        handler: async (e) => ({
          statusCode: 200,
          body: JSON.stringify({
            cookies: e.cookies,
            query: e.queryStringParameters,
            raw: e.rawQueryString,
            headers: e.headers,
          }),
          cookies: ['session=abc; HttpOnly; SameSite=Strict; Path=/', 'theme=dark'],
        }),
      },
    ],
    0,
  );
});
afterAll(() => server?.stop());

const get = (path: string, headers: Record<string, string> = {}) =>
  new Promise<{ setCookie: string[]; body: Record<string, unknown> }>((resolve, reject) => {
    const req = request(`${server.url}${path}`, { method: 'GET', headers });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c) => {
        text += c;
      });
      res.on('end', () => resolve({ setCookie: res.headers['set-cookie'] ?? [], body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end();
  });

describe('payload 2.0 on the local edge', () => {
  it('moves the Cookie header to cookies, joins repeated query parameters, and sends the answer cookies', async () => {
    const { setCookie, body } = await get('/echo?app=web&env=a&env=b', { cookie: 'session=xyz; theme=light' });
    expect(body.cookies).toEqual(['session=xyz', 'theme=light']);
    expect(body.headers).not.toHaveProperty('cookie');
    expect(body.query).toEqual({ app: 'web', env: 'a,b' });
    expect(body.raw).toBe('app=web&env=a&env=b');
    expect(setCookie).toEqual(['session=abc; HttpOnly; SameSite=Strict; Path=/', 'theme=dark']);
  });

  it('leaves cookies and queryStringParameters out when there are none, as API Gateway does', async () => {
    const { body } = await get('/echo');
    expect(body).not.toHaveProperty('cookies');
    expect(body).not.toHaveProperty('query');
  });
});
